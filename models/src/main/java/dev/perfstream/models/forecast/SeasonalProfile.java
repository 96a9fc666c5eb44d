package dev.perfstream.models.forecast;

import dev.perfstream.models.feature.Robust;

/**
 * Robust seasonal references for one origin, computed from the series' own past only. The value a
 * period ({@code p} steps: a day, a week) earlier at step {@code c} is the mean of the values in
 * {@code c - j*p +- halfWidth}; the reference is the median of those means over the last {@code cycles}
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
    double at(double[] v, int c, int p, int cycles, int halfWidth, int origin) {
        int m = 0;
        for (int j = 1; j <= cycles; j++) {
            int center = c - j * p;
            int lo = center - halfWidth;
            int hi = Math.min(center + halfWidth, origin);
            if (lo < 0 || hi < lo) {
                break; // older cycles are further back still
            }
            double sum = 0;
            int n = 0;
            for (int i = lo; i <= hi; i++) {
                double x = v[i];
                if (x == x) { // not NaN
                    sum += x;
                    n++;
                }
            }
            if (2 * n >= hi - lo + 1 && n > 0) {
                means[m++] = sum / n;
            }
        }
        return m == 0 ? Double.NaN : Robust.median(means, m, scratch);
    }

    /** Mean of the present values in v[lo..hi] (indices below 0 skipped); NaN if fewer than half are present. */
    static double mean(double[] v, int lo, int hi) {
        double sum = 0;
        int n = 0;
        for (int i = Math.max(0, lo); i <= hi; i++) {
            double x = v[i];
            if (x == x) {
                sum += x;
                n++;
            }
        }
        return n == 0 || 2 * n < hi - lo + 1 ? Double.NaN : sum / n;
    }
}
