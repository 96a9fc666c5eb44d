package dev.perfstream.streams.stats;

import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.RumElementStats;
import dev.perfstream.schemas.avro.UxImpact;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.impact.ImpactConfig;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.streams.outage.OutputSchemas;
import dev.perfstream.streams.outage.ParkedRecords;
import dev.perfstream.streams.release.ReleaseConfig;
import dev.perfstream.streams.stage.StreamsProperties;
import dev.perfstream.streams.stage.StreamsStage;
import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import java.util.List;
import java.util.Optional;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires and starts the stats stage; {@link #close()} shuts it down cleanly. Besides Kafka Streams it
 * runs one background thread: it reads the consumer's per-partition lag for the quiet-input rule
 * ({@link InputLag}) and purges the consumed part of the partials topic.
 */
public final class StatsApp implements StageRunner.Stage {
    private static final Logger LOG = LoggerFactory.getLogger(StatsApp.class);
    private static final long HOUSEKEEPING_MS = 500;
    private static final long PURGE_EVERY_MS = 30_000;
    private final KafkaStreams streams;
    private StreamsStage stage;
    private final AtomicLong parked;
    private final ConsumerLag lag;
    private final Admin admin;
    private final StatsConfig config;
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stats-housekeeping");
        t.setDaemon(true);
        return t;
    });
    private long lastPurge;
    private long lastHousekeepingWarning;

    private StatsApp(KafkaStreams streams, AtomicLong parked, ConsumerLag lag, Admin admin, StatsConfig config) {
        this.streams = streams;
        this.parked = parked;
        this.lag = lag;
        this.admin = admin;
        this.config = config;
    }

    /**
     * Validates the configuration (all problems at once), checks the input topics and creates the
     * partials topic, then starts the stage.
     */
    public static StatsApp start(Settings settings) {
        StatsConfig c = StatsConfig.from(settings);
        Properties streamsProperties = properties(c, settings);
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("stats stage").reads(c.metricsTopic(), c.rumTopic())
            .writes(c.statsTopic(), c.deadLetterTopic()).group(c.applicationId()).transactionalIds(c.applicationId()));
        AtomicLong parked = new AtomicLong();
        Admin admin = Admin.create(KafkaClients.from(settings).admin(Map.of()));
        SeriesOwnership ownership;
        ConsumerLag lag;
        QueryCacheConfig qc;
        ImpactConfig ic;
        RumElementsConfig rc;
        try {
            ownership = StatsPartitions.prepare(admin, c);
            qc = StatsPartitions.outputs(admin, c, QueryCacheConfig.from(settings));
            ic = StatsPartitions.impactOutput(admin, c, ImpactConfig.from(settings, c.windows().get(0)));
            rc = StatsPartitions.rumElementsOutput(admin, c, RumElementsConfig.from(settings));
            lag = new ConsumerLag(c, StatsPartitions.partitions(admin, c.metricsTopic()),
                StatsPartitions.partitions(admin, c.rumTopic()), ConsumerLag.BrokerOffsets.of(admin, c.applicationId()),
                settleMillis(streamsProperties));
        } catch (RuntimeException e) {
            admin.close(Duration.ofSeconds(5));
            throw e;
        }
        ReleaseConfig release = ReleaseConfig.from(settings);
        LOG.info("stats stage: {} tasks, {} series owners (partials topic {}); windows {}, per-version windows of {} s for"
            + " {}, statement and cache windows from {} s", ownership.tasks(), ownership.owners(), c.partialsTopic(),
            c.windows(), c.releaseWindowMillis(release) / 1000, release.metrics(), c.queriesWindowMillis(qc) / 1000);
        Topology topology = StatsTopology.build(c, qc, ic, rc, settings, Clock.systemUTC(), ownership, lag, parked);
        // Encoding a result must never need the registry (see ParkedRecords): register the outputs first.
        OutputSchemas.register(ParkedRecords.forStreamThread(settings), StatsProcessor.STAGE,
            Map.of(c.statsTopic(), WindowStats.getClassSchema(), c.deadLetterTopic(), DeadLetter.getClassSchema(),
                qc.queriesTopic(), QueryStats.getClassSchema(), qc.cacheTopic(), CacheStats.getClassSchema(),
                ic.topic(), UxImpact.getClassSchema(), rc.topic(), RumElementStats.getClassSchema()));
        KafkaStreams streams = new KafkaStreams(topology, streamsProperties);
        lag.streams = streams;
        StatsApp app = new StatsApp(streams, parked, lag, admin, c);
        app.stage = StreamsStage.start(StatsProcessor.STAGE, streams, List.of(app.housekeeping::shutdownNow,
            () -> admin.close(Duration.ofSeconds(5)), PerfstreamMetrics.PARKED.register(StatsProcessor.STAGE, parked::get)));
        app.housekeeping.scheduleWithFixedDelay(app::housekeep, HOUSEKEEPING_MS, HOUSEKEEPING_MS, TimeUnit.MILLISECONDS);
        return app;
    }

    private void housekeep() {
        try {
            lag.refresh();
            long now = System.currentTimeMillis();
            if (now - lastPurge >= PURGE_EVERY_MS && streams.state() == KafkaStreams.State.RUNNING) {
                lastPurge = now;
                StatsPartitions.purge(admin, config);
            }
        } catch (Exception e) {
            long now = System.currentTimeMillis();
            if (now - lastHousekeepingWarning > 60_000) { // at most one line a minute while Kafka does not answer
                lastHousekeepingWarning = now;
                LOG.warn("stats housekeeping (input lag for the quiet-input rule, purge of {}): {}", config.partialsTopic(),
                    e.toString());
            }
        }
    }

    /**
     * How long an input partition read to its end must stay so before the input gate trusts it ({@link
     * InputLag#settleMillis()}): two fetch rounds of its consumer, each answered within {@code fetch.max.wait.ms} when
     * nothing is new (one fetch in flight per broker: the one that left the partition out, then one with it), and a
     * second for the stream thread to poll. 2 s with the client's default 500 ms.
     */
    static long settleMillis(Properties streamsProperties) {
        Object wait = null;
        for (String key : List.of(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG),
            StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)) {
            wait = wait != null ? wait : streamsProperties.get(key);
        }
        long ms = wait == null ? ConsumerConfig.DEFAULT_FETCH_MAX_WAIT_MS : Long.parseLong(String.valueOf(wait).trim());
        return 2 * ms + 1_000;
    }

    /** The stage's Kafka Streams properties without any user client settings (tests). */
    public static Properties properties(StatsConfig c) {
        return properties(c, Settings.of(Map.of()));
    }

    /**
     * The stage's Kafka Streams properties ({@link StreamsProperties}, with the stats stage's tuning); the stats
     * benchmark uses them too.
     *
     * @throws IllegalArgumentException listing every rejected {@code kafka.client.*} or {@code kafka.streams.*} key
     */
    public static Properties properties(StatsConfig c, Settings settings) {
        Map<String, Object> tuning = new HashMap<>();
        tuning.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // A dead instance's tasks move once the group stops hearing from it (45 s by default).
        tuning.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int) c.sessionTimeout().toMillis());
        tuning.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
            (int) Math.max(500, c.sessionTimeout().toMillis() / 5));
        tuning.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, c.standbyReplicas());
        // The changelog (every dirty series at every commit) is several times the bytes of the input;
        // compressed, the broker and the stage's producer move a third of it (bench stats prints the sizes).
        tuning.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), c.compression());
        // 128 KiB batches instead of the client's 16 KiB: every dirty series' windows at every commit make many
        // large changelog records, and each new batch allocated and set up a compression stream (lz4: 6.5 % of the
        // stream thread in a JFR profile). bench stats --embedded, keyed, 2 interleaved pairs on a quiet machine:
        // 58.3 / 55.2 k -> 72.2 / 71.5 k events/s (bench/README.md). A kafka.streams.producer.batch.size overrides it.
        tuning.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 128 * 1024);
        // max.task.idle.ms=-1: the stage's own input gate (StatsProcessor) holds stream time back while an input partition
        // has data on the broker the consumer has not fetched (its lag as of the last fetch, the lag Kafka Streams' default
        // check reads) or records a poll returned that the task has not handled yet (FetchedOffsets, from this
        // interceptor). Kafka Streams' default check (0) also formats a log text per empty input partition and record
        // (4.3, even with its logger off): -1 is +14 % events/s keyed (bench/README.md). On 2026-12-06 a gate that read only
        // a lag cached once a second let SecuredPipelineIT count events of old windows as late with -1.
        tuning.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG),
            FetchedOffsets.Interceptor.class.getName());
        tuning.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        return StreamsProperties.build(settings, new StreamsProperties.Stage(StatsProcessor.STAGE, c.applicationId(),
            Path.of(c.stateDir()), c.commitInterval(), c.threads()), tuning);
    }

    /** Records waiting for an unreachable schema registry (0 when it answers); they are processed once it does. */
    public long parkedRecords() {
        return parked.get();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Blocks until the stage stops (Ctrl-C or failure) or the timeout passes. */
    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stage.awaitStop(timeout);
    }

    @Override
    public String stage() {
        return StatsProcessor.STAGE;
    }

    @Override
    public Optional<String> notAlive() {
        return stage.notAlive();
    }

    @Override
    public Optional<String> notReady() {
        return stage.notReady();
    }

    /**
     * Runs the stage until the JVM is stopped: {@code key=value} arguments override the environment
     * ({@code PERFSTREAM_*}) and {@code --config=FILE}. The CLI's {@code run stats} is the usual way;
     * this is for running the stage as a bare JVM (the failover tests kill one with SIGKILL).
     */
    public static void main(String[] args) throws Exception {
        Settings settings = Settings.fromMainArgs(args, System.getenv());
        System.exit(StageRunner.run(StatsProcessor.STAGE, settings, StatsApp::start, app -> "stats app started",
            System.out));
    }

    @Override
    public void close() {
        stage.close();
    }
}
