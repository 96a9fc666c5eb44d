package dev.perfstream.models.capacity;

/**
 * One observation of a service, e.g. one window: its total request rate, how many instances served it, their
 * mean CPU and the window's p95 latency. Validated here, at the edge, so a model is never fitted on a NaN or
 * on a window with no instance.
 *
 * @param timeMs    window start, epoch milliseconds
 * @param rate      requests per second over all instances, finite and at least 0
 * @param instances instances serving, at least 1
 * @param cpu       mean CPU utilisation of the instances in percent (0..100), or NaN when not measured
 * @param p95Ms     p95 latency in milliseconds, finite and above 0
 */
public record CapacitySample(long timeMs, double rate, int instances, double cpu, double p95Ms) {
    public CapacitySample {
        if (!Double.isFinite(rate) || rate < 0) {
            throw new IllegalArgumentException("capacity sample at " + timeMs + ": rate must be finite and >= 0, got " + rate);
        }
        if (instances < 1) {
            throw new IllegalArgumentException("capacity sample at " + timeMs + ": instances must be >= 1, got " + instances);
        }
        if (!Double.isNaN(cpu) && (Double.isInfinite(cpu) || cpu < 0)) {
            throw new IllegalArgumentException("capacity sample at " + timeMs + ": cpu must be NaN (not measured) or >= 0, got "
                + cpu);
        }
        if (!Double.isFinite(p95Ms) || p95Ms <= 0) {
            throw new IllegalArgumentException("capacity sample at " + timeMs + ": p95Ms must be finite and > 0, got " + p95Ms);
        }
    }

    /** Requests per second per instance. */
    public double perInstance() {
        return rate / instances;
    }
}
