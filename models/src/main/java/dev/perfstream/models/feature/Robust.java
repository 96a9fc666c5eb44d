package dev.perfstream.models.feature;

import java.util.Arrays;

/**
 * Median and MAD of small arrays. Hand-written because the arrays are tiny (15..256 values), live in
 * per-series state and are evaluated on the hot path; a library call would need boxing or copies into
 * its own structures.
 */
public final class Robust {
    /** Consistency constant: 1.4826 * MAD estimates the standard deviation of normal noise. */
    public static final double MAD_TO_SIGMA = 1.4826;

    private Robust() {
    }

    /** Median of {@code values[0..n)}, using {@code scratch} (length >= n); NaN if n == 0. */
    public static double median(double[] values, int n, double[] scratch) {
        if (n == 0) {
            return Double.NaN;
        }
        System.arraycopy(values, 0, scratch, 0, n);
        Arrays.sort(scratch, 0, n);
        return (n & 1) == 1 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
    }

    /** Median absolute deviation of {@code values[0..n)} around {@code center}. */
    public static double mad(double[] values, int n, double center, double[] scratch) {
        if (n == 0) {
            return Double.NaN;
        }
        for (int i = 0; i < n; i++) {
            scratch[i] = Math.abs(values[i] - center);
        }
        Arrays.sort(scratch, 0, n);
        return (n & 1) == 1 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
    }

    /**
     * Standard error of the median of {@code n} values whose MAD is {@code mad}: 1.2533 sigma / sqrt n for normal noise
     * (the median's efficiency), sigma = {@value #MAD_TO_SIGMA} MAD.
     */
    public static double medianSe(double mad, int n) {
        return 1.2533 * MAD_TO_SIGMA * mad / Math.sqrt(n);
    }

    /**
     * Hodges-Lehmann location of {@code values[0..n)}: the median of the n (n + 1) / 2 pairwise means (each value
     * with itself included). On normal noise its variance is 1.05 sigma^2 / n, where the median's is about 1.5
     * sigma^2 / n at the n of a few to a few dozen, and like the median it ignores a few outlying values (up to 29 %
     * of them). {@code pairs} needs n (n + 1) / 2 slots; NaN if n == 0.
     */
    public static double hodgesLehmann(double[] values, int n, double[] pairs) {
        if (n == 0) {
            return Double.NaN;
        }
        int m = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                pairs[m++] = 0.5 * (values[i] + values[j]);
            }
        }
        // a selection, not a sort: the forecaster takes this location of 21 days (231 pairs) for every daily-profile
        // value, and sorting them tripled its cost per window at 1-hour steps (bench ForecastBench -p step=1h)
        int hi = m / 2;
        double upper = select(pairs, m, hi);
        if ((m & 1) == 1) {
            return upper;
        }
        double lower = pairs[0];
        for (int i = 1; i < hi; i++) {
            lower = Math.max(lower, pairs[i]);
        }
        return 0.5 * (lower + upper);
    }

    /**
     * The k-th smallest of {@code a[0..n)} (k from 0), leaving the smaller ones before it: Hoare's selection with a
     * median-of-three pivot and a three-way partition (values equal to the pivot, as in a series of mostly zeros, end the
     * search at once instead of making it quadratic), expected linear time. Hand-written because no library on this
     * module's class path selects from a primitive array without sorting it or boxing it.
     */
    static double select(double[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            double x = a[lo];
            double y = a[mid];
            double z = a[hi];
            double pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
            // a[lo..lt) < pivot, a[lt..i) == pivot, a(gt..hi] > pivot
            int lt = lo;
            int gt = hi;
            int i = lo;
            while (i <= gt) {
                if (a[i] < pivot) {
                    swap(a, lt++, i++);
                } else if (a[i] > pivot) {
                    swap(a, i, gt--);
                } else {
                    i++;
                }
            }
            if (k < lt) {
                hi = lt - 1;
            } else if (k > gt) {
                lo = gt + 1;
            } else {
                return pivot;
            }
        }
        return a[k];
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /** Mean absolute value of {@code values[0..n)}. */
    public static double meanAbs(double[] values, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.abs(values[i]);
        }
        return n == 0 ? Double.NaN : s / n;
    }
}
