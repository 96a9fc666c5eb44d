package dev.perfstream.deploy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Kcat;
import dev.perfstream.testkit.Poll;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.streams.stats.StatsApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stats stage and the sink on a real broker and a real influxd with the keys real producers use
 * (none, as most clients and the OpenTelemetry Collector send; random; by series; a hot series), on
 * six partitions: exactly one WindowStats per series and window, exact counts, percentiles within
 * 1 %, the same in InfluxDB; and windows of a partition that went quiet are out within window +
 * grace + idle + 5 s of wall-clock time.
 */
@Timeout(300)
class ProducerKeysIT {
    private static final long MIN = 60_000;
    private static final int PARTITIONS = 6;
    private static final double[] QS = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
    private static final String[] FIELDS = {"p50", "p75", "p90", "p95", "p99", "p999"};
    static KafkaTestCluster kafka;
    static InfluxTestServer influx;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaTestCluster.start();
        influx = InfluxTestServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (influx != null) {
            influx.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Map<String, String> settings(String tag) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        for (String t : List.of("metrics", "rum", "stats", "anomalies", "forecasts", "alerts", "deadletter")) {
            m.put("topic." + t, tag + "-" + t);
        }
        m.put("stats.application.id", "keys-" + tag);
        m.put("sink.group.id", "keys-sink-" + tag);
        m.put("stats.windows", "10s,1m");
        m.put("stats.rollup", "off");
        m.put("stats.grace", "5s");
        m.put("stats.commit.interval", "500ms");
        m.put("stats.idle.close", "10s");
        m.put("state.dir", Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "keys-").toString());
        m.put("influx.url", influx.url());
        m.put("influx.database", "keys_" + tag);
        m.put("sink.linger", "200ms");
        kafka.createTopics(PARTITIONS, m.get("topic.metrics"), m.get("topic.rum"), m.get("topic.stats"), m.get("topic.deadletter"),
            m.get("topic.anomalies"), m.get("topic.forecasts"), m.get("topic.alerts"));
        return m;
    }

    /** What was sent: values per (series, window start) for each window size, and the partitions each series went to. */
    static final class Sent {
        final Map<String, List<Double>> values = new HashMap<>();
        final Map<String, Set<Integer>> partitions = new ConcurrentHashMap<>();

        void add(String service, String route, long ts, double v) {
            for (long size : new long[] {10_000, MIN}) {
                values.computeIfAbsent(service + " " + route + " " + size + " " + (ts / size) * size, k -> new ArrayList<>()).add(v);
            }
        }
    }

    private static String metric(long ts, String service, String route, double v) {
        return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"http.server.duration\","
            + "\"value\":%s,\"unit\":\"ms\",\"route\":\"%s\"}", ts, service, Double.toString(v), route);
    }

    /** Not the test kit's producer: these batching settings are what spreads one series over partitions. */
    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 8192); // small batches: the sticky partitioner moves on often
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Reads WindowStats until {@code expected} arrived and one more second brought nothing new. */
    private static List<WindowStats> readStats(Map<String, String> m, int expected) {
        RecordCodec<WindowStats> codec = Codecs.create(WindowStats.getClassSchema(), Settings.of(m));
        List<WindowStats> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = kafka.clients().subscribed(m.get("topic.stats"))) {
            Poll.until(Duration.ofSeconds(150), expected + " window stats", () -> {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(decode(codec, m.get("topic.stats"), r.value()));
                }
                return out.size() >= expected ? Boolean.TRUE : null;
            });
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofSeconds(2))) {
                out.add(decode(codec, m.get("topic.stats"), r.value()));
            }
        }
        return out;
    }

    private static List<DeadLetter> readDeadLetters(Map<String, String> m) {
        RecordCodec<DeadLetter> codec = Codecs.create(DeadLetter.getClassSchema(), Settings.of(m));
        List<DeadLetter> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = kafka.clients().subscribed(m.get("topic.deadletter"))) {
            for (int i = 0; i < 5; i++) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(400))) {
                    out.add(decode(codec, m.get("topic.deadletter"), r.value()));
                }
            }
        }
        return out;
    }

    private static <T> T decode(RecordCodec<T> codec, String topic, byte[] v) {
        try {
            return codec.decode(topic, v);
        } catch (DecodeException e) {
            throw new AssertionError(e);
        }
    }

    /** Exact quantile with DDSketch's rank convention: the value at rank floor(q * (n - 1)). */
    private static double exact(List<Double> values, double q) {
        double[] s = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        return s[(int) Math.floor(q * (s.length - 1))];
    }

    private static double pick(WindowStats s, int i) {
        return switch (i) {
            case 0 -> s.getP50();
            case 1 -> s.getP75();
            case 2 -> s.getP90();
            case 3 -> s.getP95();
            case 4 -> s.getP99();
            default -> s.getP999();
        };
    }

    /** Exactly one WindowStats per (series, window) sent, none other, exact counts, percentiles within 1 %. */
    private static void assertExact(Sent sent, List<WindowStats> stats) {
        Set<String> seen = new HashSet<>();
        for (WindowStats w : stats) {
            long size = w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli();
            String k = w.getService() + " " + w.getRoute() + " " + size + " " + w.getWindowStart().toEpochMilli();
            assertThat(seen.add(k)).as("one WindowStats for " + k).isTrue();
            List<Double> v = sent.values.get(k);
            assertThat(v).as("window " + k + " was sent").isNotNull();
            assertThat(w.getCount()).as(k + " count").isEqualTo(v.size());
            assertThat(w.getLateEvents()).as(k + " late").isZero();
            for (int i = 0; i < QS.length; i++) {
                double e = exact(v, QS[i]);
                assertThat(pick(w, i)).as(k + " " + FIELDS[i]).isCloseTo(e, within(e * 0.01));
            }
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(sent.values.keySet());
    }

    @Test
    void shouldCountEverySeriesExactlyOnceWhenProducedWithNullKeysOverAllPartitionsAndLandTheSameInInflux() throws Exception {
        Map<String, String> m = settings("nullkeys");
        Sent sent = new Sent();
        long t0 = (System.currentTimeMillis() / MIN) * MIN - 10 * MIN;
        int n = 200_000;
        Random r = new Random(13);
        try (StatsApp stats = StatsApp.start(Settings.of(m)); SinkApp sink = SinkApp.start(Settings.of(m));
             KafkaProducer<byte[], byte[]> p = producer()) {
            for (int i = 0; i < n; i++) {
                String service = "svc" + (i % 5);
                String route = (i / 5) % 2 == 0 ? "/a" : "/b";
                long ts = t0 + (long) i * 5 * MIN / n;
                double v = Math.exp(3 + 0.8 * r.nextGaussian());
                sent.add(service, route, ts, v);
                p.send(new ProducerRecord<>(m.get("topic.metrics"), null, metric(ts, service, route, v).getBytes(StandardCharsets.UTF_8)),
                    (md, e) -> {
                        if (md != null) {
                            sent.partitions.computeIfAbsent(service + route, k -> ConcurrentHashMap.newKeySet()).add(md.partition());
                        }
                    });
            }
            p.flush();
            assertThat(sent.partitions).hasSize(10).allSatisfy((s, parts) -> assertThat(parts).as(s).hasSize(PARTITIONS));

            List<WindowStats> out = readStats(m, sent.values.size());
            assertThat(out).hasSize(10 * (30 + 5));
            assertExact(sent, out);
            assertThat(readDeadLetters(m)).isEmpty();

            // InfluxDB through the sink: one point per (series, window), the same counts and percentiles
            String q = "SELECT \"count\", p50, p75, p90, p95, p99, p999, service, route, \"window\" FROM metric_stats";
            List<JsonNode> rows = Poll.until(Duration.ofSeconds(90), "350 points in InfluxDB", () -> {
                List<JsonNode> got = rows(influx.query(m.get("influx.database"), q));
                return got.size() >= 350 ? got : null;
            });
            assertThat(rows).hasSize(350);
            Map<String, WindowStats> byKey = new HashMap<>();
            out.forEach(w -> byKey.put(w.getService() + " " + w.getRoute() + " "
                + (w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli()) + " " + w.getWindowStart().toEpochMilli(), w));
            for (JsonNode row : rows) {
                long size = row.get(10).asText().equals("1m") ? MIN : 10_000;
                String k = row.get(8).asText() + " " + row.get(9).asText() + " " + size + " " + row.get(0).asLong();
                List<Double> v = sent.values.get(k);
                assertThat(v).as(k).isNotNull();
                assertThat(row.get(1).asLong()).as(k + " count in InfluxDB").isEqualTo(v.size());
                for (int i = 0; i < QS.length; i++) {
                    double e = exact(v, QS[i]);
                    assertThat(row.get(2 + i).asDouble()).as(k + " " + FIELDS[i] + " in InfluxDB").isCloseTo(e, within(e * 0.01));
                }
            }
        }
    }

    /** Rows of an InfluxQL answer (time in epoch ms first), or empty while the database does not exist. */
    private static List<JsonNode> rows(String json) {
        List<JsonNode> out = new ArrayList<>();
        try {
            JsonNode series = new ObjectMapper().readTree(json).path("results").path(0).path("series");
            for (JsonNode s : series) {
                s.path("values").forEach(out::add);
            }
        } catch (java.io.IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    @Test
    void shouldBeExactWithRandomKeysSeriesKeysServiceKeysAndAHotSeriesMixed() throws Exception {
        Map<String, String> m = settings("mixed");
        Sent sent = new Sent();
        long t0 = (System.currentTimeMillis() / MIN) * MIN - 8 * MIN;
        int n = 60_000;
        Random r = new Random(17);
        try (StatsApp stats = StatsApp.start(Settings.of(m)); KafkaProducer<byte[], byte[]> p = producer()) {
            for (int i = 0; i < n; i++) {
                boolean hot = r.nextBoolean(); // one series takes half of all events
                String service = hot ? "hot" : "svc" + r.nextInt(6);
                String route = hot ? "/pay" : "/r" + r.nextInt(3);
                long ts = t0 + (long) i * 3 * MIN / n;
                double v = Math.exp(2 + r.nextGaussian());
                sent.add(service, route, ts, v);
                byte[] key = switch (i % 4) {
                    case 0 -> UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8); // random
                    case 1 -> ("METRIC|http.server.duration|" + service + "|" + route).getBytes(StandardCharsets.UTF_8); // series
                    case 2 -> service.getBytes(StandardCharsets.UTF_8); // service: the owner's partition
                    default -> ("instance-" + r.nextInt(20)).getBytes(StandardCharsets.UTF_8); // by instance
                };
                p.send(new ProducerRecord<>(m.get("topic.metrics"), key, metric(ts, service, route, v).getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
            List<WindowStats> out = readStats(m, sent.values.size());
            assertExact(sent, out);
            assertThat(readDeadLetters(m)).isEmpty();
        }
    }

    @Test
    void shouldCloseTheWindowsOfAPartitionThatWentQuietWithinWindowPlusGracePlusIdlePlus5Seconds() throws Exception {
        Map<String, String> m = settings("quiet");
        // 20 s, not 1 min, as the longer window: the test waits for it to close (about 25 s less)
        long longer = 20_000;
        m.put("stats.windows", "10s,20s");
        Settings s = Settings.of(m);
        Map<String, Long> arrivedAt = new ConcurrentHashMap<>();
        RecordCodec<WindowStats> codec = Codecs.create(WindowStats.getClassSchema(), s);
        try (StatsApp stats = StatsApp.start(s); KafkaProducer<byte[], byte[]> p = producer();
             KafkaConsumer<byte[], byte[]> c = kafka.clients().subscribed(m.get("topic.stats"))) {
            // a burst keyed by service: every event on one partition, which then gets nothing more
            long burstEnd = System.currentTimeMillis() + 3_000;
            int sent = 0;
            long first = System.currentTimeMillis();
            while (System.currentTimeMillis() < burstEnd) {
                long now = System.currentTimeMillis();
                p.send(new ProducerRecord<>(m.get("topic.metrics"), "burst".getBytes(StandardCharsets.UTF_8),
                    metric(now, "burst", "/x", 5 + sent % 7).getBytes(StandardCharsets.UTF_8)));
                sent++;
                Thread.sleep(2);
            }
            p.flush();
            long longerEnd = (first / longer) * longer + longer;
            long lastTenEnd = ((burstEnd - 1) / 10_000) * 10_000 + 10_000;
            long deadline = Math.max(longerEnd, lastTenEnd) + 5_000 + 10_000 + 5_000;
            Poll.until(Duration.ofMillis(deadline - System.currentTimeMillis() + 30_000), "the burst's 20-second window", () -> {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    WindowStats w = decode(codec, m.get("topic.stats"), r.value());
                    arrivedAt.put((w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli()) + "@"
                        + w.getWindowEnd().toEpochMilli() + " n=" + w.getCount(), System.currentTimeMillis());
                }
                return arrivedAt.keySet().stream().anyMatch(k -> k.startsWith(longer + "@")) ? Boolean.TRUE : null;
            });
            long total = 0;
            for (Map.Entry<String, Long> e : arrivedAt.entrySet()) {
                long end = Long.parseLong(e.getKey().substring(e.getKey().indexOf('@') + 1, e.getKey().indexOf(' ')));
                long delay = e.getValue() - end;
                System.out.printf(Locale.ROOT, "quiet partition: window %s out %d ms after its end%n", e.getKey(), delay);
                assertThat(delay).as("window " + e.getKey() + " out after its end, ms").isLessThanOrEqualTo(5_000 + 10_000 + 5_000);
                if (e.getKey().startsWith(longer + "@")) {
                    total += Long.parseLong(e.getKey().substring(e.getKey().indexOf("n=") + 2));
                }
            }
            assertThat(arrivedAt.keySet()).anyMatch(k -> k.startsWith("10000@"));
            // an event for a window the quiet-input rule closed is late: dead-lettered with its reason, not lost
            p.send(new ProducerRecord<>(m.get("topic.metrics"), "burst".getBytes(StandardCharsets.UTF_8),
                metric(first, "burst", "/x", 5).getBytes(StandardCharsets.UTF_8)));
            p.flush();
            List<DeadLetter> late = Poll.until(Duration.ofSeconds(30), "the late event's dead letter", () -> {
                List<DeadLetter> d = readDeadLetters(m);
                return d.isEmpty() ? null : d;
            });
            assertThat(late).singleElement().satisfies(d -> {
                assertThat(d.getReasonCode()).isEqualTo("late");
                assertThat(d.getReason()).contains("METRIC|http.server.duration|burst|/x");
            });
            if (longerEnd > burstEnd) {
                assertThat(total).as("events in the burst's 20-second window").isEqualTo(sent);
            }
        }
    }

    /**
     * A producer we did not write: kcat (librdkafka) with its random partitioner and no keys, one JSON
     * event per line as a shell pipeline would send them, at a 5 s cadence per series with gaps of
     * whole windows, plus two lines that are not events. Every window exact, the bad lines dead-lettered.
     */
    @Test
    void shouldBeExactForEventsSentByKcatWithRandomPartitioningAndDeadLetterItsBadLines() throws Exception {
        Map<String, String> m = settings("kcat");
        Sent sent = new Sent();
        long t0 = (System.currentTimeMillis() / MIN) * MIN - 6 * MIN;
        Random r = new Random(19);
        StringBuilder lines = new StringBuilder();
        int events = 0;
        for (long ts = t0; ts < t0 + 4 * MIN; ts += 5_000) {
            for (int k = 0; k < 4; k++) {
                if ((ts - t0) / 10_000 % 7 == k) {
                    continue; // each series misses some windows: sparse series, not every window has an event
                }
                for (int j = 0; j < 1 + r.nextInt(40); j++) {
                    double v = Math.round(Math.exp(3 + r.nextGaussian()) * 1000) / 1000.0;
                    sent.add("kc" + k, "/q", ts + j, v);
                    lines.append(metric(ts + j, "kc" + k, "/q", v)).append('\n');
                    events++;
                }
            }
        }
        lines.append("not json at all\n");
        lines.append("{\"timestamp\":").append(t0 + 1000).append(",\"service\":\"kc0\"}\n"); // no metric, no value
        try (StatsApp stats = StatsApp.start(Settings.of(m))) {
            Kcat.produce(kafka.bootstrapServers(), m.get("topic.metrics"), lines.toString());
            Map<Integer, Long> perPartition = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> c = kafka.clients().subscribed(m.get("topic.metrics"))) {
                List<TopicPartition> tps = c.partitionsFor(m.get("topic.metrics")).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                c.endOffsets(tps).forEach((tp, o) -> perPartition.put(tp.partition(), o));
            }
            assertThat(perPartition.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(events + 2L);
            assertThat(perPartition).as("kcat spread the events over every partition").hasSize(PARTITIONS)
                .allSatisfy((part, n) -> assertThat(n).isPositive());

            List<WindowStats> out = readStats(m, sent.values.size());
            assertExact(sent, out);
            List<DeadLetter> dead = Poll.until(Duration.ofSeconds(30), "two dead letters", () -> {
                List<DeadLetter> d = readDeadLetters(m);
                return d.size() >= 2 ? d : null;
            });
            assertThat(dead).hasSize(2).allSatisfy(d -> {
                assertThat(d.getSourceTopic()).isEqualTo(m.get("topic.metrics"));
                assertThat(d.getReason()).isNotBlank();
            });
            assertThat(dead).extracting(DeadLetter::getReasonCode).containsExactlyInAnyOrder("format", "validation");
        }
    }
}
