package dev.perfstream.bench.stats;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.window.StatsApp;
import dev.perfstream.streams.window.StatsConfig;
import dev.perfstream.streams.window.InputLag;
import dev.perfstream.streams.window.SeriesOwnership;
import dev.perfstream.streams.window.StatsPartitions;
import dev.perfstream.streams.window.StatsTopology;
import dev.perfstream.streams.window.state.Sketches;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perfstream bench stats}: end-to-end throughput of the stats stage against two references on
 * the same broker and the same pre-produced events: a plain consumer (the ceiling) and the plain DSL
 * {@code groupByKey().windowedBy().aggregate()} with a sketch serde. Both Streams runs use
 * exactly_once_v2 and the same commit interval. Rates are events / (time from RUNNING, or from the first
 * processed record if that came first, to all input offsets committed), so start-up and the group join are
 * not counted.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Throughput of the stats stage vs a plain consumer and a plain DSL aggregate, on pre-produced events.")
public final class StatsBenchCommand implements Callable<Integer> {
    @Option(names = "--events", description = "Events to produce (default ${DEFAULT-VALUE}).")
    int events = 1_000_000;

    @Option(names = "--warmup-events", description = "Events of a separate warm-up topic that every reader and"
        + " topology runs over first, unmeasured, so the JIT compiler has compiled their hot paths (default"
        + " ${DEFAULT-VALUE}; 0 = none). Without it a 1 M-event run measures largely the JIT: it took 43 %% of the"
        + " process's CPU during the stats stage's run.")
    int warmupEvents = 200_000;

    @Option(names = "--series", description = "Distinct series (default ${DEFAULT-VALUE}).")
    int series = 10_000;

    @Option(names = "--partitions", description = "Input partitions (default ${DEFAULT-VALUE}).")
    int partitions = 2;

    /** How the events are keyed on the input topic. */
    enum Keying { service, series, random, none }

    @Option(names = "--keying", description = "Record keys of the events: service (the stage's owner key: every event on its"
        + " owner's partition), series (service|route), random (a random key per event) or null (no key, as most clients and"
        + " the OpenTelemetry Collector send; 'none' is the same). Default ${DEFAULT-VALUE}. The DSL baseline groups by the key"
        + " when keyed by series, else by the series read from the event (a repartition).",
        converter = KeyingConverter.class)
    Keying keying = Keying.service;

    static final class KeyingConverter implements picocli.CommandLine.ITypeConverter<Keying> {
        @Override
        public Keying convert(String v) {
            return v.equals("null") ? Keying.none : Keying.valueOf(v);
        }
    }

    /** What the events are. */
    enum Traffic { plain, mixed }

    @Option(names = "--traffic", description = "plain: request latencies only (http.server.duration), as every figure in"
        + " bench/README.md before 2026-12-05 evening; mixed: what the statement, cache and release aggregations work on:"
        + " 55 %% request latencies with a serviceVersion (every fifth service on a second version), 30 %% DB query times"
        + " with raw SQL (40 statements, a literal per event), 15 %% cache lookups with a cache name and hit / miss."
        + " Default ${DEFAULT-VALUE}.")
    Traffic traffic = Traffic.plain;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A setting of the measured stats stage (repeatable),"
        + " e.g. --set stats.queries.enabled=false --set release.metrics=none to measure without those aggregations.")
    Map<String, String> stageSettings = new HashMap<>();

    @Option(names = "--span", description = "Event-time span of the events (default ${DEFAULT-VALUE}).")
    String span = "5m";

    @Option(names = "--commit-interval", description = "Streams commit interval for every Streams run (default ${DEFAULT-VALUE}).")
    String commitInterval = "1s";

    @Option(names = "--compression", description = "stats.compression of the stage, used by every Streams run"
        + " (default ${DEFAULT-VALUE}, the stage's default).")
    String compression = "lz4";

    @Option(names = "--streams-config", paramLabel = "KEY=VALUE",
        description = "Extra Kafka Streams property for every Streams run (repeatable), e.g. producer.compression.type=lz4.")
    Map<String, String> streamsConfig = new HashMap<>();

    @Option(names = "--registry", paramLabel = "URL",
        description = "Schema registry (Confluent API, e.g. http://127.0.0.1:8081/apis/ccompat/v7, as `perfstream services"
            + " start` runs it): the events are produced as Confluent Avro and every Streams run gets"
            + " schema.registry.url, so the stage writes Avro, the production format. Default: JSON in and out.")
    String registry;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap = "127.0.0.1:9092";

    @Option(names = "--embedded", description = "Start an in-process single-node broker instead of using --bootstrap.")
    boolean embedded;

    @Option(names = "--skip-dsl", description = "Skip the DSL baseline (it is the slow one).")
    boolean skipDsl;

    @Option(names = "--skip-noop", description = "Skip the Kafka Streams no-op and pass-through runs (the framework's own"
        + " ceilings: reading only, and writing one output record per input record).")
    boolean skipNoop;

    @Option(names = "--work-dir", description = "Scratch folder for state and the embedded broker (default ${DEFAULT-VALUE}).")
    Path workDir = Path.of(".perfstream", "bench");

    @Override
    public Integer call() throws Exception {
        EmbeddedKafka kafka = embedded ? EmbeddedKafka.start(workDir.resolve("kafka")) : null;
        try {
            String bs = kafka != null ? kafka.bootstrapServers() : bootstrap;
            return run(bs);
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    private int run(String bs) throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        String input = "bench-metrics-" + run;
        String out = "bench-out-" + run;
        String warm = "bench-warmup-" + run;
        try (Admin admin = admin(bs)) {
            admin.createTopics(List.of(new NewTopic(input, partitions, (short) 1), new NewTopic(out, partitions, (short) 1),
                new NewTopic(warm, partitions, (short) 1), new NewTopic("bench-pass-" + run, partitions, (short) 1),
                new NewTopic("bench-rum-" + run, partitions, (short) 1), new NewTopic("bench-dlq-" + run, partitions, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);
            log("load average before: %s", loadavg());
            log("format: %s", registry == null ? "JSON in and out" : "Confluent Avro in and out, registry " + registry);
            log("keying: %s, %d partitions", keying == Keying.none ? "null" : keying, partitions);
            double produceEps = produce(bs, input, events, 20261126);
            log("produced %,d events over %,d series: %.0f events/s", events, series, produceEps);
            if (warmupEvents > 0) {
                produce(bs, warm, warmupEvents, 7);
                log("warm-up: %,d events on %s", warmupEvents, warm);
                consume(bs, warm, warmupEvents);
            }

            double consumerEps = consume(bs, input, events);
            log("plain consumer:           %,12.0f events/s   load %s", consumerEps, loadavg());

            Map<String, String> keys = new HashMap<>();
            keys.put("kafka.bootstrap.servers", bs);
            keys.put("topic.metrics", input);
            keys.put("topic.rum", "bench-rum-" + run);
            keys.put("topic.stats", out);
            keys.put("topic.deadletter", "bench-dlq-" + run);
            keys.put("stats.commit.interval", commitInterval);
            keys.put("stats.max-age", "30d");
            keys.put("stats.compression", compression);
            if (registry != null) {
                keys.put("schema.registry.url", registry);
            }
            keys.putAll(stageSettings);
            Settings settings = Settings.of(keys);
            StatsConfig c = StatsConfig.from(settings);

            if (warmupEvents > 0) {
                warmUp(admin, bs, run, warm, out, c, settings);
            }
            double noopEps = Double.NaN;
            double passEps = Double.NaN;
            if (!skipNoop) {
                noopEps = streams(admin, bs, "bench-noop-" + run, noop(input), input, events, c);
                log("Kafka Streams no-op:      %,12.0f events/s   load %s   (%.3f x the consumer: the ceiling of any"
                    + " exactly-once Streams stage here)", noopEps, loadavg(), noopEps / consumerEps);
                passEps = streams(admin, bs, "bench-pass-" + run, passThrough(input, "bench-pass-" + run), input, events, c);
                log("Kafka Streams pass-through:%,11.0f events/s   load %s   (%.3f x the consumer: the ceiling of an"
                    + " exactly-once stage writing one record per event)", passEps, loadavg(), passEps / consumerEps);
            }
            double dslEps = Double.NaN;
            if (!skipDsl) {
                Topology dsl = DslBaseline.build(input, out, c.windows(), c.grace(),
                    Codecs.create(MetricEvent.getClassSchema(), settings), new Sketches(c.relativeAccuracy(), c.maxBins()),
                    keying != Keying.series);
                dslEps = streams(admin, bs, "bench-dsl-" + run, dsl, input, events, c);
                log("DSL aggregate baseline:   %,12.0f events/s   load %s", dslEps, loadavg());
            }
            double psEps = streams(admin, bs, "bench-perfstream-" + run, stage(admin, settings, "bench-perfstream-" + run), input,
                events, c);
            log("perfstream stats stage:   %,12.0f events/s   load %s", psEps, loadavg());
            log("load average after: %s", loadavg());
            topicBytes(admin);
            if (!skipNoop) {
                log("streams_noop_eps=%.0f streams_pass_eps=%.0f perfstream_vs_noop=%.3f perfstream_vs_pass=%.3f", noopEps,
                    passEps, psEps / noopEps, psEps / passEps);
            }
            System.out.printf(Locale.ROOT, "keying=%s consumer_eps=%.0f dsl_eps=%.0f perfstream_eps=%.0f ratio_vs_consumer=%.3f"
                + " ratio_vs_dsl=%.3f%n", keying == Keying.none ? "null" : keying, consumerEps, dslEps, psEps, psEps / consumerEps,
                psEps / dslEps);
        }
        return 0;
    }

    /**
     * The stats stage as it runs: its application id set, its partials topic created, its ownership from the
     * topics' partition counts.
     */
    private static Topology stage(Admin admin, Settings settings, String appId) {
        Map<String, String> keys = new HashMap<>(settings.asMap());
        keys.put("stats.application.id", appId);
        Settings s = Settings.of(keys);
        StatsConfig c = StatsConfig.from(s);
        SeriesOwnership ownership = StatsPartitions.prepare(admin, c);
        // as StatsApp: the statement and cache topics created (or the aggregations off when they cannot be)
        dev.perfstream.streams.window.QueryCacheConfig qc = StatsPartitions.outputs(admin, c,
            dev.perfstream.streams.window.QueryCacheConfig.from(s));
        return StatsTopology.build(c, qc, s, Clock.systemUTC(), ownership, InputLag.NONE,
            new java.util.concurrent.atomic.AtomicLong());
    }

    /**
     * Pre-generates the events (JSON, or Confluent Avro with {@code --registry}: the same events through the
     * stages' own codec), then produces them keyed as {@code --keying} says.
     */
    /** One event of {@link #traffic} as JSON (the random draws of plain traffic are the same as before). */
    private String json(java.util.Random r, long ts, String service, String route, int s, double v) {
        String outcome = r.nextInt(100) == 0 ? "ERROR" : "OK";
        if (traffic == Traffic.plain) {
            return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"http.server.duration\","
                + "\"value\":%.3f,\"unit\":\"ms\",\"outcome\":\"%s\",\"route\":\"%s\"}", ts, service, v, outcome, route);
        }
        int kind = r.nextInt(100);
        if (kind < 55) {
            return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"http.server.duration\","
                + "\"value\":%.3f,\"unit\":\"ms\",\"outcome\":\"%s\",\"route\":\"%s\",\"serviceVersion\":\"%s\"}", ts,
                service, v, outcome, route, s % 5 == 0 && r.nextBoolean() ? "1.5.0" : "1.4.0");
        }
        if (kind < 85) {
            return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"db.query.duration\","
                + "\"value\":%.3f,\"unit\":\"ms\",\"route\":\"%s\",\"dbStatement\":\"SELECT * FROM orders_%d WHERE id = %d"
                + " AND state IN ('a', 'b')\"}", ts, service, v / 4, route, s % 40, ts % 9973);
        }
        return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"cache.lookup\","
            + "\"value\":%.3f,\"unit\":\"ms\",\"route\":\"%s\",\"cache\":\"cache-%d\",\"cacheHit\":%s}", ts, service,
            v / 20, route, s % 3, r.nextInt(10) != 0);
    }

    private double produce(String bs, String topic, int events, long seed) throws Exception {
        Random r = new Random(seed);
        long spanMs = Settings.parseDuration(span).toMillis();
        long start = System.currentTimeMillis() - spanMs - 60_000;
        List<byte[]> keys = new ArrayList<>(series);
        String[] services = new String[series];
        String[] routes = new String[series];
        for (int s = 0; s < series; s++) {
            services[s] = "svc-" + (s % 100);
            routes[s] = "/api/r" + (s / 100);
            keys.add(switch (keying) {
                case service -> services[s].getBytes(StandardCharsets.UTF_8);
                case series -> (services[s] + "|" + routes[s]).getBytes(StandardCharsets.UTF_8);
                case random, none -> null;
            });
        }
        byte[][] values = new byte[events][];
        int[] seriesOf = new int[events];
        RecordCodec<MetricEvent> avro = registry == null ? null
            : Codecs.create(MetricEvent.getClassSchema(), Settings.of(Map.of("schema.registry.url", registry)));
        for (int i = 0; i < events; i++) {
            int s = r.nextInt(series);
            seriesOf[i] = s;
            long ts = start + (long) i * spanMs / events;
            double v = Math.exp(3 + 0.8 * r.nextGaussian());
            values[i] = json(r, ts, services[s], routes[s], s, v).getBytes(StandardCharsets.UTF_8);
            if (avro != null) {
                values[i] = avro.encode(topic, avro.decode(topic, values[i]));
            }
        }
        Properties p = KafkaClients.plain(bs).producer(Map.of());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        // Without keys the client's sticky partitioner fills one batch per partition in turn: with the client's
        // default batch size (16 KB) the events spread over the partitions as a default producer's do.
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, keying == Keying.none ? 16 * 1024 : 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        long t = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                long ts = start + (long) i * spanMs / events;
                byte[] key = keying == Keying.random ? Long.toString(r.nextLong(), 36).getBytes(StandardCharsets.UTF_8)
                    : keys.get(seriesOf[i]);
                producer.send(new ProducerRecord<>(topic, null, ts, key, values[i]));
            }
            producer.flush();
        }
        return events / ((System.nanoTime() - t) / 1e9);
    }

    private double consume(String bs, String topic, int events) {
        Properties p = KafkaClients.plain(bs).consumer(Map.of());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-consumer-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        long n = 0;
        long t = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (n < events && System.nanoTime() < deadline) {
                int got = c.poll(Duration.ofMillis(500)).count();
                if (got > 0 && t == 0) {
                    t = System.nanoTime(); // from the first record: group join is not throughput
                }
                n += got;
            }
        }
        return n / ((System.nanoTime() - t) / 1e9);
    }

    /**
     * Runs each topology of the measured runs once over the warm-up topic, unmeasured (rates printed for
     * information): the JIT compiles the Kafka Streams paths, the decoder, the sketches and both topologies
     * here rather than inside the measurement.
     */
    private void warmUp(Admin admin, String bs, String run, String warm, String out, StatsConfig c, Settings settings)
        throws Exception {
        Map<String, String> keys = new HashMap<>(settings.asMap());
        keys.put("topic.metrics", warm);
        Settings ws = Settings.of(keys);
        StatsConfig wc = StatsConfig.from(ws);
        List<String> rates = new ArrayList<>();
        if (!skipNoop) {
            rates.add(String.format(Locale.ROOT, "no-op %,.0f", streams(admin, bs, "bench-warmup-noop-" + run, noop(warm), warm,
                warmupEvents, wc)));
            rates.add(String.format(Locale.ROOT, "pass-through %,.0f", streams(admin, bs, "bench-warmup-pass-" + run,
                passThrough(warm, out), warm, warmupEvents, wc)));
        }
        if (!skipDsl) {
            Topology dsl = DslBaseline.build(warm, out, wc.windows(), wc.grace(),
                Codecs.create(MetricEvent.getClassSchema(), ws), new Sketches(wc.relativeAccuracy(), wc.maxBins()),
                keying != Keying.series);
            rates.add(String.format(Locale.ROOT, "DSL %,.0f", streams(admin, bs, "bench-warmup-dsl-" + run, dsl, warm,
                warmupEvents, wc)));
        }
        rates.add(String.format(Locale.ROOT, "perfstream %,.0f", streams(admin, bs, "bench-warmup-perfstream-" + run,
            stage(admin, ws, "bench-warmup-perfstream-" + run), warm, warmupEvents, wc)));
        log("warm-up runs (unmeasured, events/s): %s", String.join(", ", rates));
    }

    private double streams(Admin admin, String bs, String appId, Topology topology, String input, int events,
                           StatsConfig c) throws Exception {
        // Every run gets the stage's own client settings (exactly_once_v2, commit interval, producer
        // compression, handlers), so the runs differ only in their topology.
        Properties p = StatsApp.properties(c);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(workDir.resolve("state")).toAbsolutePath().toString());
        p.putAll(streamsConfig);
        Map<TopicPartition, Long> end = endOffsets(admin, input);
        long[] runningAt = {0};
        try (KafkaStreams ks = new KafkaStreams(topology, p)) {
            ks.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING && runningAt[0] == 0) {
                    runningAt[0] = System.nanoTime();
                }
            });
            ks.start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            long lastReport = System.nanoTime();
            long firstProcessedAt = 0;
            long doneAt = 0;
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
                long done = 0;
                boolean all = true;
                for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                    OffsetAndMetadata o = committed.get(e.getKey());
                    // under EOS the committed offset may sit one past a transaction marker
                    all &= e.getValue() == 0 || o != null && o.offset() >= e.getValue(); // an empty partition has nothing to commit
                    done += o == null ? 0 : Math.min(o.offset(), e.getValue());
                }
                if (all) {
                    long inputDone = System.nanoTime();
                    String partials = appId + "-perfstream-stats-partials";
                    awaitPartials(admin, partials);
                    // Done when what the tasks forwarded to each other is merged too; if they forwarded only
                    // watermarks (keyed by service), the input alone is the work.
                    long forwarded = forwardedPartials(bs, admin, partials);
                    if (forwarded >= 0) {
                        log("  %s: %,d partial aggregates forwarded between tasks", appId, forwarded);
                    }
                    doneAt = forwarded > 0 ? System.nanoTime() : inputDone;
                    break;
                }
                if (ks.state() == KafkaStreams.State.ERROR || ks.state() == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException(appId + " stopped: " + ks.state());
                }
                if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(10)) {
                    log("  %s: %,d of %,d committed", appId, done, events);
                    lastReport = System.nanoTime();
                }
                if (firstProcessedAt == 0 && processed(ks) > 0) {
                    firstProcessedAt = System.nanoTime();
                }
                Thread.sleep(firstProcessedAt == 0 ? 10 : 100);
            }
            // From the first processed record, or from RUNNING if that came first: with several stream
            // threads the application reaches RUNNING only once every thread has its tasks, which can be
            // after one thread has processed much of the input.
            long from = runningAt[0] == 0 || firstProcessedAt == 0 ? Math.max(runningAt[0], firstProcessedAt)
                : Math.min(runningAt[0], firstProcessedAt);
            long t = (doneAt == 0 ? System.nanoTime() : doneAt) - from;
            return events / (t / 1e9);
        }
    }

    /**
     * The stats stage is done when, besides its input, what its tasks forwarded to each other (the partials
     * topic, if the run has one) has been consumed up to where it was when the input was.
     */
    private static void awaitPartials(Admin admin, String topic) throws Exception {
        if (!admin.listTopics().names().get().contains(topic)) {
            return;
        }
        String group = topic.substring(0, topic.length() - "-perfstream-stats-partials".length());
        Map<TopicPartition, Long> end = endOffsets(admin, topic);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            if (end.entrySet().stream().allMatch(e -> e.getValue() == 0
                || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(group + " did not consume its partials topic within 5 minutes");
    }

    /** Partial aggregates (not watermarks) on the stage's partials topic; -1 if the run has none. */
    private static long forwardedPartials(String bs, Admin admin, String topic) throws Exception {
        if (!admin.listTopics().names().get().contains(topic)) {
            return -1;
        }
        Map<TopicPartition, Long> end = endOffsets(admin, topic);
        Properties p = KafkaClients.plain(bs).consumer(Map.of());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long n = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(end.keySet());
            c.seekToBeginning(end.keySet());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (System.nanoTime() < deadline && end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && r.value().length > 1 && r.value()[1] == 'P') {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** Records processed so far by all stream threads (the thread-level {@code process-total} metric). */
    private static double processed(KafkaStreams ks) {
        double n = 0;
        for (Map.Entry<MetricName, ? extends Metric> m : ks.metrics().entrySet()) {
            if (m.getKey().name().equals("process-total") && m.getKey().group().equals("stream-thread-metrics")
                && m.getValue().metricValue() instanceof Number v) {
                n += v.doubleValue();
            }
        }
        return n;
    }

    /**
     * An exactly-once Streams application that writes every input record, unchanged, to {@code output}: what
     * Kafka Streams and the broker cost for a stage that writes one record per event. The stats stage
     * writes, per event, about 0.4 window records and, per commit, one changelog record per changed series.
     */
    static Topology passThrough(String input, String output) {
        Topology t = new Topology();
        t.addSource("in", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), input);
        t.addSink("out", output, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "in");
        return t;
    }

    /**
     * The cheapest exactly-once Streams application over the same input: bytes in, a counter, nothing
     * out. What separates it from the plain consumer is Kafka Streams' own per-record work and its
     * transactions; no stage built on Streams can be faster on this machine.
     */
    static Topology noop(String input) {
        Topology t = new Topology();
        t.addSource("in", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), input);
        t.addProcessor("count", () -> new Processor<byte[], byte[], Void, Void>() {
            long n;

            @Override
            public void process(Record<byte[], byte[]> record) {
                n += record.value() == null ? 0 : 1;
            }
        }, "in");
        return t;
    }

    /**
     * Bytes on the broker per topic after the runs: the input, each run's output, and each Streams run's
     * changelog and repartition topics. What a stage writes besides its output costs the broker and the
     * stage's producer as much as its output does, so it belongs beside the rates.
     */
    private static void topicBytes(Admin admin) {
        try {
            Map<String, Long> bytes = new java.util.TreeMap<>();
            admin.describeLogDirs(admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList())
                .allDescriptions().get().values().forEach(dirs -> dirs.values().forEach(d ->
                    d.replicaInfos().forEach((tp, info) -> bytes.merge(tp.topic(), info.size(), Long::sum))));
            bytes.forEach((t, b) -> {
                if (!t.startsWith("__")) {
                    log("  topic %-70s %,14d bytes", t, b);
                }
            });
        } catch (Exception e) {
            log("  (topic sizes unavailable: %s)", e.getMessage());
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        int n = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        for (int i = 0; i < n; i++) {
            q.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(q).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private static Admin admin(String bs) {
        Properties p = KafkaClients.plain(bs).admin(Map.of());
        return Admin.create(p);
    }

    static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "n/a";
        }
    }

    private static void log(String fmt, Object... args) {
        System.out.printf(Locale.ROOT, fmt + "%n", args);
    }
}
