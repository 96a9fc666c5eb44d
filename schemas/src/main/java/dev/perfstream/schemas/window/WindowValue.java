package dev.perfstream.schemas.window;

import dev.perfstream.schemas.avro.WindowStats;

/**
 * The numbers of a {@link WindowStats} by name: the one accessor the models (what they score) and the alert rules
 * (what they compare) read a window's statistic through. Raw values: an optional share that is absent is NaN; what an
 * empty window means (no data) is for the reader to decide.
 */
public enum WindowValue {
    P50, P75, P90, P95, P99, P999, MEAN, MIN, MAX, ERROR_RATE, RATE, COUNT, ERRORS, GOOD_SHARE, NEEDS_IMPROVEMENT_SHARE,
    POOR_SHARE;

    public double of(WindowStats w) {
        return switch (this) {
            case P50 -> w.getP50();
            case P75 -> w.getP75();
            case P90 -> w.getP90();
            case P95 -> w.getP95();
            case P99 -> w.getP99();
            case P999 -> w.getP999();
            case MEAN -> w.getMean();
            case MIN -> w.getMin();
            case MAX -> w.getMax();
            case ERROR_RATE -> w.getErrorRate();
            case RATE -> w.getRate();
            case COUNT -> w.getCount();
            case ERRORS -> w.getErrors();
            case GOOD_SHARE -> orNaN(w.getGoodShare());
            case NEEDS_IMPROVEMENT_SHARE -> orNaN(w.getNeedsImprovementShare());
            case POOR_SHARE -> orNaN(w.getPoorShare());
        };
    }

    private static double orNaN(Double v) {
        return v == null ? Double.NaN : v;
    }
}
