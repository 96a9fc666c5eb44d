package dev.perfstream.models.capacity;

/**
 * What a {@link CapacityModel} learned: the request rate per instance up to which a window's p95 (and CPU, if
 * it has a KPI) stays under its KPI with the model's confidence, or why it cannot say.
 *
 * @param status        {@link Status#OBSERVED} (the crossing lies within the loads seen), {@link Status#EXTRAPOLATED}
 *                      (beyond them, within the model's extrapolation limit) or {@link Status#UNKNOWN}
 * @param perInstance   safe rate per instance (req/s): the crossing with the residuals' margin; NaN when unknown
 * @param crossing      rate per instance at which the fitted curve itself crosses the KPI; NaN when unknown
 * @param maxObserved   highest rate per instance in the samples (NaN without samples)
 * @param binding       which KPI sets the capacity: "p95", "cpu", or "" when unknown
 * @param samples       samples the fit used
 * @param reason        one line for a person: why unknown, or how far it was extrapolated
 */
public record CapacityEstimate(Status status, double perInstance, double crossing, double maxObserved, String binding,
                               int samples, String reason) {
    /** How far the estimate can be trusted. */
    public enum Status { OBSERVED, EXTRAPOLATED, UNKNOWN }

    static CapacityEstimate unknown(double maxObserved, int samples, String reason) {
        return new CapacityEstimate(Status.UNKNOWN, Double.NaN, Double.NaN, maxObserved, "", samples, reason);
    }

    /** A manual capacity ({@code capacity.<service>.rate} divided by the instances it was meant for). */
    public static CapacityEstimate override(double perInstance) {
        if (!Double.isFinite(perInstance) || perInstance <= 0) {
            throw new IllegalArgumentException("capacity override must be a positive rate per instance, got " + perInstance);
        }
        return new CapacityEstimate(Status.OBSERVED, perInstance, perInstance, Double.NaN, "override", 0,
            "manual override");
    }

    /**
     * The manual override when one is set ({@code overridePerInstance} finite), else {@code learned}: the override
     * always wins, and the learned estimate (possibly unknown) is used only without it.
     */
    public static CapacityEstimate withOverride(CapacityEstimate learned, double overridePerInstance) {
        return Double.isNaN(overridePerInstance) ? learned : override(overridePerInstance);
    }

    public boolean known() {
        return status != Status.UNKNOWN;
    }
}
