package dev.perfstream.models.anomaly;

import java.util.Arrays;

/**
 * How far the first values of a UTC day strayed from their expectation on the last {@link #DAYS} days: a bound on
 * the score of the first values of a day, for series whose whole days change level (weekends before the
 * {@link WeeklyPattern} is established or where it never is, holidays, days of another kind). Such a change is
 * no change within the day: the values jump at midnight and the detector accepts the new level after
 * {@link DetectorConfig#shiftRun} values; until then the point test calls every one of them one in a million.
 *
 * <p>For each day, the second largest |z| among its first values (a day's start moved as a whole, not by one
 * value: a single spike at midnight does not count) is kept, signed by the side its first values lay on. A value
 * among the first values of its day is no rarer than the kept days that reached at least 1 / {@link #SLACK} of
 * its |z| when there are {@link #SEEN} of them, or one on the other side (the day's start undoes an earlier
 * day's jump: the end of a weekend or a holiday): its probability is at least their share of the kept days
 * (within the ring at least 1 / 28, far below a score of 0.5). Otherwise there is no bound: a series whose day starts are
 * calm is scored by the point test alone.
 *
 * <p>A day that leaves the ring of the last {@link #DAYS} days is kept further among the last {@link #JUMPS} jumps
 * if it strayed far enough to bound an anomalous value (the caller's threshold): days of another level that come
 * rarer than the ring is long (holidays on a series whose weekends no longer jump, once the weekly factor is set)
 * are still bounded by the last ones like them. A jump counts over the days since the oldest one that reached as
 * far, so its bound weakens as it ages (two jumps a year old: 2 / 365, a score of about 0.56) instead of ending at
 * day 28. The bound applies to the score only; what the detector learns
 * (anomalous values, the accepted level, the tail's history) does not change.
 *
 * <p>Knows nothing of calendars: it counts day starts that behaved alike. A labelled change that starts within
 * the first values of a day on a series with such jumps is reported only if it is larger than the jumps seen.
 */
final class DayStarts {
    /** Days kept. */
    static final int DAYS = 28;
    /** Kept days on either side as far off needed for a bound (one on the other side is enough). */
    static final int SEEN = 2;
    /** A kept day counts as far off as a value whose |z| is at most this multiple of the day's. */
    static final double SLACK = 1.5;
    /** Longest span of a day's first values, so that a coarse series' bound covers the night's first hours only. */
    static final long SPAN_MS = 2 * 3_600_000L;
    private static final long DAY_MS = 86_400_000L;
    /** Jumps kept after their day left the ring. */
    static final int JUMPS = 8;

    /** The kept value of each of the last days: a ring of signed |z|. */
    final float[] kept = new float[DAYS];
    /** The epoch day of each value of the ring. */
    final int[] keptDays = new int[DAYS];
    int pos;
    int n;
    /** The epoch day of the last learned value; values of it learned so far (counted up to the window). */
    long day = Long.MIN_VALUE;
    int seen;
    /** The two largest |z| of the day's first values so far (NaN for none) and the sum of their z. */
    float max = Float.NaN;
    float second = Float.NaN;
    float sum;
    /** The last jumps older than the ring: signed |z| and epoch day, the oldest overwritten first. */
    final float[] jumps = new float[JUMPS];
    final int[] jumpDays = new int[JUMPS];
    int jumpPos;
    int jumpN;

    DayStarts() {
        Arrays.fill(kept, Float.NaN);
    }

    /** Values at the start of a day that count as its first: {@code shiftRun}, at most {@link #SPAN_MS}, at least 2. */
    static int window(int shiftRun, long stepMs) {
        if (stepMs <= 0) {
            return 0;
        }
        return (int) Math.max(2, Math.min(shiftRun, SPAN_MS / stepMs));
    }

    /**
     * The smallest probability of a value at {@code timeMillis} with this z, {@code window} values per day start;
     * 0 where there is no bound (not among the first values of its day, or no kept days as far off).
     */
    double floor(long timeMillis, double z, int window) {
        long d = Math.floorDiv(timeMillis, DAY_MS);
        int index = d == day ? seen : d > day ? 0 : window;
        if (index >= window) {
            return 0;
        }
        float pending = d > day ? pendingValue() : Float.NaN; // the day just ended, not kept yet
        double absZ = Math.abs(z);
        int reached = 0;
        boolean undoes = false;
        for (int i = 0; i <= n; i++) {
            float k = i < n ? kept[i] : pending;
            if (Math.abs(k) * SLACK >= absZ) {
                reached++;
                undoes |= k * z < 0;
            }
        }
        int days = n + (Float.isNaN(pending) ? 0 : 1);
        long oldest = d;
        for (int i = 0; i < jumpN; i++) {
            float k = jumps[i];
            if (Math.abs(k) * SLACK >= absZ) {
                reached++;
                undoes |= k * z < 0;
                oldest = Math.min(oldest, jumpDays[i]);
            }
        }
        days = (int) Math.max(days, d - oldest); // a jump counts over the days since it
        return reached >= SEEN || undoes ? (double) reached / days : 0;
    }

    /** Whether a value at {@code timeMillis} is the first of a new day (the only one whose jump threshold is read). */
    boolean startsDay(long timeMillis) {
        return Math.floorDiv(timeMillis, DAY_MS) != day;
    }

    /**
     * Learns a value at {@code timeMillis} (after the last learned one) with this z. {@code jump}: the |z| from which
     * a day that leaves the ring is kept among the jumps (read only for the first value of a day).
     */
    void learn(long timeMillis, double z, int window, double jump) {
        long d = Math.floorDiv(timeMillis, DAY_MS);
        if (d != day) {
            float k = pendingValue();
            if (!Float.isNaN(k)) {
                if (n == DAYS && Math.abs(kept[pos]) >= jump) {
                    jumps[jumpPos] = kept[pos];
                    jumpDays[jumpPos] = keptDays[pos];
                    jumpPos = (jumpPos + 1) % JUMPS;
                    jumpN = Math.min(jumpN + 1, JUMPS);
                }
                kept[pos] = k;
                keptDays[pos] = (int) day;
                pos = (pos + 1) % DAYS;
                n = Math.min(n + 1, DAYS);
            }
            day = d;
            seen = 0;
            max = Float.NaN;
            second = Float.NaN;
            sum = 0;
        }
        if (seen < window) {
            float a = (float) Math.abs(z);
            if (Float.isNaN(max) || a >= max) {
                second = max;
                max = a;
            } else if (Float.isNaN(second) || a > second) {
                second = a;
            }
            sum += (float) z;
            seen++;
        }
    }

    /** The value kept for the current day: its second largest |z| signed by the side of its first values; NaN if none. */
    private float pendingValue() {
        return Float.isNaN(second) ? Float.NaN : sum < 0 ? -second : second;
    }
}
