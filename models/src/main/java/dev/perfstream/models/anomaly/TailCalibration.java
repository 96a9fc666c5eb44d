package dev.perfstream.models.anomaly;

import java.util.Arrays;

/**
 * Tail probability of a standardised residual |z| against the series' own recent residuals: the calibration
 * that makes a score mean the same on any series. Keeps the last {@code size} |z| values. Up to their 98th
 * percentile {@code q} the probability is the share of them at or above |z|; beyond it, the larger of that
 * share (less {@link #TOLERATED} values, so that an earlier incident of the same size does not hide the
 * next one) and an exponential tail fitted to the values above {@code q}: their share times
 * exp(-(|z| - q) / b), b from their median excess (median / ln 2, never below {@link #MIN_EXCESS}, nor below
 * {@link #MIN_RELATIVE_EXCESS} x q while fewer than {@link #MIN_FIT} values lie above q). A median, not a
 * mean or a maximum: a few incidents among the 2 % largest values do not change the fit (and the caller
 * enters the residuals of a burst of anomalies at q, see {@link #percentile98()}). On a calm series whatever
 * its shape (heavy tails, integer counts, noise-free shapes) about a share p of the points
 * then gets a probability below p, which bounds the share of high scores.
 *
 * <p>Hand-written: a sorted copy of the ring kept up to date by one removal and one insertion per value (a
 * move of at most 1024 doubles), a binary search per probability; no library offers this online with a
 * state that fits the detector's changelog record (the sorted copy is rebuilt from the ring on restore).
 */
final class TailCalibration {
    /** Smallest mean excess of the fitted tail, in noise units: a tail never thinner than exp(-2 z). */
    static final double MIN_EXCESS = 0.5;
    /**
     * Smallest mean excess relative to the 98th percentile while fewer than {@link #MIN_FIT} values lie above
     * it: integer counts mostly zero have few distinct |z| (0, then 1, 2, 3 events), so with no value above the
     * percentile a fixed floor alone would call two events where one is common a one-in-a-million event.
     */
    static final double MIN_RELATIVE_EXCESS = 0.25;
    /** Values above the 98th percentile needed to fit the tail on them alone (fewer: the relative floor applies). */
    static final int MIN_FIT = 5;
    /** Recent values at or above |z| that do not count against it beyond the 98th percentile. */
    static final int TOLERATED = 3;

    final float[] ring;
    int pos;
    int n;
    private final double[] sorted;
    private int sortedN;
    private double q;
    private double anchor = 1;
    private double excess = MIN_EXCESS;

    TailCalibration(int size) {
        this.ring = new float[size];
        this.sorted = new double[size];
    }

    /** Values seen so far (at most the ring's size). */
    int count() {
        return n;
    }

    /** Adds a |z| of a learned value; the sorted copy follows (one removal and one insertion). */
    void add(double absZ) {
        float x = (float) absZ;
        if (n == ring.length) {
            int i = lowerBound(ring[pos]);
            System.arraycopy(sorted, i + 1, sorted, i, sortedN - 1 - i);
            sortedN--;
        }
        int j = lowerBound(x);
        System.arraycopy(sorted, j, sorted, j + 1, sortedN - j);
        sorted[j] = x;
        sortedN++;
        ring[pos] = x;
        pos = (pos + 1) % ring.length;
        n = Math.min(n + 1, ring.length);
        fit();
    }

    /**
     * Replaces the last {@code k} values by the median of the others: they were the transition to a new level,
     * which the caller has accepted, not the series' noise.
     */
    void neutraliseLast(int k) {
        k = Math.min(k, n);
        double median = sorted[sortedN / 2];
        for (int j = 1; j <= k; j++) {
            int i = Math.floorMod(pos - j, ring.length);
            ring[i] = (float) median;
        }
        refresh();
    }

    /** Rebuilds the sorted copy from the ring (after a state restore) and fits the tail. */
    void refresh() {
        for (int i = 0; i < n; i++) {
            sorted[i] = ring[i];
        }
        sortedN = n;
        Arrays.sort(sorted, 0, n);
        fit();
    }

    private void fit() {
        if (n == 0) {
            return;
        }
        q = sorted[(int) Math.floor(0.98 * (n - 1))];
        int first = upperBound(q);
        int above = n - first;
        anchor = above == 0 ? 1.0 / (n + 1) : (double) above / n;
        double medianExcess = above == 0 ? 0 : sorted[first + above / 2] - q;
        // Fewer than MIN_FIT values above the percentile are past incidents, not a tail to fit on: the floor alone.
        excess = above < MIN_FIT ? Math.max(MIN_EXCESS, q * MIN_RELATIVE_EXCESS)
            : Math.max(MIN_EXCESS, medianExcess / Math.log(2));
    }

    /** Probability that a calm |z| is at least {@code absZ}; 1 before any value. */
    double pValue(double absZ) {
        if (sortedN == 0) {
            return 1;
        }
        int atOrAbove = sortedN - lowerBound(absZ);
        if (absZ <= q) {
            return (double) atOrAbove / sortedN;
        }
        double empirical = (double) Math.max(0, atOrAbove - TOLERATED) / sortedN;
        return Math.max(empirical, anchor * Math.exp(-(absZ - q) / excess));
    }

    /** The |z| whose fitted tail probability is {@code p} (the 98th percentile for p at or above the tail's share). */
    double zAt(double p) {
        return p >= anchor ? q : q + excess * Math.log(anchor / p);
    }

    /** The 98th percentile of the recent |z|: where the caller enters a residual that raised an alarm. */
    double percentile98() {
        return q;
    }

    /** First index with sorted > x. */
    private int upperBound(double x) {
        int lo = 0;
        int hi = sortedN;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** First index with sorted >= x. */
    private int lowerBound(double x) {
        int lo = 0;
        int hi = sortedN;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
