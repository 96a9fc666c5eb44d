package dev.perfstream.models.anomaly;

import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.window.WindowValue;
import java.util.Locale;

/** Which number of a {@link WindowStats} is scored, with the sampling noise it carries. */
public enum Statistic {
    P50, P75, P90, P95, P99, MEAN, ERROR_RATE, RATE;

    private static final WindowValue[] RAW = java.util.Arrays.stream(values()).map(s -> WindowValue.valueOf(s.name()))
        .toArray(WindowValue[]::new);

    /** Lower-case name as in {@code Anomaly.statistic} and configuration ({@code p95}, {@code error_rate}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted labels */
    public static Statistic ofLabel(String label) {
        for (Statistic s : values()) {
            if (s.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown statistic '" + label + "' (one of p50, p75, p90, p95, p99, mean, error_rate, rate)");
    }

    /** The window's value of this statistic (the shared accessor the alert rules read through too). */
    public double value(WindowStats w) {
        return RAW[ordinal()].of(w);
    }

    /** Sampling noise of this statistic in a window of {@code count} events lasting {@code seconds}. */
    public Noise noise(long count, double seconds) {
        return switch (this) {
            case ERROR_RATE -> Noise.binomial(count);
            case RATE -> Noise.poisson(seconds);
            default -> Noise.quantile(count);
        };
    }
}
