package dev.perfstream.models.anomaly;

import java.util.Arrays;

/**
 * A multiplicative day-of-week factor, for series whose days differ by weekday (weekends at a fraction of
 * the weekdays' traffic): the detector divides each value by the factor of its day before anything else sees
 * it, so the daily profile, the level and the residuals live in "weekday units" and the start of a weekend is
 * no change at all.
 *
 * <p>Learned from the values themselves: each complete UTC day's mean, divided by the median day mean of the
 * week ending with it (at least {@link #MIN_WINDOW_DAYS} complete days), is one ratio for that day of the week;
 * the last {@link #KEEP} ratios of each day of the week are kept and their median (mean of two) is its factor,
 * so an irregular day (a holiday on a weekday) changes nothing. The factors apply only when every day of the
 * week has at least {@link #MIN_RATIOS} ratios (about three and a half weeks of data) and they differ by a
 * pattern, not by noise or a passing change: each day's ratios agree on its factor (see {@link #consistent}),
 * the factors' range is at least {@link #MIN_RANGE} and at least {@link #MIN_CONTRAST} times the median over
 * the days of the week of the spread of a day's ratios around its factor, and the factors explain all but
 * {@link #MAX_UNEXPLAINED} of the ratios' squared deviations from 1 (steps of the level move the ratios of one
 * week, not the same days every week). Until then every factor is 1 (the detector is then exactly as without
 * this class). Once established, the factors change only with ratios that show a pattern again (dropping them
 * would move the weekends by the whole factor at once). Series with a non-positive day mean never get factors.
 *
 * <p>Days are counted complete when they hold at least {@link #MIN_FILL} of the points the series' step
 * gives a day; a day with fewer (a gap) breaks the week it is in.
 */
final class WeeklyPattern {
    static final long DAY_MS = 86_400_000L;
    /** Ratios kept per day of the week. */
    static final int KEEP = 3;
    /** Ratios needed per day of the week before the factors apply. */
    static final int MIN_RATIOS = 3;
    /** Complete days (this one included) needed in the trailing week to form a ratio. */
    static final int MIN_WINDOW_DAYS = 4;
    /** Smallest range of the factors (largest over smallest day, less one) that counts as a weekly pattern. */
    static final double MIN_RANGE = 0.2;
    /** Range of the factors over the median spread of a day's ratios needed to count as a pattern. */
    static final double MIN_CONTRAST = 6;
    /** Largest share of the ratios' squared deviations from 1 that the factors may leave unexplained. */
    static final double MAX_UNEXPLAINED = 0.2;
    /** Share of a day's points needed for its mean to count. */
    static final double MIN_FILL = 0.8;

    /** Means of the last 7 days by epoch day mod 7; NaN where that day was incomplete or is older than a week. */
    final double[] dayMeans = new double[7];
    /** The last {@link #KEEP} ratios per epoch day mod 7, a ring each. */
    final float[] ratios = new float[7 * KEEP];
    final int[] ratioN = new int[7];
    final int[] ratioPos = new int[7];
    /** The epoch day being summed, its sum and count. */
    long day = Long.MIN_VALUE;
    double daySum;
    int dayN;
    /**
     * The factors in use: all 1 until a pattern is established, then those of the last ratios that showed it
     * (a week whose ratios show none, e.g. after a change of level, leaves them as they were).
     */
    private final double[] factors = new double[7];

    WeeklyPattern() {
        Arrays.fill(dayMeans, Double.NaN);
        Arrays.fill(factors, 1);
    }

    /** The factor of the day of {@code timeMillis}: 1 unless a weekly pattern is established. */
    double factor(long timeMillis) {
        return factors[(int) Math.floorMod(Math.floorDiv(timeMillis, DAY_MS), 7)];
    }

    /** Whether the factors apply (a weekly pattern is established). */
    boolean active() {
        for (double f : factors) {
            if (f != 1) {
                return true;
            }
        }
        return false;
    }

    /** Adds a learned value (as observed, not divided by the factor) of a series of step {@code stepMs}. */
    void learn(long timeMillis, double raw, long stepMs) {
        long d = Math.floorDiv(timeMillis, DAY_MS);
        if (d != day) {
            if (day != Long.MIN_VALUE && d > day) {
                closeDay(d, stepMs);
            }
            day = d;
            daySum = 0;
            dayN = 0;
        }
        daySum += raw;
        dayN++;
    }

    /** Ends {@link #day}: its mean, the days skipped up to {@code next} as missing, one ratio, the factors. */
    private void closeDay(long next, long stepMs) {
        long expected = stepMs <= 0 ? 0 : DAY_MS / stepMs;
        double mean = expected > 0 && dayN >= MIN_FILL * expected ? daySum / dayN : Double.NaN;
        int slot = (int) Math.floorMod(day, 7);
        dayMeans[slot] = mean;
        for (long k = day + 1; k < next && k < day + 8; k++) {
            dayMeans[(int) Math.floorMod(k, 7)] = Double.NaN;
        }
        if (!(mean > 0)) {
            return;
        }
        double[] week = new double[7];
        int m = 0;
        for (double x : dayMeans) {
            if (!Double.isNaN(x)) {
                if (!(x > 0)) {
                    return;
                }
                week[m++] = x;
            }
        }
        if (m < MIN_WINDOW_DAYS) {
            return;
        }
        Arrays.sort(week, 0, m);
        double typical = (m & 1) == 1 ? week[m / 2] : 0.5 * (week[m / 2 - 1] + week[m / 2]);
        ratios[slot * KEEP + ratioPos[slot]] = (float) (mean / typical);
        ratioPos[slot] = (ratioPos[slot] + 1) % KEEP;
        ratioN[slot] = Math.min(ratioN[slot] + 1, KEEP);
        refresh();
    }

    /** Recomputes the factors from the kept ratios (also after a state restore). */
    void refresh() {
        double[] w = new double[7];
        double[] spread = new double[7];
        double[] r = new double[KEEP];
        double unexplained = 0;
        double total = 0;
        for (int s = 0; s < 7; s++) {
            int n = ratioN[s];
            if (n < MIN_RATIOS) {
                return;
            }
            for (int i = 0; i < n; i++) {
                r[i] = ratios[s * KEEP + i];
            }
            Arrays.sort(r, 0, n);
            w[s] = (n & 1) == 1 ? r[n / 2] : 0.5 * (r[n / 2 - 1] + r[n / 2]);
            if (!consistent(r, n, w[s])) {
                return;
            }
            // The squared deviations the factor explains, without each day's ratio farthest from it among three.
            for (int i = 0; i < n; i++) {
                unexplained += (r[i] - w[s]) * (r[i] - w[s]);
                total += (r[i] - 1) * (r[i] - 1);
            }
            for (int i = 0; i < n; i++) {
                r[i] = Math.abs(r[i] - w[s]);
            }
            Arrays.sort(r, 0, n);
            spread[s] = (n & 1) == 1 ? r[n / 2] : 0.5 * (r[n / 2 - 1] + r[n / 2]);
        }
        double lo = Arrays.stream(w).min().orElse(1);
        double hi = Arrays.stream(w).max().orElse(1);
        Arrays.sort(spread);
        double range = hi / lo - 1;
        if (lo > 0 && range >= MIN_RANGE && hi - lo >= MIN_CONTRAST * spread[3] && unexplained <= MAX_UNEXPLAINED * total) {
            double mean = Arrays.stream(w).average().orElse(1);
            for (int s = 0; s < 7; s++) {
                factors[s] = w[s] / mean;
            }
        }
    }

    /**
     * Whether a day's ratios agree on its factor {@code w}: where w is at least half {@link #MIN_RANGE} away from
     * 1, every ratio but one (of three) lies on the same side of 1, at least half as far. A change of level
     * that moved one week's ratios, or one holiday among two ratios, is no pattern.
     */
    private static boolean consistent(double[] sortedRatios, int n, double w) {
        double d = w - 1;
        if (Math.abs(d) < MIN_RANGE / 2) {
            return true;
        }
        int against = 0;
        for (int i = 0; i < n; i++) {
            double e = sortedRatios[i] - 1;
            if (Math.signum(e) != Math.signum(d) || Math.abs(e) < 0.5 * Math.abs(d)) {
                against++;
            }
        }
        return against <= (n >= 3 ? 1 : 0);
    }
}
