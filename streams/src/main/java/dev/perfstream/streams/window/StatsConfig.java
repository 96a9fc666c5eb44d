package dev.perfstream.streams.window;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.config.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Configuration of the windowed statistics stage, read from {@link Settings}.
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
    static final List<String> COMPRESSIONS = List.of("none", "gzip", "snappy", "lz4", "zstd");
    static final List<Duration> DEFAULT_WINDOWS = List.of(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5));

    public StatsConfig {
        windows = List.copyOf(windows);
    }

    /** Reads every key, reports all problems at once ({@link Settings#throwIfInvalid}). */
    public static StatsConfig from(Settings s) {
        List<Duration> windows = s.durations("stats.windows", DEFAULT_WINDOWS);
        Duration grace = s.duration("stats.grace", Duration.ofSeconds(30));
        String rawRollup = s.string("stats.rollup", "1h");
        Duration rollup = rawRollup.equals("0") || rawRollup.equalsIgnoreCase("off")
            ? Duration.ZERO : s.duration("stats.rollup", Duration.ofHours(1));
        StatsConfig c = new StatsConfig(
            s.string("kafka.bootstrap.servers", "127.0.0.1:9092"),
            s.string("stats.application.id", APPLICATION_ID),
            s.string("topic.metrics", Topics.METRICS),
            s.string("topic.rum", Topics.RUM),
            s.string("topic.stats", Topics.STATS),
            s.string("topic.deadletter", Topics.DEADLETTER),
            windows,
            grace,
            rollup,
            s.integer("stats.route.cap", 200, 1, 1_000_000),
            s.decimal("stats.sketch.relative-accuracy", 0.01, 0.0001, 0.5),
            s.integer("stats.sketch.max-bins", 2048, 64, 1 << 16),
            s.duration("stats.max-age", Duration.ofDays(7)),
            s.duration("stats.max-future", Duration.ofMinutes(1)),
            !"memory".equals(s.string("stats.store", "rocksdb")),
            s.string("state.dir", ".perfstream/state"),
            s.duration("stats.commit.interval", Duration.ofSeconds(1)),
            s.integer("stats.threads", 1, 1, 64),
            s.string("stats.compression", "lz4"),
            s.duration("stats.idle.close", Duration.ofSeconds(10)),
            s.duration("stats.session.timeout", Duration.ofSeconds(10)),
            s.integer("stats.standby.replicas", 0, 0, 10));
        for (String p : c.problems()) {
            s.problem(p);
        }
        String store = s.string("stats.store", "rocksdb");
        if (!store.equals("rocksdb") && !store.equals("memory")) {
            s.problem("stats.store: must be rocksdb or memory, got \"" + store + "\"");
        }
        s.throwIfInvalid("stats");
        return c;
    }

    /** Consistency checks across keys. */
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
        if (!COMPRESSIONS.contains(compression)) {
            p.add("stats.compression: must be one of " + COMPRESSIONS + ", got \"" + compression + "\"");
        }
        if (idleClose.compareTo(Duration.ofSeconds(1)) < 0) {
            p.add("stats.idle.close: must be at least 1s, got " + idleClose);
        }
        if (sessionTimeout.compareTo(Duration.ofSeconds(6)) < 0 || sessionTimeout.compareTo(Duration.ofMinutes(30)) > 0) {
            p.add("stats.session.timeout: must be within the broker's default bounds 6s..30m, got " + sessionTimeout);
        }
        if (grace.isNegative()) {
            p.add("stats.grace: must be >= 0, got " + grace);
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

    boolean hasRollup() {
        return !rollup.isZero();
    }
}
