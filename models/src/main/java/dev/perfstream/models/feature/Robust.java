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
     * Hodges-Lehmann location of {@code values[0..n)}: the median of the n (n + 1) / 2 pairwise means (each value
     * with itself included). On normal noise its variance is 1.05 sigma^2 / n, where the median's is about 1.5
     * sigma^2 / n at the n of a few to a few dozen, and like the median it ignores a few outlying values (up to 29 %
     * of them). {@code pairs} and {@code scratch} need n (n + 1) / 2 slots; NaN if n == 0.
     */
    public static double hodgesLehmann(double[] values, int n, double[] pairs, double[] scratch) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                pairs[m++] = 0.5 * (values[i] + values[j]);
            }
        }
        return median(pairs, m, scratch);
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
