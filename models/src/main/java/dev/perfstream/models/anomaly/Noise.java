package dev.perfstream.models.anomaly;

/**
 * Sampling noise a statistic has whatever the model: the standard deviation of the statistic around a
 * level, given how many events the window counted. It bounds the noise scale from below, so a quiet
 * series (zero errors for hours, so a residual MAD of 0) does not page on its first error.
 */
@FunctionalInterface
public interface Noise {
    /** Standard deviation of the statistic at {@code level}. */
    double floor(double level);

    /** Error rate of {@code count} events: binomial, with at least half an error's worth of rate. */
    static Noise binomial(long count) {
        double n = Math.max(count, 1);
        return level -> {
            double p = Math.min(Math.max(level, 0.5 / n), 0.5);
            return Math.sqrt(p * (1 - p) / n);
        };
    }

    /** Events per second over {@code windowSeconds}: Poisson counts. */
    static Noise poisson(double windowSeconds) {
        double w = Math.max(windowSeconds, 1e-3);
        return level -> Math.sqrt(Math.max(level * w, 1.0)) / w;
    }

    /**
     * A percentile estimated from {@code count} events: relative noise of about 1/sqrt(count) (the
     * order of a sample quantile's error for latency-like spreads).
     */
    static Noise quantile(long count) {
        double rel = 1.0 / Math.sqrt(Math.max(count, 1));
        return level -> Math.abs(level) * rel;
    }
}
