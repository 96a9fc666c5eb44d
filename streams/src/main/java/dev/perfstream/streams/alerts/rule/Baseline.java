package dev.perfstream.streams.alerts.rule;

/**
 * A rule's threshold relative to the series' own history: the rule breaches when the value exceeds
 * {@code factor} times the baseline (and the rule's absolute {@code threshold}, a floor that keeps tiny
 * values quiet). The baseline is an exponentially weighted mean of the statistic over the series'
 * earlier windows, with weight {@code 2 / (windows + 1)} (the span of an EWMA of that many windows);
 * windows that breach do not move it, so an incident does not become its own baseline. Until
 * {@code minWindows} windows were seen the rule has no data for the series.
 *
 * @param factor     e.g. 2 for "doubled"; > 1
 * @param windows    span of the weighted mean, in windows
 * @param minWindows windows of history before the rule can breach
 */
public record Baseline(double factor, int windows, int minWindows) {
    /** The baseline after one more window. */
    public double next(double baseline, long seen, double value) {
        if (seen == 0) {
            return value;
        }
        double alpha = 2.0 / (windows + 1);
        return baseline + alpha * (value - baseline);
    }
}
