package dev.perfstream.models.forecast;

/**
 * The daily profile of a {@link HorizonForecaster} at step c seen from origin k ({@link SeasonalProfile#sharpAt}),
 * cached per step. When every window it averages ends at or before k (c + halfWidth - day <= k) it no longer
 * depends on k (values are only appended), so it is computed once per step: the training rows and consecutive
 * origins share almost all of them. When the history's tiers move (a block of values leaves the fine tier for a
 * block mean, or the oldest block is dropped) the entries whose windows touch the moved steps are dropped, so a
 * cached value always equals a fresh computation. The cache is made by a training ({@link #ensure}; the scoring
 * topology decodes a forecaster per window and so computes directly); it is not part of the state (a decoded
 * forecaster computes the same values).
 */
final class DailyProfileCache {
    private final SeasonalProfile profile;
    private final int day;
    private final int days;
    private final int halfWidth;
    /** Steps past the history's end (beyond a day) that forecasts ask for: the horizon and the weekly blocks. */
    private final int ahead;
    private double[] values;
    private boolean[] known;
    private int from;
    private int fine;
    private int start;

    /**
     * @param day       steps per day
     * @param days      days the profile's median spans
     * @param halfWidth steps on each side of the time of day that a day's window averages
     * @param ahead     steps past the history's end (beyond a day) that forecasts ask for
     */
    DailyProfileCache(SeasonalProfile profile, int day, int days, int halfWidth, int ahead) {
        this.profile = profile;
        this.day = day;
        this.days = days;
        this.halfWidth = halfWidth;
        this.ahead = ahead;
    }

    /** The daily profile at step c seen from origin k. */
    double at(TieredHistory v, int c, int k) {
        if (values == null || c + halfWidth - day > k) {
            return profile.sharpAt(v, c, day, days, halfWidth, k);
        }
        if (fine != v.fineStart() || start != v.start()) {
            followTiers(v);
            if (values == null) {
                return profile.sharpAt(v, c, day, days, halfWidth, k);
            }
        }
        int i = c - from;
        if (i < 0 || i >= values.length) {
            return profile.sharpAt(v, c, day, days, halfWidth, k);
        }
        if (!known[i]) {
            values[i] = profile.sharpAt(v, c, day, days, halfWidth, c + halfWidth - day);
            known[i] = true;
        }
        return values[i];
    }

    /** Forgets everything (the caller re-based its indices, or the history was replaced). */
    void clear() {
        values = null;
        known = null;
    }

    /**
     * Drops the cached profiles whose windows (c - j day +- halfWidth, j = 1..days) touch steps that moved from the
     * fine tier into block means or out of the history since the cache last followed the tiers.
     */
    private void followTiers(TieredHistory v) {
        int fineFrom = fine;
        int fineTo = v.fineStart();
        int startFrom = start;
        int startTo = v.start();
        if (fineTo < fineFrom || startTo < startFrom || fineTo - fineFrom > day || startTo - startFrom > day) {
            clear(); // the history was cleared or jumped: start over at the next training
            return;
        }
        for (int j = 1; j <= days; j++) {
            forget(fineFrom - halfWidth + j * day, fineTo + halfWidth + j * day);
            forget(startFrom - halfWidth + j * day, startTo + halfWidth + j * day);
        }
        fine = fineTo;
        start = startTo;
    }

    private void forget(int cFrom, int cTo) {
        for (int c = Math.max(cFrom, from); c < cTo && c - from < known.length; c++) {
            known[c - from] = false;
        }
    }

    /** Makes the cache valid for the history's current tiers, reaching a day and {@code ahead} past its end. */
    void ensure(TieredHistory v) {
        if (values != null && (fine != v.fineStart() || start != v.start())) {
            followTiers(v);
        }
        int need = v.end() + day + ahead;
        if (values == null) {
            from = v.start();
            fine = v.fineStart();
            start = v.start();
            values = new double[need - from + day];
            known = new boolean[values.length];
        } else if (need - from > values.length) {
            // slide the cache so that it starts at the history's start again (steps before it are never asked)
            int newFrom = v.start();
            double[] nv = new double[need - newFrom + day];
            boolean[] nk = new boolean[nv.length];
            int keep = Math.max(0, from + values.length - newFrom);
            int off = newFrom - from;
            if (off >= 0 && keep > 0) {
                System.arraycopy(values, off, nv, 0, Math.min(keep, nv.length));
                System.arraycopy(known, off, nk, 0, Math.min(keep, nv.length));
            }
            values = nv;
            known = nk;
            from = newFrom;
        }
    }
}
