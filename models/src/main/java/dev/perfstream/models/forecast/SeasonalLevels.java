package dev.perfstream.models.forecast;

import dev.perfstream.models.feature.Robust;
import java.util.Arrays;

/**
 * The seasonal and level measurements {@link HorizonForecaster} builds its forecasts from, with the spans they are
 * taken over: every span a time span (as at a 1-minute step) converted to steps of the series, with a floor in steps
 * where a median or a MAD needs a few values. Owns the daily profile (and its cache) and the scratch arrays, so a
 * forecast allocates nothing here.
 */
final class SeasonalLevels {
    private static final long MINUTE = 60_000L;
    /**
     * Days the daily profile spans. Three weeks: where a day gives one value per time of day (1-hour steps) the profile's
     * noise is what a forecast adds to the noise of the value it forecasts (corpus, development seeds, 1-hour series
     * without incidents: 0.80 x seasonal-naive with 7 days and the median, 0.78 with 14, 0.75-0.76 with 21 and the
     * Hodges-Lehmann location); a level that moved is carried by the lasting level until the profile has it. Series
     * with finer steps average a window of each day, over the days kept at full resolution where at least 3 are (3 and a
     * bit at 1 min), and over block means of all 21 otherwise (10-second steps) and for the longer level features.
     */
    static final int DAYS = 21;
    /**
     * The weekly factor is shrunk towards none by its standard error: {@code z (1 - (K se / z)^2)} for z beyond K se,
     * none within (as the recent level is shrunk, with K = 2).
     */
    private static final double WEEK_SHRINK = 2;
    static final int WEEKS = 3;
    private static final double REL_FLOOR = 0.02;
    /** A weekly factor this far (a share of the profile) from the origin's is another kind of day's ({@link #factorAt}). */
    static final double OTHER_DAY = 0.2;
    /** Longest window {@link #lastingDeviation} measures over, in steps. */
    static final int LASTING_STEPS = 12;

    final int day;
    final int week;
    /** Spans in steps, from spans in time and the step (see the constructor). */
    final int recent;
    final int longW;
    final int longest;
    final int noiseWindow;
    final int dayHw;
    final int halfWidth;
    final int blocks;
    private final long intervalMs;
    private final double[] scratch;
    private final double[] tmp;
    private final double[] blockScratch;
    private final double[] blockScratch2;
    /** Which side of the target each weekly block lies on: -1 before, 0 the target's own block, 1 after. */
    private final int[] blockSide;
    private final double[] sideScratch;
    private final double[] blockProfile;
    private final double[] lastValues = new double[LASTING_STEPS];
    private final double[] lastProfile = new double[LASTING_STEPS];
    private final double[] lastScratch = new double[LASTING_STEPS];
    private final double[] lastScratch2 = new double[LASTING_STEPS];
    final SeasonalProfile profile = new SeasonalProfile(Math.max(DAYS, WEEKS));
    final DailyProfileCache daily;

    SeasonalLevels(int horizonSteps, long intervalMs) {
        this.intervalMs = intervalMs;
        this.day = (int) Math.max(1, Math.round(86_400_000.0 / intervalMs));
        this.week = 7 * day;
        // Spans were chosen in time on 1-minute series (15 min recent level, 60 and 240 min level features, 60
        // min of noise, +-15 min daily profile windows, 11-minute weekly blocks over +-60 min); each is that time in
        // steps, with a floor in steps where a median or a MAD needs a few values.
        this.recent = span(15 * MINUTE, 3);
        this.longW = span(60 * MINUTE, 6);
        this.longest = span(240 * MINUTE, 12);
        this.noiseWindow = span(60 * MINUTE, 20);
        this.dayHw = (int) Math.round(15.0 * MINUTE / intervalMs);
        this.halfWidth = (int) Math.round(5.0 * MINUTE / intervalMs);
        int blockLen = 2 * halfWidth + 1;
        this.blocks = Math.max(5, (int) Math.round(121.0 * MINUTE / ((double) blockLen * intervalMs)) | 1);
        this.daily = new DailyProfileCache(profile, day, DAYS, dayHw, horizonSteps + blocks * blockLen);
        this.tmp = new double[Math.max(longest, noiseWindow)];
        this.scratch = new double[Math.max(Math.max(noiseWindow, blocks * WEEKS), longest)];
        this.blockScratch = new double[blocks * WEEKS];
        this.blockScratch2 = new double[blocks * WEEKS];
        this.blockSide = new int[blocks * WEEKS];
        this.sideScratch = new double[blocks * WEEKS];
        this.blockProfile = new double[blocks];
    }

    /** {@code ms} in steps of this series, at least {@code min}. */
    private int span(long ms, int min) {
        return (int) Math.max(min, Math.round((double) ms / intervalMs));
    }

    /**
     * Level and scale at origin k: the median of the last 15 values, and the noise (1.4826 MAD of the
     * differences of consecutive values among the last 60, / sqrt 2: insensitive to trend and seasonality),
     * at least 2 % of the level.
     */
    LevelScale levelScale(TieredHistory v, int k) {
        int n = 0;
        for (int i = k; i >= 0 && i > k - 4 * recent && n < recent; i--) {
            if (!Double.isNaN(v.at(i))) {
                tmp[n++] = v.at(i);
            }
        }
        if (n == 0) {
            return null;
        }
        double level = Robust.median(tmp, n, scratch);
        int d = 0;
        for (int i = k; i >= 1 && i > k - noiseWindow; i--) {
            if (!Double.isNaN(v.at(i)) && !Double.isNaN(v.at(i - 1))) {
                tmp[d++] = v.at(i) - v.at(i - 1);
            }
        }
        double noise = d < 5 ? 0 : Robust.MAD_TO_SIGMA * Robust.mad(tmp, d, Robust.median(tmp, d, scratch), scratch)
            / Math.sqrt(2);
        if (noise == 0 && d >= 5) {
            // Most consecutive values equal (small counts: a 10-second series of 0.15 events per step is mostly 0), so
            // the MAD is 0 and the scale would fall to its floor, making the interval a point that no count ever falls
            // in (coverage 0 at 10 s). The mean absolute difference still sees the values move: sigma = E|diff| sqrt(pi) / 2
            // for independent normal values, / sqrt 2 as above.
            double sum = 0;
            for (int i = 0; i < d; i++) {
                sum += Math.abs(tmp[i]);
            }
            noise = sum / d * Math.sqrt(Math.PI) / 2 / Math.sqrt(2);
        }
        return new LevelScale(level, Math.max(Math.max(noise, REL_FLOOR * Math.abs(level)), 1e-9));
    }

    /**
     * Weekly factor at step c: how the same time j weeks ago (j = 1..3) differed from the daily profile at
     * that time of day, as the median over blocks of 11 steps in c +- 60 (and over weeks) of the ratio of
     * the block's mean to the daily profile at the block's centre (or of the difference, when a value is not
     * positive). Pools the daily shape over all days of the week and lets one week set only the level of its
     * day (weekday / weekend); the median over 11 blocks keeps an incident of up to 30 min in last week's
     * values out of the forecast. The median is shrunk towards no weekly factor by {@value #WEEK_SHRINK} of its
     * standard error (from the spread of the ratios): on a series without a weekly pattern the factor is the median of a
     * few noisy ratios, and applied as it is it adds their noise to every forecast (corpus, development seeds, 1-hour
     * steps: -0.01 x seasonal-naive on the kinds without a weekly pattern); a weekday / weekend difference is many
     * standard errors and kept. Where the window straddles a change of the kind of day (the midnight into or out of a
     * weekend) only the blocks on the target's side count ({@link #targetSide}). {@link Adjustment#NONE} without a week
     * of history.
     */
    Adjustment weekFactor(TieredHistory v, int c, int k) {
        int m = 0;
        boolean positive = true;
        // the daily profile at each block's time of day, the same for every week: computed once, when a week needs it
        Arrays.fill(blockProfile, Double.NaN);
        for (int j = 1; j <= WEEKS; j++) {
            for (int b = -blocks / 2; b <= blocks / 2; b++) {
                int centre = c - j * week + b * (2 * halfWidth + 1);
                if (centre - halfWidth < v.start() || centre + halfWidth > k) {
                    continue;
                }
                // a block mean of the coarse tier where last weeks are older than the fine tier (approximate
                // where the 11-step block does not align with the tier's blocks)
                double mean = v.mean(centre - halfWidth, centre + halfWidth);
                int bi = b + blocks / 2;
                if (Double.isNaN(blockProfile[bi])) {
                    blockProfile[bi] = daily.at(v, c + b * (2 * halfWidth + 1), k);
                }
                double d = blockProfile[bi];
                if (Double.isNaN(mean) || Double.isNaN(d)) {
                    continue;
                }
                positive &= mean > 0 && d > 0;
                blockSide[m] = Integer.signum(b);
                blockScratch[m] = mean;
                blockScratch2[m++] = d;
            }
        }
        if (m < blocks / 2) {
            return Adjustment.NONE;
        }
        for (int i = 0; i < m; i++) {
            blockScratch[i] = positive ? blockScratch[i] / blockScratch2[i] : blockScratch[i] - blockScratch2[i];
        }
        if (positive) {
            m = targetSide(m);
        }
        double median = Robust.median(blockScratch, m, scratch);
        double none = positive ? 1 : 0;
        double se = Robust.medianSe(Robust.mad(blockScratch, m, median, scratch), m);
        double z = median - none;
        double kept = z == 0 ? 0 : z * Math.max(0, 1 - WEEK_SHRINK * WEEK_SHRINK * se * se / (z * z));
        return new Adjustment(positive, none + kept);
    }

    /**
     * Keeps, of the weekly blocks' ratios {@code blockScratch[0..m)}, those on the target's side where the blocks before
     * the target and those after it are different kinds of day: their medians more than {@value #OTHER_DAY} of the larger
     * and more than 3 standard errors apart (the window of +-60 min straddles the midnight into or out of a weekend),
     * with the target's own blocks; the side is the one whose median is nearer the target's own blocks'. Returns how many
     * are kept (all where the sides agree, or a side or the target's blocks are missing). Without it the last minutes of
     * a Sunday were forecast at Monday's level once more than half the blocks lay on Monday (corpus, holidays at 5 min,
     * seed 1201: 80 too high); without the standard errors noisy ratios (lognormal latencies at 30 min, one value per
     * block) split by chance and the factor lost half its blocks (0.732 -> 0.742 x seasonal-naive).
     */
    private int targetSide(int m) {
        int nb = sideValues(m, -1);
        double before = Robust.median(sideScratch, nb, blockScratch2);
        double seB = nb == 0 ? Double.NaN : Robust.medianSe(Robust.mad(sideScratch, nb, before, blockScratch2), nb);
        int na = sideValues(m, 1);
        double after = Robust.median(sideScratch, na, blockScratch2);
        double seA = na == 0 ? Double.NaN : Robust.medianSe(Robust.mad(sideScratch, na, after, blockScratch2), na);
        double own = Robust.median(sideScratch, sideValues(m, 0), blockScratch2);
        if (Double.isNaN(before) || Double.isNaN(after) || Double.isNaN(own)
            || Math.abs(before - after) <= OTHER_DAY * Math.max(Math.abs(before), Math.abs(after))) {
            return m;
        }
        // standard error of the difference of the two medians
        if (Math.abs(before - after) <= 3 * Math.sqrt(seB * seB + seA * seA)) {
            return m;
        }
        int drop = Math.abs(before - own) <= Math.abs(after - own) ? 1 : -1;
        int kept = 0;
        for (int i = 0; i < m; i++) {
            if (blockSide[i] != drop) {
                blockScratch[kept++] = blockScratch[i]; // blockSide is not read again for these ratios
            }
        }
        return kept;
    }

    /** Copies the ratios of {@code blockScratch[0..m)} on one side ({@link #blockSide}) to {@code sideScratch}; their count. */
    private int sideValues(int m, int side) {
        int n = 0;
        for (int i = 0; i < m; i++) {
            if (blockSide[i] == side) {
                sideScratch[n++] = blockScratch[i];
            }
        }
        return n;
    }

    /**
     * The weekly factor to read the daily profile {@code d} at step {@code c} with, seen from origin {@code k} whose factor
     * is {@code wfK}: {@code wfK} unless the factor at {@code c} makes a profile more than {@value #OTHER_DAY} of it apart,
     * as on another kind of day. The daily profile at a step is read from the same time on the days before it, so it
     * changes where the days before change kind (on a 1-minute series with a weekend, a Tuesday evening's profile from the
     * 3 days before is the weekend's level, with a weekly factor of 1.6; Wednesday's first minutes have weekday days
     * before them and a factor of 1.0), and the factor that goes with it is that step's. Read with the origin's, a window
     * of Tuesday evening's values was 60 % above its profile and Wednesday's first forecasts 55 % too high (corpus,
     * HOLIDAYS, 1 min). Within a kind of day the origin's factor, the same one the target's forecast is read with
     * on a series without a weekly pattern: factors read at other steps add their noise (DRIFT, 1 min, 24 steps: +0.08 x
     * seasonal-naive with the factor of each window's centre everywhere).
     */
    Adjustment factorAt(TieredHistory v, int c, int k, Adjustment wfK, double d) {
        if (c == k || Double.isNaN(d)) {
            return wfK;
        }
        Adjustment wf = weekFactor(v, c, k);
        double here = wf.apply(d);
        double origin = wfK.apply(d);
        return Math.abs(here - origin) > OTHER_DAY * Math.max(Math.abs(here), Math.abs(origin)) ? wf : wfK;
    }

    /**
     * Median of the present values among the last {@code window} steps divided by the profile over the same
     * steps (profile = daily profile over the window's span times the weekly factor {@code wf} at the origin, or, for
     * the recent window, the one at its centre where that is another kind of day: {@link #factorAt}), or minus it when not
     * positive: the level of today relative to the profile. {@link Adjustment#NONE} when it cannot be computed.
     */
    Adjustment levelRatio(TieredHistory v, int k, int window, Adjustment wf) {
        return level(v, k, window, wf, false);
    }

    /**
     * Whether the last {@link #lastingDeviation} found a shift added to the profile: its differences' median absolute
     * residual below {@value #CLEARLY} of its ratios' (or values not all positive). Where the two fit about as well (a
     * window where the daily shape hardly moves, a day-long holiday at 0.6 of the level) it is not.
     */
    boolean clearlyAdded;
    /** See {@link #clearlyAdded}: 0.7, not 1 (corpus, development seeds 1-5, HOLIDAYS 30 min 24 ahead 0.817 at 1, 0.803). */
    static final double CLEARLY = 0.7;

    /** As {@link #levelRatio}, always as a difference. */
    Adjustment levelDifference(TieredHistory v, int k, int window, Adjustment wf) {
        return level(v, k, window, wf, true);
    }

    private Adjustment level(TieredHistory v, int k, int window, Adjustment wf, boolean difference) {
        int n = 0;
        for (int i = k; i >= 0 && i > k - window; i--) {
            if (!Double.isNaN(v.at(i))) {
                tmp[n++] = v.at(i);
            }
        }
        // The recent level (a median) is compared with the profile's medians of the same span on earlier days: a
        // mean of the profile would put a jump inside the span where the median of the values does not.
        double d = window == recent ? profile.sharpAt(v, k - window / 2, day, DAYS, window / 2, k)
            : profile.at(v, k - window / 2, day, DAYS, window / 2, k);
        if (2 * n < window || Double.isNaN(d)) {
            return Adjustment.NONE;
        }
        double level = Robust.median(tmp, n, scratch);
        // Only the recent window's profile (sharpAt, as the weekly factor's own daily profile) changes with the days
        // before it; the longer windows' (at, over every kept day) does not, and read with another day's factor it
        // was the worse fit (load generator, 2 h ahead: rates 21.7 -> 18.4 % better than seasonal-naive when calm).
        double p = (window == recent ? factorAt(v, k - window / 2, k, wf, d) : wf).apply(d);
        return !difference && p > 0 && level >= 0 ? new Adjustment(true, level / p) : new Adjustment(false, level - p);
    }

    /**
     * The level of the last {@code window} steps (at most {@value #LASTING_STEPS}) relative to the profile at each of
     * them (daily profile times the weekly factor at the origin, or at that step where the window's first step is another
     * kind of day: {@link #factorAt}), carried to a target whose profile is {@code pT}: the
     * median of the values' differences from the profile (a shift added to it) or of their ratios to it (a shift that
     * scales it), whichever leaves the smaller median absolute residual. The median of the values against the mean of
     * the profile over the window ({@link #levelRatio}) reads the daily shape inside the window as a level, and a ratio
     * alone turns an added shift into a fraction of itself at a trough. NaN when fewer than half the steps have a value
     * and a profile. Sets {@link #clearlyAdded}.
     */
    double lastingDeviation(TieredHistory v, int k, int window, Adjustment wf, double pT) {
        if (window > LASTING_STEPS) {
            throw new IllegalArgumentException("window " + window + " > " + LASTING_STEPS);
        }
        clearlyAdded = false;
        int n = 0;
        boolean positive = pT > 0;
        int first = Math.max(k - window + 1, v.start());
        double dFirst = daily.at(v, first, k);
        boolean otherDay = !Double.isNaN(dFirst) && factorAt(v, first, k, wf, dFirst) != wf; // wf itself: same kind
        for (int i = k; i > k - window && i >= v.start(); i--) {
            double x = v.at(i);
            double d = daily.at(v, i, k);
            if (Double.isNaN(x) || Double.isNaN(d)) {
                continue;
            }
            lastValues[n] = x;
            lastProfile[n] = (otherDay ? factorAt(v, i, k, wf, d) : wf).apply(d);
            positive &= lastValues[n] > 0 && lastProfile[n] > 0;
            n++;
        }
        if (2 * n < window) {
            return Double.NaN;
        }
        for (int i = 0; i < n; i++) {
            lastScratch[i] = lastValues[i] - lastProfile[i];
        }
        double add = Robust.median(lastScratch, n, lastScratch2);
        clearlyAdded = true;
        if (!positive) {
            return add;
        }
        for (int i = 0; i < n; i++) {
            lastScratch[i] = lastValues[i] / lastProfile[i];
        }
        double mul = Robust.median(lastScratch, n, lastScratch2);
        for (int i = 0; i < n; i++) {
            lastScratch[i] = Math.abs(lastValues[i] - lastProfile[i] - add);
        }
        double addSpread = Robust.median(lastScratch, n, lastScratch2);
        for (int i = 0; i < n; i++) {
            lastScratch[i] = Math.abs(lastValues[i] - lastProfile[i] * mul);
        }
        double mulSpread = Robust.median(lastScratch, n, lastScratch2);
        clearlyAdded = addSpread <= CLEARLY * mulSpread;
        return addSpread <= mulSpread ? add : (mul - 1) * pT;
    }
}
