package dev.perfstream.bench.stats;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.streams.stats.StatsApp;
import dev.perfstream.streams.stats.StatsConfig;
import dev.perfstream.streams.stats.InputLag;
import dev.perfstream.streams.stats.SeriesOwnership;
import dev.perfstream.streams.stats.StatsPartitions;
import dev.perfstream.streams.stats.StatsTopology;
import dev.perfstream.streams.stats.state.Sketches;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.Topology;
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

    @Option(names = "--rounds", description = "Measured rounds over the same events (default ${DEFAULT-VALUE}). Each round"
        + " runs every measured topology once, in the same order, so the baselines and the stage see the same machine; with"
        + " more than one the summary gives the median rate of each and the median of the per-round ratios: on a shared"
        + " 2-core machine one run's rate moves by 10-20 %%, so a ratio from a single pair of runs says little.")
    int rounds = 1;

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
        try (Admin admin = StreamsRun.admin(bs)) {
            admin.createTopics(List.of(new NewTopic(input, partitions, (short) 1), new NewTopic(out, partitions, (short) 1),
                new NewTopic(warm, partitions, (short) 1), new NewTopic("bench-pass-" + run, partitions, (short) 1),
                new NewTopic("bench-rum-" + run, partitions, (short) 1), new NewTopic("bench-dlq-" + run, partitions, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);
            log("load average before: %s", loadavg());
            log("format: %s", registry == null ? "JSON in and out" : "Confluent Avro in and out, registry " + registry);
            log("keying: %s, %d partitions", keying == Keying.none ? "null" : keying, partitions);
            BenchWorkload workload = new BenchWorkload(series, keying, traffic, span, registry);
            double produceEps = workload.produce(bs, input, events, 20261126);
            log("produced %,d events over %,d series: %.0f events/s", events, series, produceEps);
            if (warmupEvents > 0) {
                workload.produce(bs, warm, warmupEvents, 7);
                log("warm-up: %,d events on %s", warmupEvents, warm);
                BenchWorkload.consume(bs, warm, warmupEvents);
            }

            double consumerEps = BenchWorkload.consume(bs, input, events);
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
            BenchRounds measured = new BenchRounds();
            for (int round = 1; round <= rounds; round++) {
                String suffix = rounds == 1 ? run : run + "-r" + round;
                if (rounds > 1) {
                    log("round %d of %d", round, rounds);
                }
                measured.add(measureRound(admin, bs, suffix, input, out, "bench-pass-" + run, c, settings, consumerEps));
            }
            double noopEps = measured.median(BenchRounds.NOOP);
            double passEps = measured.median(BenchRounds.PASS);
            double dslEps = measured.median(BenchRounds.DSL);
            double psEps = measured.median(BenchRounds.STAGE);
            if (rounds > 1) {
                log("%s", measured.summary());
            }
            log("load average after: %s", loadavg());
            topicBytes(admin);
            if (!skipNoop) {
                log("streams_noop_eps=%.0f streams_pass_eps=%.0f perfstream_vs_noop=%.3f perfstream_vs_pass=%.3f", noopEps,
                    passEps, measured.medianRatio(BenchRounds.STAGE, BenchRounds.NOOP),
                    measured.medianRatio(BenchRounds.STAGE, BenchRounds.PASS));
            }
            System.out.printf(Locale.ROOT, "keying=%s consumer_eps=%.0f dsl_eps=%.0f perfstream_eps=%.0f ratio_vs_consumer=%.3f"
                + " ratio_vs_dsl=%.3f rounds=%d%n", keying == Keying.none ? "null" : keying, consumerEps, dslEps, psEps,
                psEps / consumerEps, measured.medianRatio(BenchRounds.STAGE, BenchRounds.DSL), rounds);
        }
        return 0;
    }

    /** One round of the measured runs: {no-op, pass-through, DSL, perfstream} events/s (NaN for a skipped one). */
    private double[] measureRound(Admin admin, String bs, String suffix, String input, String out, String passOut,
                                  StatsConfig c, Settings settings, double consumerEps) throws Exception {
        double noopEps = Double.NaN;
        double passEps = Double.NaN;
        if (!skipNoop) {
            noopEps = streams(admin, bs, "bench-noop-" + suffix, Ceilings.noop(input), input, events, c);
            log("Kafka Streams no-op:      %,12.0f events/s   load %s   (%.3f x the consumer: the ceiling of any"
                + " exactly-once Streams stage here)", noopEps, loadavg(), noopEps / consumerEps);
            passEps = streams(admin, bs, "bench-pass-" + suffix, Ceilings.passThrough(input, passOut), input, events, c);
            log("Kafka Streams pass-through:%,11.0f events/s   load %s   (%.3f x the consumer: the ceiling of an"
                + " exactly-once stage writing one record per event)", passEps, loadavg(), passEps / consumerEps);
        }
        double dslEps = Double.NaN;
        if (!skipDsl) {
            Topology dsl = DslBaseline.build(input, out, c.windows(), c.grace(),
                Codecs.create(MetricEvent.getClassSchema(), settings), new Sketches(c.relativeAccuracy(), c.maxBins()),
                keying != Keying.series);
            dslEps = streams(admin, bs, "bench-dsl-" + suffix, dsl, input, events, c);
            log("DSL aggregate baseline:   %,12.0f events/s   load %s", dslEps, loadavg());
        }
        double psEps = streams(admin, bs, "bench-perfstream-" + suffix, stage(admin, settings, "bench-perfstream-" + suffix),
            input, events, c);
        log("perfstream stats stage:   %,12.0f events/s   load %s%s", psEps, loadavg(),
            skipDsl ? "" : String.format(Locale.ROOT, "   (%.3f x the DSL)", psEps / dslEps));
        return new double[] {noopEps, passEps, dslEps, psEps};
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
        dev.perfstream.streams.stats.QueryCacheConfig qc = StatsPartitions.outputs(admin, c,
            dev.perfstream.streams.stats.QueryCacheConfig.from(s));
        return StatsTopology.build(c, qc, s, Clock.systemUTC(), ownership, InputLag.NONE,
            new java.util.concurrent.atomic.AtomicLong());
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
            rates.add(String.format(Locale.ROOT, "no-op %,.0f", streams(admin, bs, "bench-warmup-noop-" + run, Ceilings.noop(warm), warm,
                warmupEvents, wc)));
            rates.add(String.format(Locale.ROOT, "pass-through %,.0f", streams(admin, bs, "bench-warmup-pass-" + run,
                Ceilings.passThrough(warm, out), warm, warmupEvents, wc)));
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

    private double streams(Admin admin, String bs, String appId, Topology topology, String input, int events, StatsConfig c)
        throws Exception {
        return StreamsRun.measure(admin, bs, appId, topology, input, events, c, workDir, streamsConfig);
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

    static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "n/a";
        }
    }

    static void log(String fmt, Object... args) {
        System.out.printf(Locale.ROOT, fmt + "%n", args);
    }
}
