package dev.perfstream.streams.impact;

import dev.perfstream.schemas.avro.Rating;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The conversion gain of moving a page's p75 into the next better bucket, from the sessions and conversions per
 * bucket of one vital (good / needs-improvement / poor).
 *
 * <p>Method: B is the bucket of the p75 (poor when more than a quarter of the sessions are poor, else
 * needs-improvement when more than a quarter are needs-improvement or poor, else good), T the next better one. The
 * least change that puts the p75 into T moves a share {@code m = share(B or worse) - 0.25} of the sessions from B to
 * T. If sessions that move convert like the sessions already in T, the page's conversion rate grows by
 * {@code m x (p_T - p_B)}. The interval of {@code p_T - p_B} is Newcombe's hybrid score interval (method 10 of
 * Newcombe 1998: Wilson score intervals of both rates, combined), which keeps close to its nominal coverage for the
 * small counts and rates near 0 of conversions, where the Wald interval does not; {@code m} is a planned share of
 * the observed sessions, not an estimate, so the gain's interval is {@code m} times it. Observational: sessions in
 * the buckets differ in more than speed (device, network, intent), so this is the conversion difference that goes
 * with speed on this page, not a proven effect of it.
 *
 * @param p75Rating       the bucket of the p75
 * @param target          the next better bucket, null when the p75 is good
 * @param movedShare      m, null without a target
 * @param difference      p_T - p_B
 * @param differenceLower Newcombe interval of the difference at {@code confidence}
 * @param note            why there is no estimate (null when there is one)
 */
public record ImpactEstimate(Rating p75Rating, Rating target, Double movedShare, Double difference,
                             Double differenceLower, Double differenceUpper, String note) {
    private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

    /**
     * @param sessions    sessions per bucket, indexed by {@link Rating#ordinal()} (GOOD, NEEDS_IMPROVEMENT, POOR)
     * @param conversions converted sessions per bucket, same index
     * @param confidence  two-sided confidence level of the interval, in (0, 1)
     */
    public static ImpactEstimate of(long[] sessions, long[] conversions, double confidence) {
        long n = sessions[0] + sessions[1] + sessions[2];
        if (n == 0) {
            return new ImpactEstimate(null, null, null, null, null, null, "no sessions");
        }
        Rating b = p75Bucket(sessions);
        if (b == Rating.GOOD) {
            return new ImpactEstimate(b, null, null, null, null, null, "p75 is good already");
        }
        Rating t = Rating.values()[b.ordinal() - 1];
        long worse = 0;
        for (int i = b.ordinal(); i < 3; i++) {
            worse += sessions[i];
        }
        double m = (double) worse / n - 0.25;
        int bi = b.ordinal();
        int ti = t.ordinal();
        if (sessions[ti] == 0) {
            return new ImpactEstimate(b, t, m, null, null, null, "no " + name(t) + " sessions to compare with");
        }
        double[] d = newcombe(conversions[ti], sessions[ti], conversions[bi], sessions[bi], z(confidence));
        return new ImpactEstimate(b, t, m, d[0], d[1], d[2], null);
    }

    /** The bucket the p75 (nearest rank) of the sessions falls in, from the counts alone. */
    static Rating p75Bucket(long[] sessions) {
        long n = sessions[0] + sessions[1] + sessions[2];
        if (sessions[2] * 4 > n) {
            return Rating.POOR;
        }
        return (sessions[1] + sessions[2]) * 4 > n ? Rating.NEEDS_IMPROVEMENT : Rating.GOOD;
    }

    /** Two-sided standard normal quantile of a confidence level: 1.96 for 0.95. */
    public static double z(double confidence) {
        return STANDARD_NORMAL.inverseCumulativeProbability(1 - (1 - confidence) / 2);
    }

    /**
     * Wilson score interval of a proportion.
     *
     * @return {lower, upper}
     */
    public static double[] wilson(long x, long n, double z) {
        double p = (double) x / n;
        double z2 = z * z;
        double denom = 1 + z2 / n;
        double center = (p + z2 / (2.0 * n)) / denom;
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
        return new double[] {Math.max(0, center - half), Math.min(1, center + half)};
    }

    /**
     * Newcombe's hybrid score interval (method 10) of {@code x1/n1 - x2/n2}.
     *
     * @return {difference, lower, upper}
     */
    public static double[] newcombe(long x1, long n1, long x2, long n2, double z) {
        double p1 = (double) x1 / n1;
        double p2 = (double) x2 / n2;
        double[] w1 = wilson(x1, n1, z);
        double[] w2 = wilson(x2, n2, z);
        double d = p1 - p2;
        double lower = d - Math.sqrt(sq(p1 - w1[0]) + sq(w2[1] - p2));
        double upper = d + Math.sqrt(sq(w1[1] - p1) + sq(p2 - w2[0]));
        return new double[] {d, lower, upper};
    }

    /** Estimated gain of the page's conversion rate ({@code m x difference}), or null. */
    public Double gain() {
        return difference == null ? null : movedShare * difference;
    }

    public Double gainLower() {
        return differenceLower == null ? null : movedShare * differenceLower;
    }

    public Double gainUpper() {
        return differenceUpper == null ? null : movedShare * differenceUpper;
    }

    static String name(Rating r) {
        return switch (r) {
            case GOOD -> "good";
            case NEEDS_IMPROVEMENT -> "needs-improvement";
            case POOR -> "poor";
        };
    }

    private static double sq(double v) {
        return v * v;
    }
}
