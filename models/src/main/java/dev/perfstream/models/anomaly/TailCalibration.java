package dev.perfstream.models.anomaly;

import java.util.Arrays;

/**
 * Tail probability of a standardised residual |z| against the series' own recent residuals: the calibration
 * that makes a score mean the same on any series. Keeps the last {@code size} |z| values. Up to their 98th
 * percentile {@code q} the probability is the share of them at or above |z|; beyond it, the larger of that
 * share (less {@link #TOLERATED} values, so that an earlier incident of the same size does not hide the
 * next one) and a tail fitted to the values above {@code q}, their share times a survival function that is 1
 * at {@code q} and falls with a hazard of 1 / b there, b from their median excess (the scale of an exponential
 * with that median, never below {@link #MIN_EXCESS}, nor below {@link #MIN_RELATIVE_EXCESS} x q while fewer
 * than {@link #MIN_FIT} values lie above q). A median, not a mean or a maximum: a few incidents among the 2 %
 * largest values do not change the fit (and the caller enters the residuals of a burst of anomalies at q, see
 * {@link #percentile98()}). The survival function beyond q is one of three:
 * <ul>
 *   <li><b>heavy</b> (a generalised Pareto of shape xi, its scale set so that its median excess is the
 *       values' own) where the Hill estimate of the values above q, less the largest {@link #TOLERATED}, is
 *       above {@link #HEAVY_HILL}: bursty counts whose calm bursts reach tens of noise units, which an
 *       exponential called one in a million. xi is that estimate, at most {@link #MAX_SHAPE};</li>
 *   <li><b>light</b> (a hazard growing as (|z| / q)^(a - 1), a Weibull-like tail) where the body's own
 *       hazard grows: a is the slope of ln(-ln S) against ln |z| between the 90th and 98th percentiles
 *       (about 1.5 for Gaussian noise, 1 for an exponential), at most the configured growth; on Gaussian noise
 *       the exponential beyond q put p = 1e-5 at |z| of about 6.2, this near 5;</li>
 *   <li>otherwise the exponential exp(-(|z| - q) / b), as with a growth of 1 or where q is below
 *       {@link #MIN_NOISE_Q} (the noise scale is then a floor, not the residuals' spread: noise-free shapes,
 *       counts mostly zero, whose few distinct |z| have no tail shape to read).</li>
 * </ul>
 * On a calm series whatever its shape (heavy tails, integer counts, noise-free shapes) about a share p of the
 * points then gets a probability below p, which bounds the share of high scores.
 *
 * <p>Hand-written: a sorted copy of the ring kept up to date by one removal and one insertion per value (a
 * move of at most 1024 doubles), a binary search per probability; no library offers this online with a
 * state that fits the detector's changelog record (the sorted copy is rebuilt from the ring on restore, and
 * the fit from the sorted copy: the tail's shape adds nothing to the state).
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
    /** Hill estimate above which the tail beyond q is fitted as a generalised Pareto (about 0.15 on Gaussian noise). */
    static final double HEAVY_HILL = 0.25;
    /** Largest shape of the generalised Pareto tail. */
    static final double MAX_SHAPE = 1;
    /** Smallest 98th percentile for which the tail's shape is read from the values (else the exponential). */
    static final double MIN_NOISE_Q = 1;
    /** Lower quantile of the body's Weibull slope (the upper one is the 98th percentile). */
    private static final double BODY_QUANTILE = 0.9;
    /** ln(ln 50 / ln 10): ln(-ln S) from S = 0.1 to S = 0.02. */
    private static final double BODY_RISE = Math.log(Math.log(50) / Math.log(10));

    final float[] ring;
    int pos;
    int n;
    private final double[] sorted;
    private int sortedN;
    private double q;
    private double anchor = 1;
    private double excess = MIN_EXCESS;
    /** Largest hazard growth exponent (1: an exponential tail for light-tailed values too). */
    private final double maxGrowth;
    /** Hazard growth exponent beyond q; 1 for the exponential. */
    private double growth = 1;
    /** Generalised Pareto shape beyond q; 0 for none. */
    private double shape;
    /** Hill estimate of the values above q; recomputed only when a value at or above q came or went. */
    private double hill;
    private boolean topChanged = true;

    /** A calibration over the last {@code size} values, with an exponential tail where the values are light-tailed. */
    TailCalibration(int size) {
        this(size, 1);
    }

    /** A calibration over the last {@code size} values whose light tails thin with a hazard growth up to {@code maxGrowth}. */
    TailCalibration(int size, double maxGrowth) {
        this.ring = new float[size];
        this.sorted = new double[size];
        this.maxGrowth = maxGrowth;
    }

    /** Values seen so far (at most the ring's size). */
    int count() {
        return n;
    }

    /** Adds a |z| of a learned value; the sorted copy follows (one removal and one insertion). */
    void add(double absZ) {
        float x = (float) absZ;
        // A full ring that loses and gains a value below q keeps every value from q up where it was.
        topChanged |= n < ring.length || x >= q || ring[pos] >= q;
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
        topChanged = true;
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
        growth = 1;
        shape = 0;
        // Fewer than MIN_FIT values above the percentile are past incidents, not a tail to fit on: the floor alone.
        if (above < MIN_FIT) {
            excess = Math.max(MIN_EXCESS, q * MIN_RELATIVE_EXCESS);
            return;
        }
        excess = Math.max(MIN_EXCESS, medianExcess / Math.log(2));
        if (q < MIN_NOISE_Q) {
            return;
        }
        if (topChanged) {
            hill = hill(first);
            topChanged = false;
        }
        if (hill > HEAVY_HILL) {
            shape = Math.min(MAX_SHAPE, hill);
            excess = Math.max(MIN_EXCESS, medianExcess * shape / (Math.pow(2, shape) - 1));
            return;
        }
        double body = sorted[(int) Math.floor(BODY_QUANTILE * (n - 1))];
        // q within float rounding of the 90th percentile: a lump of equal values (counts), no slope to read.
        if (maxGrowth > 1 && body > 0 && q > body * 1.0001) {
            growth = Math.min(maxGrowth, Math.max(1, BODY_RISE / Math.log(q / body)));
        }
    }

    /** Mean of ln(value / q) over the values above q but the largest {@link #TOLERATED} (at least one value). */
    private double hill(int first) {
        int top = Math.max(first + 1, n - TOLERATED);
        double sum = 0;
        for (int i = first; i < top; i++) {
            sum += Math.log(sorted[i] / q);
        }
        return sum / (top - first);
    }

    /** The fitted survival beyond q relative to its value at q (1 at q). */
    private double beyond(double absZ) {
        if (shape > 0) {
            return Math.pow(1 + shape * (absZ - q) / excess, -1 / shape);
        }
        if (growth > 1) {
            return Math.exp(-q / (growth * excess) * (Math.pow(absZ / q, growth) - 1));
        }
        return Math.exp(-(absZ - q) / excess);
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
        return Math.max(empirical, anchor * beyond(absZ));
    }

    /** The |z| whose fitted tail probability is {@code p} (the 98th percentile for p at or above the tail's share): the inverse of the fit. */
    double zAt(double p) {
        if (p >= anchor) {
            return q;
        }
        double l = Math.log(anchor / p);
        if (shape > 0) {
            return q + excess / shape * Math.expm1(shape * l);
        }
        if (growth > 1) {
            return q * Math.pow(1 + growth * excess / q * l, 1 / growth);
        }
        return q + excess * l;
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
