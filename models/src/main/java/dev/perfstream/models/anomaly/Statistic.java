package dev.perfstream.models.anomaly;

import dev.perfstream.schemas.avro.WindowStats;
import java.util.Locale;

/** Which number of a {@link WindowStats} is scored, with the sampling noise it carries. */
public enum Statistic {
    P50, P75, P90, P95, P99, MEAN, ERROR_RATE, RATE;

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

    public double value(WindowStats w) {
        return switch (this) {
            case P50 -> w.getP50();
            case P75 -> w.getP75();
            case P90 -> w.getP90();
            case P95 -> w.getP95();
            case P99 -> w.getP99();
            case MEAN -> w.getMean();
            case ERROR_RATE -> w.getErrorRate();
            case RATE -> w.getRate();
        };
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
