package dev.perfstream.models.forecast;

import dev.perfstream.models.feature.Robust;

/**
 * Robust seasonal references for one origin, computed from the series' own past only. The value a
 * period ({@code p} steps: a day, a week) earlier at step {@code c} is the mean of the values in
 * {@code c - j*p +- halfWidth} (from {@link TieredHistory#mean}); the reference is the Hodges-Lehmann location of
 * those means over the last {@code cycles} periods ({@link Robust#hodgesLehmann}: the median of their pairwise means).
 * Averaging a small window and several cycles cuts the sampling noise a single seasonal-naive point carries, and the
 * Hodges-Lehmann location (from {@value #HL_MIN} cycles; the median of fewer) keeps a few cycles' incidents out as a
 * median does, at about 0.7 of the median's variance on noise: where a window is a single value (1-hour steps) the
 * profile's own noise is most of what a forecast adds to the noise of the value forecast. Windows reaching past the
 * origin are not used (a forecast sees only earlier rows).
 */
final class SeasonalProfile {
    /** Fewest cycles at full resolution for {@link #sharpAt} to use them alone. */
    static final int SHARP_CYCLES = 3;
    /** Windows up to this many values are sorted at once (a step dominates their consecutive differences). */
    static final int SMALL_WINDOW = 9;
    private final double[] means;
    private final double[] pairs;
    private final double[] scratch;
    private double[] window = new double[0];
    private double[] windowScratch = new double[0];

    SeasonalProfile(int maxCycles) {
        this.means = new double[maxCycles];
        this.pairs = new double[maxCycles * (maxCycles + 1) / 2];
        this.scratch = new double[maxCycles];
    }

    /**
     * As {@link #at}, over the cycles whose window centres are kept at full resolution when there are at least
     * {@value #SHARP_CYCLES} of them (otherwise {@link #at}), with each window's median instead of its mean where
     * the two differ by more than 3 standard errors of the median: a step inside the window (a square wave's jump, a
     * sawtooth's drop), which the median keeps on the side the centre is on and the mean blurs over the window. On a
     * smooth window the mean, which wastes less of the noise.
     */
    double sharpAt(TieredHistory v, int c, int p, int cycles, int halfWidth, int origin) {
        if (window.length < 2 * halfWidth + 1) {
            window = new double[2 * halfWidth + 1];
            windowScratch = new double[2 * halfWidth + 1];
        }
        int m = 0;
        int fine = v.fineStart();
        for (int j = 1; j <= cycles; j++) {
            int center = c - j * p;
            int lo = Math.max(center - halfWidth, fine);
            int hi = Math.min(center + halfWidth, origin);
            if (center < fine) {
                break; // older cycles are further back still (a window cut by the fine tier keeps its fine part)
            }
            if (hi < lo) {
                continue; // the window lies after the origin (a step more than a day ahead): the cycles before it count
            }
            int n = 0;
            double sum = 0;
            for (int i = lo; i <= hi; i++) {
                double x = v.at(i);
                if (x == x) {
                    window[n++] = x;
                    sum += x;
                }
            }
            if (n == 0) {
                continue;
            }
            means[m++] = stepAware(n, sum / n);
        }
        return m < SHARP_CYCLES ? at(v, c, p, cycles, halfWidth, origin) : location(m);
    }

    /**
     * The mean of {@code window[0..n)} (in time order), or its median where a step lies inside: for windows of more
     * than {@value #SMALL_WINDOW} values first a pass that compares the means of the two halves with the noise (mean
     * absolute difference of consecutive values / 1.128; a step adds 1 / (n - 1) of itself to it), so that a smooth
     * window, the common case, costs no sort; then, where the halves differ by more than 3 standard
     * errors, the median where it differs from the mean by more than 3 of its standard errors (1.2533 x 1.4826 MAD
     * / sqrt n).
     */
    private double stepAware(int n, double mean) {
        if (n < 3) {
            return mean;
        }
        if (n > SMALL_WINDOW && smooth(n)) {
            return mean;
        }
        double median = Robust.median(window, n, windowScratch);
        double se = Robust.medianSe(Robust.mad(window, n, median, windowScratch), n);
        return Math.abs(median - mean) > 3 * se ? median : mean;
    }

    /** Whether the means of the window's halves differ by at most 3 standard errors of the consecutive-difference noise. */
    private boolean smooth(int n) {
        int half = n / 2;
        double left = 0;
        double right = 0;
        double diff = 0;
        for (int i = 0; i < n; i++) {
            if (i < half) {
                left += window[i];
            } else if (i >= n - half) {
                right += window[i];
            }
            if (i > 0) {
                diff += Math.abs(window[i] - window[i - 1]);
            }
        }
        double sigma = diff / (n - 1) / 1.128;
        return Math.abs(left - right) / half <= 3 * sigma * Math.sqrt(2.0 / half);
    }

    /**
     * Fewest cycles for the Hodges-Lehmann location; below, the median. Of 3 values the Hodges-Lehmann location is
     * (b + (a + c) / 2) / 2 for a <= b <= c, so one day's incident moves it by a quarter of itself (load generator at
     * 1-min steps, where the profile takes the 3 days kept at full resolution: the day and the week after an incident
     * were forecast 2-4 times worse); from 7 cycles one outlying cycle moves it by less than the noise.
     */
    static final int HL_MIN = 7;

    /** The location of {@code means[0..m)}: Hodges-Lehmann from {@value #HL_MIN} values, the median below. */
    private double location(int m) {
        return m >= HL_MIN ? Robust.hodgesLehmann(means, m, pairs) : Robust.median(means, m, scratch);
    }

    /**
     * The Hodges-Lehmann location (the median below {@value #HL_MIN} cycles) over cycles j = 1..cycles of the mean of
     * v[c - j*p - halfWidth .. c - j*p + halfWidth]
     * (values after {@code origin} excluded; a cycle counts when at least half its window is present).
     *
     * @return NaN when no cycle has data
     */
    double at(TieredHistory v, int c, int p, int cycles, int halfWidth, int origin) {
        int m = 0;
        int start = v.start();
        for (int j = 1; j <= cycles; j++) {
            int center = c - j * p;
            int lo = center - halfWidth;
            int hi = Math.min(center + halfWidth, origin);
            if (lo < start) {
                break; // older cycles are further back still
            }
            if (hi < lo) {
                continue; // the window lies after the origin: the cycles before it count
            }
            double mean = v.mean(lo, hi); // from block means where the window is older than the fine tier
            if (mean == mean) {
                means[m++] = mean;
            }
        }
        return m == 0 ? Double.NaN : location(m);
    }
}
