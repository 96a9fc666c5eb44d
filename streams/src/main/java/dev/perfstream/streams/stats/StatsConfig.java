package dev.perfstream.streams.stats;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.streams.release.ReleaseConfig;
import dev.perfstream.streams.stage.StreamsProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Configuration of the windowed statistics stage, read from {@link Settings} through the keys declared
 * here (the generated docs list them).
 *
 * @param windows          tumbling window sizes, ascending, each dividing the next ({@code stats.windows})
 * @param grace            how long after its end a window still accepts events ({@code stats.grace})
 * @param rollup           size of the rollup merged from the largest window; zero disables it ({@code stats.rollup})
 * @param routeCap         distinct routes per service (pages per app) before the overflow bucket
 * @param relativeAccuracy DDSketch relative accuracy, 0.01 = 1 %
 * @param maxBins          bins per sketch store, bounding memory per series-window
 * @param maxAge           events older than this (against the wall clock) are rejected up front
 * @param maxFuture        events further ahead than this are rejected (clock skew)
 * @param compression      compression of what the stage produces: window stats, changelog, dead letters
 *                         ({@code stats.compression}: none, gzip, snappy, lz4 or zstd)
 * @param idleClose        how long a task's event time may stand still before its stream time follows the wall
 *                         clock ({@code stats.idle.close}): the most a quiet partition delays a window's close
 * @param sessionTimeout   consumer group session timeout ({@code stats.session.timeout}): how long the group waits
 *                         for an instance that died before its tasks move to the others
 * @param standbyReplicas  warm copies of each task's state on other instances ({@code stats.standby.replicas})
 */
public record StatsConfig(
    String bootstrapServers,
    String applicationId,
    String metricsTopic,
    String rumTopic,
    String statsTopic,
    String deadLetterTopic,
    List<Duration> windows,
    Duration grace,
    Duration rollup,
    int routeCap,
    double relativeAccuracy,
    int maxBins,
    Duration maxAge,
    Duration maxFuture,
    boolean persistentStore,
    String stateDir,
    Duration commitInterval,
    int threads,
    String compression,
    Duration idleClose,
    Duration sessionTimeout,
    int standbyReplicas) {

    public static final String APPLICATION_ID = "perfstream-stats";
    static final List<Duration> DEFAULT_WINDOWS = List.of(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5));

    public StatsConfig {
        windows = List.copyOf(windows);
    }

    public static final ConfigKey<String> APPLICATION_ID_KEY = ConfigKey.string("stats.application.id", APPLICATION_ID)
        .doc("Kafka Streams application id of the stats stage (consumer group, state, internal topics)");
    public static final ConfigKey<List<Duration>> WINDOWS = ConfigKey.durations("stats.windows", DEFAULT_WINDOWS)
        .doc("Tumbling window sizes, ascending, each a multiple of the previous (at least 1s)");
    public static final ConfigKey<Duration> GRACE = ConfigKey.duration("stats.grace", Duration.ofSeconds(30))
        .check(d -> !d.isNegative(), "must be >= 0").doc("How long after its end a window still accepts events "
            + "(the demo uses 5s); later ones are counted and dead-lettered as late");
    public static final ConfigKey<String> ROLLUP = ConfigKey.string("stats.rollup", "1h")
        .doc("Rollup merged from the largest window's sketches, a multiple of it; off (or 0) disables it");
    public static final ConfigKey<Duration> IDLE_CLOSE = ConfigKey.duration("stats.idle.close", Duration.ofSeconds(10))
        .atLeast(Duration.ofSeconds(1)).doc("How long a partition's event time may stand still (and its input be read "
            + "to the end) before its stream time follows the wall clock: the most a quiet partition delays a window");
    public static final ConfigKey<Duration> SESSION_TIMEOUT = ConfigKey.duration("stats.session.timeout",
            Duration.ofSeconds(10))
        .check(d -> d.compareTo(Duration.ofSeconds(6)) >= 0 && d.compareTo(Duration.ofMinutes(30)) <= 0,
            "must be within the broker's default bounds 6s..30m")
        .doc("Consumer group session timeout: how soon the group moves a dead instance's tasks to the others");
    public static final ConfigKey<Integer> STANDBY_REPLICAS = ConfigKey.integer("stats.standby.replicas", 0, 0, 10)
        .doc("Warm copies of each task's state on other instances");
    public static final ConfigKey<Integer> ROUTE_CAP = ConfigKey.integer("stats.route.cap", 200, 1, 1_000_000)
        .doc("Distinct routes per service (pages per app) before the overflow bucket");
    public static final ConfigKey<Double> RELATIVE_ACCURACY =
        ConfigKey.decimal("stats.sketch.relative-accuracy", 0.01, 0.0001, 0.5).doc("DDSketch relative accuracy (0.01 = 1 %)");
    public static final ConfigKey<Integer> MAX_BINS = ConfigKey.integer("stats.sketch.max-bins", 2048, 64, 1 << 16)
        .doc("Bins per sketch store, bounding memory per series-window");
    public static final ConfigKey<Duration> MAX_AGE = ConfigKey.duration("stats.max-age", Duration.ofDays(7))
        .doc("Events older than this against the wall clock are dead-lettered");
    public static final ConfigKey<Duration> MAX_FUTURE = ConfigKey.duration("stats.max-future", Duration.ofMinutes(1))
        .doc("Events further ahead of the wall clock are dead-lettered: kept tight because one event from a skewed "
            + "clock would move stream time forward and close every open window early");
    public static final ConfigKey<String> STORE = ConfigKey.string("stats.store", "rocksdb").oneOf("rocksdb", "memory")
        .doc("Window store kind (changelogged either way)");
    public static final ConfigKey<Duration> COMMIT_INTERVAL = ConfigKey.duration("stats.commit.interval",
        Duration.ofSeconds(1)).doc("Exactly-once commit interval; also how often dirty windows are written");
    public static final ConfigKey<Integer> THREADS = ConfigKey.integer("stats.threads", 1, 1, 64)
        .doc("Kafka Streams threads of the stage");
    public static final ConfigKey<String> COMPRESSION = ConfigKey.string("stats.compression", "lz4")
        .oneOf("none", "gzip", "snappy", "lz4", "zstd")
        .doc("Compression of what the stage produces (window stats, changelog, dead letters): the changelog is "
            + "several times the input bytes; compressed it is a third");

    /** Reads every key, reports all problems at once ({@link Settings#throwIfInvalid}). */
    public static StatsConfig from(Settings s) {
        List<Duration> windows = s.get(WINDOWS);
        Duration grace = s.get(GRACE);
        String rawRollup = s.get(ROLLUP);
        Duration rollup = Duration.ZERO;
        if (!rawRollup.equals("0") && !rawRollup.equalsIgnoreCase("off")) {
            try {
                rollup = Settings.parseDuration(rawRollup);
            } catch (IllegalArgumentException e) {
                s.problem(ROLLUP.name() + ": " + e.getMessage());
                rollup = Duration.ofHours(1);
            }
        }
        StatsConfig c = new StatsConfig(
            s.get(KafkaClients.BOOTSTRAP_SERVERS),
            s.get(APPLICATION_ID_KEY),
            s.get(TopicKeys.METRICS),
            s.get(TopicKeys.RUM),
            s.get(TopicKeys.STATS),
            s.get(TopicKeys.DEADLETTER),
            windows,
            grace,
            rollup,
            s.get(ROUTE_CAP),
            s.get(RELATIVE_ACCURACY),
            s.get(MAX_BINS),
            s.get(MAX_AGE),
            s.get(MAX_FUTURE),
            !"memory".equalsIgnoreCase(s.get(STORE)),
            s.get(StreamsProperties.STATE_DIR),
            s.get(COMMIT_INTERVAL),
            s.get(THREADS),
            s.get(COMPRESSION).toLowerCase(Locale.ROOT),
            s.get(IDLE_CLOSE),
            s.get(SESSION_TIMEOUT),
            s.get(STANDBY_REPLICAS));
        for (String p : c.problems()) {
            s.problem(p);
        }
        s.throwIfInvalid("stats");
        return c;
    }

    /** Consistency checks across keys (each key's own range is in its declaration). */
    List<String> problems() {
        List<String> p = new ArrayList<>();
        long prev = 0;
        for (Duration w : windows) {
            long ms = w.toMillis();
            if (ms < 1000) {
                p.add("stats.windows: " + w + " is under 1 s");
            } else if (prev > 0 && (ms <= prev || ms % prev != 0)) {
                p.add("stats.windows: sizes must be ascending and each a multiple of the previous, got " + windows);
            }
            prev = ms;
        }
        if (windows.isEmpty()) {
            p.add("stats.windows: at least one window size is needed");
        }
        long r = rollup.toMillis();
        if (r != 0 && prev > 0 && (r <= prev || r % prev != 0)) {
            p.add("stats.rollup: " + rollup + " must be a multiple of the largest window " + windows.get(windows.size() - 1)
                + " (or 0 to disable)");
        }
        return p;
    }

    /**
     * The stage's own topic between its tasks (partial aggregates of foreign series and watermarks):
     * {@code <stats.application.id>-perfstream-stats-partials}, created at start.
     */
    public String partialsTopic() {
        return applicationId + "-perfstream-stats-partials";
    }

    /** Window sizes in ms, the rollup (if any) last. */
    long[] sizesMillis() {
        int n = windows.size() + (rollup.isZero() ? 0 : 1);
        long[] out = new long[n];
        for (int i = 0; i < windows.size(); i++) {
            out[i] = windows.get(i).toMillis();
        }
        if (!rollup.isZero()) {
            out[n - 1] = rollup.toMillis();
        }
        return out;
    }

    /** The per-version windows' size in ms: {@code release}'s window among the event sizes (not the rollup). */
    long releaseWindowMillis(ReleaseConfig release) {
        return release.windowMillis(eventSizesMillis());
    }

    /** The statement and cache series' smallest window size in ms: {@code queries}' window among the event sizes. */
    long queriesWindowMillis(QueryCacheConfig queries) {
        return queries.windowMillis(eventSizesMillis());
    }

    /** The window sizes events go into, ascending, without the rollup. */
    private long[] eventSizesMillis() {
        return java.util.Arrays.copyOf(sizesMillis(), windows.size());
    }

    boolean hasRollup() {
        return !rollup.isZero();
    }
}
