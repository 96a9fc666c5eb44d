package dev.perfstream.streams.alerts.rule;

import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.window.WindowValue;
import dev.perfstream.streams.alerts.DerivedStats;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A statistic of a {@link WindowStats} a rule can compare. {@link #extract} returns NaN when the
 * window has no value for it (an empty window, a RUM share on a metric series, a NaN written
 * upstream): the state machine treats NaN as "no data", never as a breach or a recovery.
 */
public enum Statistic {
    P50("p50"), P75("p75"), P90("p90"), P95("p95"), P99("p99"), P999("p999", "p99.9"),
    MEAN("mean"), MIN("min"), MAX("max"),
    ERROR_RATE("error_rate", "error-rate", "errorrate"),
    RATE("rate"), COUNT("count"), ERRORS("errors"),
    GOOD_SHARE("good_share", "good-share"),
    NEEDS_IMPROVEMENT_SHARE("needs_improvement_share", "needs-improvement-share"),
    POOR_SHARE("poor_share", "poor-share"),
    /** A statement's share of its service's DB time (series {@code db.statement}). */
    SHARE("share"),
    /** A cache's hit ratio (series {@code cache}): 1 - error_rate, where misses count as errors. */
    HIT_RATIO("hit_ratio", "hit-ratio", "hitratio");

    /** The shared accessor of each statistic that is a number of the window itself (null for SHARE, HIT_RATIO). */
    private static final WindowValue[] RAW = Arrays.stream(values()).map(st -> Arrays.stream(WindowValue.values())
        .filter(v -> v.name().equals(st.name())).findFirst().orElse(null)).toArray(WindowValue[]::new);

    private final String[] names;

    Statistic(String... names) {
        this.names = names;
    }

    /** The canonical name used in rule files and on alerts. */
    public String label() {
        return names[0];
    }

    /** True for statistics that are ratios in 0..1, where a threshold may be written as {@code 0.1%}. */
    public boolean isRatio() {
        return this == ERROR_RATE || this == GOOD_SHARE || this == NEEDS_IMPROVEMENT_SHARE || this == POOR_SHARE
            || this == SHARE || this == HIT_RATIO;
    }

    public static Optional<Statistic> parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT);
        for (Statistic st : values()) {
            for (String name : st.names) {
                if (name.equals(n)) {
                    return Optional.of(st);
                }
            }
        }
        return Optional.empty();
    }

    public static String known() {
        return Arrays.stream(values()).map(Statistic::label).collect(Collectors.joining(", "));
    }

    /** The value of this statistic in {@code s}, or NaN when the window has none. */
    public double extract(WindowStats s) {
        long count = s.getCount();
        return switch (this) {
            case COUNT, ERRORS, RATE -> RAW[ordinal()].of(s);
            case SHARE -> DerivedStats.STATEMENT.equals(s.getName()) && count > 0 ? WindowValue.GOOD_SHARE.of(s) : Double.NaN;
            case HIT_RATIO -> DerivedStats.CACHE.equals(s.getName()) && count > 0 ? 1 - s.getErrorRate() : Double.NaN;
            // an empty window has no percentile, mean, rate of errors or share: no data, not 0
            default -> count > 0 ? RAW[ordinal()].of(s) : Double.NaN;
        };
    }
}
