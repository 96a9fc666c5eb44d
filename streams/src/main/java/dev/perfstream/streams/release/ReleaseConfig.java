package dev.perfstream.streams.release;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Release comparison: which events get per-version windows in the stats stage, how many versions a
 * service may have at once, and the test the alerts stage (REGRESSION alerts) and {@code perfstream compare}
 * run on them (see {@link ReleaseComparison}).
 *
 * @param metrics        metrics whose events with a {@code serviceVersion} also go into per-version windows
 * @param window         size of the per-version windows; the stats stage uses the smallest of its window sizes that
 *                       is at least this long ({@link #windowMillis})
 * @param maxVersions    versions per service held at once; a further one is folded into {@link #FOLDED}
 * @param versionIdle    a version without events for this long (event time) gives its place to a new one
 * @param alpha          one-sided error probability of each bound (p95 and error rate); see {@link ReleaseComparison}
 * @param minShift       smallest p95 increase (0.10 = +10 %) that counts as a regression
 * @param minErrorIncrease smallest error-rate increase (absolute, 0.01 = 1 point) that counts as a regression
 * @param minEvents      events each version needs in the compared windows before a route is tested
 * @param horizon        how far back (event time) the alerts stage keeps per-version windows to compare
 * @param rollbackAfter  a candidate version without events for this long no longer takes traffic: its alert resolves
 */
public record ReleaseConfig(Set<String> metrics, Duration window, int maxVersions, Duration versionIdle, double alpha,
                            double minShift, double minErrorIncrease, long minEvents, Duration horizon, Duration rollbackAfter) {
    /** The version that stands for every version over {@code release.versions.max}. */
    public static final String FOLDED = "~other";

    public static final ConfigKey<List<String>> METRICS = ConfigKey.list("release.metrics",
            List.of("http.server.duration", "http.server.request.duration"))
        .doc("Metrics whose events with a serviceVersion also go into per-(service, route, version) windows of "
            + "release.window (perf.stats records with serviceVersion and sketch set)");
    public static final ConfigKey<Duration> WINDOW = ConfigKey.duration("release.window", Duration.ofMinutes(1))
        .atLeast(Duration.ofSeconds(1)).doc("Size of the per-version windows: the smallest of stats.windows that is at "
            + "least this long (the largest if none is). The release test merges them over hours, so a finer size only "
            + "costs output: the stats stage emits one such window per route, version and span");
    public static final ConfigKey<Integer> MAX_VERSIONS = ConfigKey.integer("release.versions.max", 4, 2, 64)
        .doc("Versions per service held at once; events of a further version are folded into version ~other until "
            + "one of them has been idle for release.version.idle");
    public static final ConfigKey<Duration> VERSION_IDLE = ConfigKey.duration("release.version.idle", Duration.ofHours(1))
        .doc("A version without events for this long (event time) ages out and gives its place to a new one");
    public static final ConfigKey<Double> ALPHA = ConfigKey.decimal("release.alpha", 0.0001, 1e-9, 0.1)
        .doc("One-sided error probability of each confidence bound of the release test (p95 and error rate)");
    public static final ConfigKey<Double> MIN_SHIFT = ConfigKey.decimal("release.min.shift", 0.10, 0, 10)
        .doc("Smallest p95 increase of a new version (0.10 = +10 %) that is a regression, on top of significance");
    public static final ConfigKey<Double> MIN_ERROR_INCREASE = ConfigKey.decimal("release.min.error.increase", 0.01, 0, 1)
        .doc("Smallest error-rate increase (absolute, 0.01 = 1 point) that is a regression, on top of significance");
    public static final ConfigKey<Long> MIN_EVENTS = ConfigKey.longValue("release.min.events", 200, 20, 1_000_000_000)
        .doc("Events each version needs in the compared windows of a route before the route is tested");
    public static final ConfigKey<Duration> HORIZON = ConfigKey.duration("release.horizon", Duration.ofMinutes(30))
        .atLeast(Duration.ofSeconds(10)).doc("How far back (event time) the alerts stage compares a new version with the "
            + "previous one, over the windows where both took traffic");
    public static final ConfigKey<Duration> ROLLBACK_AFTER = ConfigKey.duration("release.rollback.after",
            Duration.ofMinutes(2)).atLeast(Duration.ofSeconds(1))
        .doc("A new version without events for this long (event time) is taken as rolled back: its REGRESSION alert resolves");

    public ReleaseConfig {
        metrics = Set.copyOf(metrics);
    }

    public static ReleaseConfig from(Settings s) {
        return new ReleaseConfig(Set.copyOf(s.get(METRICS)), s.get(WINDOW), s.get(MAX_VERSIONS), s.get(VERSION_IDLE),
            s.get(ALPHA), s.get(MIN_SHIFT), s.get(MIN_ERROR_INCREASE), s.get(MIN_EVENTS), s.get(HORIZON), s.get(ROLLBACK_AFTER));
    }

    /**
     * The per-version windows' size among the stats stage's event window sizes (ascending): the smallest that is at
     * least {@link #window}, else the largest.
     */
    public long windowMillis(long[] eventSizes) {
        return smallestAtLeast(eventSizes, window.toMillis());
    }

    /**
     * The smallest of the stats stage's event window sizes (ascending) that is at least {@code ms}, else the largest:
     * how {@code release.window} and {@code stats.queries.window} pick their size.
     */
    public static long smallestAtLeast(long[] eventSizes, long ms) {
        for (long size : eventSizes) {
            if (size >= ms) {
                return size;
            }
        }
        return eventSizes[eventSizes.length - 1];
    }

    /** The defaults. */
    public static ReleaseConfig defaults() {
        return from(Settings.of(java.util.Map.of()));
    }
}
