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
}
