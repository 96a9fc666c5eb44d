package dev.perfstream.bench.alerts;

import dev.perfstream.bench.stats.EmbeddedKafka;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.alerts.AlertsApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * Alert latency: from the moment a window closes (its WindowStats is written to perf.stats) to the
 * moment the alert it causes is readable on perf.alerts by a read_committed subscriber. Runs the
 * real alerts stage (exactly-once, repartition by service) against a real broker: an in-process
 * KRaft broker by default, or {@code --bootstrap-servers}.
 *
 * <p>Each measured window breaches a {@code for: 1} rule on a new series, so it produces exactly
 * one FIRING; {@code --background} calm series are written with every window so the stage also
 * evaluates rules that do not fire. Windows are paced at {@code --interval}; the latency of each
 * is measured on its own alert. The warm-up windows' alerts are awaited before measuring, so the
 * figures are steady state (the first seconds after start-up wait for internal topics and the first
 * rebalance, and are reported separately as the worst warm-up latency).
 */
@Command(name = "alerts", mixinStandardHelpOptions = true,
    description = "Measure alert latency (window close on perf.stats -> alert on perf.alerts) and print its distribution.")
public final class AlertLatencyBench implements Callable<Integer> {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Option(names = {"-b", "--bootstrap-servers"}, description = "Use this broker (default: start an in-process KRaft broker).")
    String bootstrap;

    @Option(names = "--alerts", description = "Measured alerts (default: ${DEFAULT-VALUE}).")
    int alerts = 300;

    @Option(names = "--warmup", description = "Alerts before measuring (default: ${DEFAULT-VALUE}).")
    int warmup = 60;

    @Option(names = "--background", description = "Calm series written with each window (default: ${DEFAULT-VALUE}).")
    int background = 50;

    @Option(names = "--interval", description = "Pause between windows (default: ${DEFAULT-VALUE}).")
    String interval = "200ms";

    @Option(names = "--partitions", description = "Partitions of the bench topics (default: ${DEFAULT-VALUE}).")
    int partitions = 3;

    @Option(names = "--commit-interval", description = "alerts.commit.interval of the stage (default: ${DEFAULT-VALUE}).")
    String commitInterval = "100ms";

    @Option(names = "--csv", description = "Also write every latency (window index, ms) to this file.")
    Path csv;

    @Option(names = "--attribution", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "Bottleneck attribution in the stage (alerts.attribution.enabled; default: on, --no-attribution: off).")
    boolean attribution = true;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AlertLatencyBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        EmbeddedKafka cluster = null;
        String servers = bootstrap;
        if (servers == null) {
            System.err.println("starting an in-process Kafka broker ...");
            cluster = EmbeddedKafka.start(Path.of(System.getProperty("java.io.tmpdir")));
            servers = cluster.bootstrapServers();
        }
        try {
            return run(servers);
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private int run(String servers) throws Exception {
        String id = "bench-alerts-" + Long.toString(System.currentTimeMillis(), 36);
        String stats = id + ".stats";
        String alertsTopic = id + ".alerts";
        try (Admin admin = Admin.create(KafkaClients.plain(servers).admin(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(stats, partitions, (short) 1), new NewTopic(alertsTopic, partitions, (short) 1),
                new NewTopic(id + ".deadletter", 1, (short) 1))).all().get();
        }
        Path dir = Files.createTempDirectory(id);
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
            rules:
              - id: bench-p95
                select: {metric: bench.latency}
                statistic: p95
                threshold: 200
                for: 1
                resolve-for: 1
                flapping: {starts: 1000000}
            """);
        Map<String, String> s = new HashMap<>();
        s.put("kafka.bootstrap.servers", servers);
        s.put("alerts.application.id", id);
        s.put("topic.stats", stats);
        s.put("topic.alerts", alertsTopic);
        s.put("topic.deadletter", id + ".deadletter");
        s.put("state.dir", dir.resolve("state").toString());
        s.put("alerts.rules.file", rules.toString());
        s.put("alerts.commit.interval", commitInterval);
        s.put("alerts.attribution.enabled", Boolean.toString(attribution));
        Settings settings = Settings.of(s);
        RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), settings);
        RecordCodec<Alert> alertCodec = Codecs.create(Alert.getClassSchema(), settings);
        Map<Long, Long> sentAtNanos = new ConcurrentHashMap<>();
        Map<Long, Long> latencyNanos = new ConcurrentHashMap<>();
        long pause = Settings.parseDuration(interval).toMillis();
        int total = warmup + alerts;
        try (AlertsApp app = AlertsApp.start(settings);
             KafkaProducer<byte[], byte[]> producer = producer(servers);
             KafkaConsumer<byte[], byte[]> consumer = consumer(servers, alertsTopic)) {
            waitRunning(app);
            Thread reader = new Thread(() -> read(consumer, alertCodec, alertsTopic, sentAtNanos, latencyNanos, total), "bench-reader");
            reader.setDaemon(true);
            reader.start();
            System.err.printf("measuring %d alerts (+%d warm-up), %d background series, one window every %s%n",
                alerts, warmup, background, interval);
            for (int k = 0; k < total; k++) {
                Instant start = T0.plus(Duration.ofMinutes(k));
                for (int b = 0; b < background; b++) {
                    send(producer, statsCodec, stats, window("svc" + (b % 10), "/calm" + b, start, 100));
                }
                producer.flush();
                WindowStats breach = window("svc" + (k % 10), "/incident" + k, start, 900);
                sentAtNanos.put(breach.getWindowStart().toEpochMilli(), System.nanoTime());
                send(producer, statsCodec, stats, breach);
                producer.flush();
                if (k + 1 == warmup) {
                    // Steady state only: the first windows after start-up wait for internal topics and
                    // the first rebalance; let that backlog drain before measuring.
                    long drain = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                    while (latencyNanos.size() < warmup && System.nanoTime() < drain) {
                        Thread.sleep(50);
                    }
                    System.err.printf("  warm-up done: %d warm-up alerts received, worst %.1f s%n", latencyNanos.size(),
                        latencyNanos.values().stream().mapToLong(Long::longValue).max().orElse(0) / 1e9);
                }
                if ((k + 1) % 50 == 0) {
                    System.err.printf("  %d/%d windows sent, %d alerts received%n", k + 1, total, latencyNanos.size());
                }
                Thread.sleep(pause);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (latencyNanos.size() < total && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            reader.interrupt();
            reader.join(5000); // the consumer is closed below; the reader must be done with it
        }
        report(latencyNanos, total);
        if (csv != null) {
            StringBuilder b = new StringBuilder("window,latency_ms\n");
            latencyNanos.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> b.append(
                Duration.between(T0, Instant.ofEpochMilli(e.getKey())).toMinutes()).append(',')
                .append(e.getValue() / 1_000_000).append('\n'));
            Files.writeString(csv, b.toString());
        }
        return latencyNanos.size() < total ? 1 : 0;
    }

    private void report(Map<Long, Long> latencyNanos, int total) {
        long warmupEnd = T0.plus(Duration.ofMinutes(warmup)).toEpochMilli();
        double[] ms = latencyNanos.entrySet().stream().filter(e -> e.getKey() >= warmupEnd)
            .mapToDouble(e -> e.getValue() / 1e6).sorted().toArray();
        System.out.printf(Locale.ROOT, "alert latency, window close -> alert readable on perf.alerts (read_committed):%n");
        System.out.printf(Locale.ROOT, "  alerts measured %d of %d (received %d of %d incl. warm-up)%n", ms.length, alerts,
            latencyNanos.size(), total);
        if (ms.length == 0) {
            return;
        }
        System.out.printf(Locale.ROOT, "  min %.0f ms  p50 %.0f ms  p90 %.0f ms  p99 %.0f ms  max %.0f ms  mean %.0f ms%n",
            ms[0], pct(ms, 50), pct(ms, 90), pct(ms, 99), ms[ms.length - 1], Arrays.stream(ms).average().orElse(0));
        System.out.printf(Locale.ROOT, "  commit interval %s, %d partitions, %d background series per window%n",
            commitInterval, partitions, background);
    }

    static double pct(double[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static void read(KafkaConsumer<byte[], byte[]> consumer, RecordCodec<Alert> codec, String topic,
                             Map<Long, Long> sent, Map<Long, Long> latency, int total) {
        while (!Thread.currentThread().isInterrupted() && latency.size() < total) {
            Iterable<ConsumerRecord<byte[], byte[]>> records;
            try {
                records = consumer.poll(Duration.ofMillis(50));
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                return;
            }
            for (ConsumerRecord<byte[], byte[]> r : records) {
                long now = System.nanoTime();
                try {
                    Alert a = codec.decode(topic, r.value());
                    Long t = sent.get(a.getWindowStart().toEpochMilli());
                    if (t != null && a.getRule().equals("bench-p95")) {
                        latency.putIfAbsent(a.getWindowStart().toEpochMilli(), now - t);
                    }
                } catch (Exception e) {
                    System.err.println("undecodable alert: " + e.getMessage());
                }
            }
        }
    }

    private static void waitRunning(AlertsApp app) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (app.state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    static WindowStats window(String service, String route, Instant start, double p95) {
        return WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName("bench.latency").setService(service)
            .setRoute(route).setWindowStart(start).setWindowEnd(start.plus(Duration.ofMinutes(1)))
            .setCount(1000).setErrors(0).setErrorRate(0).setRate(1000 / 60.0).setMin(1).setMax(p95 * 2).setMean(p95 / 2)
            .setP50(p95 / 2).setP75(p95 * 0.8).setP90(p95 * 0.9).setP95(p95).setP99(p95 * 1.5).setP999(p95 * 2).build();
    }

    private static void send(KafkaProducer<byte[], byte[]> p, RecordCodec<WindowStats> codec, String topic, WindowStats s) {
        String key = s.getName() + "|" + s.getService() + "|" + s.getRoute();
        p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), codec.encode(topic, s)));
    }

    private static KafkaProducer<byte[], byte[]> producer(String servers) {
        Properties p = KafkaClients.plain(servers).producer(Map.of());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String servers, String topic) {
        Properties p = KafkaClients.plain(servers).consumer(Map.of());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> tps = new ArrayList<>();
        c.partitionsFor(topic).forEach(pi -> tps.add(new TopicPartition(topic, pi.partition())));
        c.assign(tps);
        c.seekToEnd(tps);
        tps.forEach(c::position); // resolve the end offsets now, before anything is produced
        return c;
    }
}
