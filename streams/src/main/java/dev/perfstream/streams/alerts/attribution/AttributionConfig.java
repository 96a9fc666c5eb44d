package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import java.time.Duration;

/**
 * Bottleneck attribution in the alerts stage (see {@link Bottlenecks} for the method).
 *
 * @param enabled         attribute route latency alerts (FIRING of rules of class high-latency)
 * @param baselineWindows windows before the breach that the alert windows are compared with
 * @param maxAlertWindows breaching windows compared at most (the most recent); the history holds both
 * @param holdFor         how long (wall clock) a FIRING waits at most for the windows its attribution reads
 * @param maxSeries       candidate series kept per service and window size; further ones are not kept
 * @param minShare        causes under this share of the change are not listed (they count as unexplained)
 * @param maxCauses       causes listed at most
 */
public record AttributionConfig(boolean enabled, int baselineWindows, int maxAlertWindows, Duration holdFor, int maxSeries,
                                double minShare, int maxCauses) {
    public static final ConfigKey<Boolean> ENABLED = ConfigKey.bool("alerts.attribution.enabled", true)
        .doc("Bottleneck attribution: a FIRING route latency alert (rules of class high-latency) says which of the "
            + "service's dependencies (DB statements, caches, downstream calls, CPU, memory) moved with it, ranked by "
            + "their share of the change (the perf.queries and perf.cache records then also go through the stage's "
            + "repartition by service, to the tasks of their services' routes)");
    public static final ConfigKey<Integer> BASELINE_WINDOWS = ConfigKey.integer("alerts.attribution.baseline.windows", 5, 1, 30)
        .doc("Windows before the breach that attribution compares the breaching windows with");
    public static final ConfigKey<Duration> WAIT = ConfigKey.duration("alerts.attribution.wait", Duration.ofSeconds(5))
        .check(d -> !d.isNegative() && d.compareTo(Duration.ofMinutes(5)) <= 0, "must be between 0 and 5m")
        .doc("Longest (wall clock) a FIRING route latency alert waits for the windows its attribution reads (its "
            + "alert and baseline windows in perf.stats, perf.queries, perf.cache; normally they come with it and it waits a "
            + "few ms); released after it, the attribution starts 'partial:' and names what was not seen");
    public static final ConfigKey<Integer> MAX_SERIES = ConfigKey.integer("alerts.attribution.series.max", 256, 8, 10_000)
        .doc("Series per service (routes and their dependencies, statements, caches) whose recent windows "
            + "attribution keeps; further ones are not kept (state stays bounded)");
    public static final ConfigKey<Double> MIN_SHARE = ConfigKey.decimal("alerts.attribution.min.share", 0.05, 0, 0.5)
        .doc("Causes that explain less than this share of the route's change are not listed (they count as unexplained)");

    /** Breaching windows compared at most; the history holds baseline + these. */
    static final int ALERT_WINDOWS = 10;
    static final int MAX_CAUSES = 5;

    public static AttributionConfig from(Settings s) {
        return new AttributionConfig(s.get(ENABLED), s.get(BASELINE_WINDOWS), ALERT_WINDOWS, s.get(WAIT),
            s.get(MAX_SERIES), s.get(MIN_SHARE), MAX_CAUSES);
    }

    public static AttributionConfig defaults() {
        return from(Settings.of(java.util.Map.of()));
    }

    /** Windows the history keeps per series: the baseline and the breach. */
    public int capacity() {
        return baselineWindows + maxAlertWindows;
    }
}
