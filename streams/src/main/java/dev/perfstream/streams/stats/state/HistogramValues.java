package dev.perfstream.streams.stats.state;

/**
 * Many measurements of one event (a histogram data point): each non-empty bucket as a representative
 * value and its count, in the series' unit.
 *
 * @param values        representatives, increasing
 * @param counts        measurements per representative (doubles: what {@code DDSketch.accept(value, count)} takes)
 * @param count         their total
 * @param min           smallest measurement (the lowest representative when the producer did not send it)
 * @param max           largest measurement (the highest representative when the producer did not send it)
 * @param sum           sum of the measurements
 * @param relativeError how far a representative may be from a measurement of its bucket, relative, 0..1
 */
public record HistogramValues(double[] values, double[] counts, long count, double min, double max, double sum,
                              double relativeError) {
}
