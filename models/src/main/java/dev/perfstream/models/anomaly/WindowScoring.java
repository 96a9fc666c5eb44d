package dev.perfstream.models.anomaly;

import dev.perfstream.schemas.avro.WindowStats;

/**
 * Scoring of one statistic of one closed window: the step the scoring topology and the evaluation share.
 * The observation time is the window end; a percentile of an empty window is a missing value.
 */
public final class WindowScoring {
    private WindowScoring() {
    }

    public static Score score(SeriesDetector detector, Statistic statistic, WindowStats w,
                              SeriesDetector.ModelPublisher publisher) {
        long end = w.getWindowEnd().toEpochMilli();
        double seconds = Math.max(1e-3, (end - w.getWindowStart().toEpochMilli()) / 1000.0);
        return detector.observe(end, observed(statistic, w), statistic.noise(w.getCount(), seconds), publisher);
    }

    /** The statistic's value, NaN (missing) for anything but the rate of a window without events. */
    public static double observed(Statistic statistic, WindowStats w) {
        return statistic != Statistic.RATE && w.getCount() == 0 ? Double.NaN : statistic.value(w);
    }

    /**
     * The series id of a window, the same string the stats stage keys {@code perf.stats} with:
     * {@code METRIC|metric|service|route} or {@code RUM|vital|app|page|deviceClass}, a {@code |} or
     * {@code %} inside a part percent-escaped.
     */
    public static String seriesKey(WindowStats w) {
        return switch (w.getKind()) {
            case METRIC -> "METRIC|" + esc(w.getName()) + '|' + esc(w.getService()) + '|' + esc(w.getRoute());
            case RUM -> "RUM|" + esc(w.getName()) + '|' + esc(w.getService()) + '|' + esc(w.getRoute()) + '|'
                + esc(w.getDeviceClass() == null ? "null" : w.getDeviceClass());
        };
    }

    private static String esc(String s) {
        if (s.indexOf('|') < 0 && s.indexOf('%') < 0) {
            return s;
        }
        return s.replace("%", "%25").replace("|", "%7C");
    }
}
