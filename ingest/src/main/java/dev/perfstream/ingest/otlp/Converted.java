package dev.perfstream.ingest.otlp;

import dev.perfstream.schemas.avro.MetricEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * What one OTLP export request became: the events to send (histogram points among them, as events with
 * buckets), the histogram delta points those were made from, and how many spans
 * or data points were rejected with why. {@code ignored} counts items perfstream does not turn into
 * events by design (CLIENT, PRODUCER and INTERNAL spans, points flagged "no recorded value", the first
 * point of a cumulative stream whose start is unknown); they are neither sent nor rejected.
 *
 * @param reasons the first {@link #MAX_REASONS} reasons, each naming the item and the field
 */
public record Converted(List<MetricEvent> events, List<HistogramPoint> histograms, int rejected,
                        List<String> reasons, int ignored) {
    /** How many reasons are kept; the rest are counted in {@link #rejected}. */
    public static final int MAX_REASONS = 10;

    /**
     * The OTLP partial-success {@code error_message}: the reasons, and how many more there were.
     *
     * @return empty when nothing was rejected
     */
    public String errorMessage() {
        if (rejected == 0) {
            return "";
        }
        String s = String.join("; ", reasons);
        return rejected > reasons.size() ? s + "; and " + (rejected - reasons.size()) + " more rejected" : s;
    }

    /** Collects the outcome of one request. Not thread-safe: one per request. */
    static final class Builder {
        private final List<MetricEvent> events = new ArrayList<>();
        private final List<HistogramPoint> histograms = new ArrayList<>();
        private final List<String> reasons = new ArrayList<>();
        private int rejected;
        private int ignored;

        void event(MetricEvent e) {
            events.add(e);
        }

        void histogram(HistogramPoint h) {
            histograms.add(h);
        }

        void reject(int items, String reason) {
            rejected += items;
            if (reasons.size() < MAX_REASONS) {
                reasons.add(reason);
            }
        }

        void ignore() {
            ignored++;
        }

        Converted build() {
            return new Converted(List.copyOf(events), List.copyOf(histograms), rejected, List.copyOf(reasons), ignored);
        }
    }
}
