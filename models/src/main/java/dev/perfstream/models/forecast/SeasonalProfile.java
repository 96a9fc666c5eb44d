package dev.perfstream.models.forecast;

import dev.perfstream.models.feature.Robust;

/**
 * Robust seasonal references for one origin, computed from the series' own past only. The value a
 * period ({@code p} steps: a day, a week) earlier at step {@code c} is the mean of the values in
 * {@code c - j*p +- halfWidth} (from {@link TieredHistory#mean}); the reference is the median of those means over the last {@code cycles}
 * periods. Averaging a small window and several cycles cuts the sampling noise a single seasonal-naive
 * point carries, and the median keeps one cycle's incident out. Windows reaching past the origin are not
 * used (a forecast sees only earlier rows).
 */
final class SeasonalProfile {
    /** Fewest cycles at full resolution for {@link #sharpAt} to use them alone. */
    static final int SHARP_CYCLES = 3;
    private final double[] means;
    private final double[] scratch;
    private double[] window = new double[0];
    private double[] windowScratch = new double[0];

    SeasonalProfile(int maxCycles) {
        this.means = new double[maxCycles];
        this.scratch = new double[maxCycles];
    }

    /**
     * Median over cycles j = 1..cycles of the mean of v[c - j*p - halfWidth .. c - j*p + halfWidth]
     * (values after {@code origin} excluded; a cycle counts when at least half its window is present).
     *
     * @return NaN when no cycle has data
     */
    /**
     * The median of the values in the windows {@code c - j*p +- halfWidth} of the cycles whose window centres are
     * kept at full resolution (at least {@value #SHARP_CYCLES} such cycles, otherwise {@link #at}), pooled. A median
     * stays on the side of a step (a square wave's jump, a sawtooth's drop) that the centre is on, where a mean
     * blurs the step over the whole window; pooled over the cycles it cuts the noise as a median of window means
     * does, and one cycle's incident is outvoted as there. Used only where it differs from {@link #at} by more
     * than 3 of its standard errors: on a smooth shape the median of window means is the more precise.
     */
    double sharpAt(TieredHistory v, int c, int p, int cycles, int halfWidth, int origin) {
        int need = cycles * (2 * halfWidth + 1);
        if (window.length < need) {
            window = new double[need];
            windowScratch = new double[need];
        }
        int m = 0;
        int n = 0;
        int fine = v.fineStart();
        for (int j = 1; j <= cycles; j++) {
            int center = c - j * p;
            int lo = center - halfWidth;
            int hi = Math.min(center + halfWidth, origin);
            if (center < fine || hi < lo) {
                break; // older cycles are further back still (a window cut by the fine tier keeps its fine part)
            }
            int before = n;
            for (int i = Math.max(lo, fine); i <= hi; i++) {
                double x = v.at(i);
                if (x == x) {
                    window[n++] = x;
                }
            }
            if (n > before) {
                m++;
            }
        }
        double byMeans = at(v, c, p, cycles, halfWidth, origin);
        if (m < SHARP_CYCLES) {
            return byMeans;
        }
        double median = Robust.median(window, n, windowScratch);
        // Where the two agree within 3 standard errors of the median (no step inside the windows), the median of
        // the window means, which wastes less of the noise on a smooth shape.
        double se = 1.2533 * Robust.MAD_TO_SIGMA * Robust.mad(window, n, median, windowScratch) / Math.sqrt(n);
        return Double.isNaN(byMeans) || Math.abs(median - byMeans) > 3 * se ? median : byMeans;
    }

    double at(TieredHistory v, int c, int p, int cycles, int halfWidth, int origin) {
        int m = 0;
        int start = v.start();
        for (int j = 1; j <= cycles; j++) {
            int center = c - j * p;
            int lo = center - halfWidth;
            int hi = Math.min(center + halfWidth, origin);
            if (lo < start || hi < lo) {
                break; // older cycles are further back still
            }
            double mean = v.mean(lo, hi); // from block means where the window is older than the fine tier
            if (mean == mean) {
                means[m++] = mean;
            }
        }
        return m == 0 ? Double.NaN : Robust.median(means, m, scratch);
    }
}
