package dev.perfstream.streams.release;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import java.util.NavigableMap;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The release test: is a new version of a route slower (p95) or more often failing than the previous one?
 *
 * <h2>Method</h2>
 * Both versions are compared over the same windows only: the smallest-size windows in which both took
 * traffic (a canary and the version it replaces serve the same hours, so daily shape, load and incidents
 * of shared dependencies affect both alike). The windows of each version are merged into one DDSketch
 * (sketches are mergeable without loss beyond their relative accuracy ε).
 * <ul>
 *   <li><b>p95</b>: a distribution-free confidence bound from order statistics. Among n i.i.d. values the
 *       number below the true quantile ξ_q is Binomial(n, q); with z = Φ⁻¹(1 − α) the order statistic of
 *       rank ⌊nq − z·√(nq(1−q))⌋ − 1 lies below ξ_q, and the one of rank ⌈nq + z·√(nq(1−q))⌉ + 1 above it,
 *       each with probability at least about 1 − α (normal approximation of the binomial, good for
 *       nq(1−q) ≥ 10, hence {@code release.min.events}). The sketch returns those order statistics within
 *       relative error ε, so the lower bound of the new version's p95 is its sketch value / (1 + ε) and the
 *       upper bound of the old one's is its sketch value / (1 − ε). The lower bound of the shift is their
 *       ratio − 1. A route's latency regressed when that lower bound is above 0 (the two one-sided bounds
 *       are disjoint) and the point estimate of the shift is at least {@code release.min.shift}.</li>
 *   <li><b>errors</b>: one-sided two-proportion z-test with pooled variance; regressed when z ≥ Φ⁻¹(1 − α)
 *       and the error rate rose by at least {@code release.min.error.increase}.</li>
 * </ul>
 * When both versions draw from the same distribution, a latency verdict is wrong only if one of the two
 * bounds misses, so with probability at most 2α per route and test (0.02 % with the default α = 0.0001);
 * the error test alone at most α. The alerts stage repeats the test as windows arrive, so the chance of
 * a false alarm over a whole rollout is larger than that of one test; the minimum effect sizes keep it
 * small in practice (measured in {@code ReleaseComparisonTest}).
 *
 * <h2>Assumptions</h2>
 * Values within the compared windows are independent draws from each version's distribution (bursts of
 * correlated slow requests make the bounds too narrow); both versions serve comparable requests on the
 * route (a canary by user segment may not); ε is the sketches' relative accuracy, and histogram events
 * (OTLP buckets) are as coarse as their buckets, which this test does not widen the bounds for.
 */
public final class ReleaseComparison {
    static final double Q = 0.95;
    private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

    private ReleaseComparison() {
    }

    /** One per-version window: counts and the encoded sketch (with its index mapping). */
    public record Window(long count, long errors, byte[] sketch) {
        /** Count, errors and sketch (length-prefixed) in one byte array, for a state store. */
        public byte[] encode() {
            return ByteBuffer.allocate(16 + sketch.length).putLong(count).putLong(errors).put(sketch).array();
        }

        public static Window decode(byte[] b) {
            ByteBuffer in = ByteBuffer.wrap(b);
            long count = in.getLong();
            long errors = in.getLong();
            byte[] s = new byte[in.remaining()];
            in.get(s);
            return new Window(count, errors, s);
        }
    }

    /** The windows of one version merged: count, errors and one sketch. */
    public static final class Sample {
        private DDSketch sketch;
        private long count;
        private long errors;
        private int windows;
        private int unreadable;

        /** Adds one window; a sketch that cannot be decoded or merged (another index mapping) is counted and skipped. */
        public Sample add(Window w) {
            try {
                DDSketch s = DDSketch.decode(ByteArrayInput.wrap(w.sketch()), UnboundedSizeDenseStore::new);
                if (sketch == null) {
                    sketch = s;
                } else {
                    sketch.mergeWith(s);
                }
            } catch (IOException | IllegalArgumentException e) {
                unreadable++;
                return this;
            }
            count += w.count();
            errors += w.errors();
            windows++;
            return this;
        }

        public long count() {
            return count;
        }

        public long errors() {
            return errors;
        }

        public int windows() {
            return windows;
        }

        /** Windows skipped because their sketch could not be read or merged. */
        public int unreadable() {
            return unreadable;
        }

        public double errorRate() {
            return count == 0 ? 0 : (double) errors / count;
        }

        double quantile(double q) {
            return sketch == null || sketch.isEmpty() ? Double.NaN : sketch.getValueAtQuantile(Math.max(0, Math.min(1, q)));
        }

        double relativeAccuracy() {
            return sketch == null ? 0 : sketch.getIndexMapping().relativeAccuracy();
        }
    }

    /**
     * The verdict of one route.
     *
     * @param shift       p95 new / p95 old − 1 (point estimate)
     * @param shiftLower  lower confidence bound of the shift (see the class doc); above 0 means significant
     * @param tested      whether both versions had {@code release.min.events} events
     */
    public record Result(String route, long baseCount, long newCount, int windows, double p50Base, double p50New,
                         double p95Base, double p95New, double shift, double shiftLower, double errorRateBase,
                         double errorRateNew, double errorZ, boolean tested, boolean latencyRegressed,
                         boolean errorsRegressed) {
        public boolean regressed() {
            return latencyRegressed || errorsRegressed;
        }
    }

    /**
     * Merges the windows both versions have (same window start) and tests them.
     *
     * @param base windows of the previous version by window start
     * @param cand windows of the new version by window start
     */
    public static Result compareSameWindows(String route, NavigableMap<Long, Window> base, NavigableMap<Long, Window> cand,
                                            ReleaseConfig c) {
        Sample b = new Sample();
        Sample n = new Sample();
        int common = 0;
        for (Map.Entry<Long, Window> e : cand.entrySet()) {
            Window old = base.get(e.getKey());
            if (old != null) {
                n.add(e.getValue());
                b.add(old);
                common++;
            }
        }
        return compare(route, b, n, common, c);
    }

    /** Merges every window given for each side (the time-range form of {@code perfstream compare}). */
    public static Result compareAll(String route, Collection<Window> base, Collection<Window> cand, ReleaseConfig c) {
        Sample b = new Sample();
        Sample n = new Sample();
        base.forEach(b::add);
        cand.forEach(n::add);
        return compare(route, b, n, Math.max(b.windows(), n.windows()), c);
    }

    /** The quantile {@code p} (0..1) of the standard normal distribution: the z of a one-sided bound. */
    static double normalQuantile(double p) {
        return STANDARD_NORMAL.inverseCumulativeProbability(p);
    }

    /** The test on two merged samples (see the class doc). */
    public static Result compare(String route, Sample base, Sample cand, int windows, ReleaseConfig c) {
        double z = normalQuantile(1 - c.alpha());
        boolean tested = base.count() >= c.minEvents() && cand.count() >= c.minEvents();
        double p95Base = base.quantile(Q);
        double p95New = cand.quantile(Q);
        double shift = p95New / p95Base - 1;
        double lowerNew = cand.quantile(rankQuantile(cand.sketch == null ? 0 : cand.sketch.getCount(), z, -1))
            / (1 + cand.relativeAccuracy());
        double upperBase = base.quantile(rankQuantile(base.sketch == null ? 0 : base.sketch.getCount(), z, +1))
            / (1 - base.relativeAccuracy());
        double shiftLower = lowerNew / upperBase - 1;
        boolean latency = tested && shiftLower > 0 && shift >= c.minShift();
        double errorZ = errorZ(base.errors(), base.count(), cand.errors(), cand.count());
        boolean errors = tested && errorZ >= z && cand.errorRate() - base.errorRate() >= c.minErrorIncrease();
        return new Result(route, base.count(), cand.count(), windows, base.quantile(0.5), cand.quantile(0.5), p95Base,
            p95New, shift, shiftLower, base.errorRate(), cand.errorRate(), errorZ, tested, latency, errors);
    }

    /**
     * The quantile whose order statistic bounds the true p95 from below ({@code side} -1) or above (+1) with
     * probability about 1 − α: rank nq ∓ (z·√(nq(1−q)) + 1), as a quantile of the n values.
     */
    static double rankQuantile(double n, double z, int side) {
        if (n < 1) {
            return Q;
        }
        double rank = n * Q + side * (z * Math.sqrt(n * Q * (1 - Q)) + 1);
        return Math.max(0, Math.min(1, rank / n));
    }

    /** One-sided two-proportion z statistic (pooled variance) of errors rising from a to b; 0 when undefined. */
    static double errorZ(long errorsA, long countA, long errorsB, long countB) {
        if (countA == 0 || countB == 0) {
            return 0;
        }
        double pa = (double) errorsA / countA;
        double pb = (double) errorsB / countB;
        double p = (double) (errorsA + errorsB) / (countA + countB);
        double se = Math.sqrt(p * (1 - p) * (1.0 / countA + 1.0 / countB));
        return se == 0 ? 0 : (pb - pa) / se;
    }
}
