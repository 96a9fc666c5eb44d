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
    private final double[] means;
    private final double[] scratch;

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
