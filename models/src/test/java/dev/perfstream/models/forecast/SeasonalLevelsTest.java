package dev.perfstream.models.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SeasonalLevelsTest {
    private static final long HOUR = 3_600_000L;
    /** Four weeks of hourly steps: the daily profile's 21 days and the weekly factor's 3 weeks behind a day's targets. */
    private static final int FOUR_WEEKS = 28 * 24;

    /** Hourly sine around 100 (+-40), noise 3, from {@code shift} on the sine times {@code factor} plus {@code add}. */
    private static double[] sine(int n, int shift, double factor, double add, long seed) {
        Random rnd = new Random(seed);
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            double p = 100 + 40 * Math.sin(2 * Math.PI * k / 24.0);
            v[k] = (k >= shift ? factor * p + add : p) + 3 * rnd.nextGaussian();
        }
        return v;
    }

    /**
     * A +30 shift on an hourly sine, 12-17 h after it (the whole 12-step window shifted): the lasting level, measured
     * against the profile at each step, reads the +30 at any time of day. The median of the window against the mean of the
     * profile over it read far less at the troughs (its ratio applied to the trough's profile).
     */
    @Test
    void shouldReadAnAddedShiftWholeAtAnyTimeOfDay() {
        int shift = 28 * 24 + 4; // origins at 16-21 h, around the trough (18 h)
        TieredHistory v = TieredHistory.of(sine(shift + 18, shift, 1, 30, 9));
        SeasonalLevels levels = new SeasonalLevels(24, HOUR);
        double lowestWindowRatio = Double.MAX_VALUE;
        for (int k = shift + 12; k <= shift + 17; k++) {
            double pT = levels.daily.at(v, k + 24, k);
            assertThat(levels.lastingDeviation(v, k, levels.longest, Adjustment.NONE, pT)).as("origin %d", k)
                .isBetween(24.0, 36.0);
            assertThat(levels.clearlyAdded).as("origin %d: a difference fits clearly better", k).isTrue();
            lowestWindowRatio = Math.min(lowestWindowRatio,
                levels.levelRatio(v, k, levels.longest, Adjustment.NONE).apply(pT) - pT);
        }
        assertThat(lowestWindowRatio).as("the window's median against the profile's mean").isLessThan(20.0);
    }

    /** A day at 0.6 times the sine: read as a ratio, carried to the target as 0.4 of its profile. */
    @Test
    void shouldReadAScaledLevelAsARatio() {
        int shift = 28 * 24 + 2;
        TieredHistory v = TieredHistory.of(sine(shift + 18, shift, 0.6, 0, 5));
        SeasonalLevels levels = new SeasonalLevels(6, HOUR);
        for (int k = shift + 12; k <= shift + 17; k++) {
            double pT = levels.daily.at(v, k + 6, k);
            assertThat(levels.lastingDeviation(v, k, levels.longest, Adjustment.NONE, pT) / pT).as("origin %d", k)
                .isBetween(-0.45, -0.35);
            assertThat(levels.clearlyAdded).as("origin %d", k).isFalse();
        }
    }

    /** Fewer than half the window's steps with a value: no lasting level. */
    @Test
    void shouldNotReadALevelFromAMostlyMissingWindow() {
        int n = 28 * 24 + 12;
        double[] raw = sine(n, n, 1, 0, 3);
        for (int k = n - 12; k < n - 2; k++) {
            raw[k] = Double.NaN;
        }
        TieredHistory v = TieredHistory.of(raw);
        SeasonalLevels levels = new SeasonalLevels(24, HOUR);
        assertThat(levels.lastingDeviation(v, n - 1, levels.longest, Adjustment.NONE, 100)).isNaN();
    }

    /**
     * Four weeks of an hourly sine with noise 3: the daily profile a day ahead is within 1.0 RMS of the noise-free sine
     * over a day of targets. With the median of 7 days (one value each at 1-hour steps) it was about 1.4: the profile's
     * own noise, which every forecast at this step adds to the noise of the value it forecasts.
     */
    @Test
    void shouldKeepTheDailyProfilesNoiseWellBelowTheValues() {
        TieredHistory v = TieredHistory.of(sine(FOUR_WEEKS, FOUR_WEEKS, 1, 0, 11));
        SeasonalLevels levels = new SeasonalLevels(24, HOUR);
        double sq = 0;
        for (int k = FOUR_WEEKS - 24; k < FOUR_WEEKS; k++) {
            double err = levels.daily.at(v, k + 24, k) - (100 + 40 * Math.sin(2 * Math.PI * (k + 24) / 24.0));
            sq += err * err;
        }
        assertThat(Math.sqrt(sq / 24)).isLessThan(1.0);
    }

    /**
     * The same sine has no weekly pattern: the weekly factor (the median of 15 noisy ratios at 1-hour steps) is shrunk to
     * none at most targets of a week, instead of adding its noise to every forecast.
     */
    @Test
    void shouldShrinkAWeeklyFactorThatIsOnlyNoise() {
        TieredHistory v = TieredHistory.of(sine(FOUR_WEEKS, FOUR_WEEKS, 1, 0, 13));
        SeasonalLevels levels = new SeasonalLevels(24, HOUR);
        int none = 0;
        for (int k = FOUR_WEEKS - 7 * 24; k < FOUR_WEEKS; k++) {
            Adjustment wf = levels.weekFactor(v, k + 24, k);
            assertThat(wf.multiplicative()).isTrue();
            if (wf.value() == 1.0) {
                none++;
            }
        }
        assertThat(none).as("targets of 168 with no weekly factor").isGreaterThan(140);
    }

    /** Weekend days at 0.6 of the sine: the weekly factor at a weekend target is kept, about 0.6. */
    @Test
    void shouldKeepAWeekendFactor() {
        double[] raw = sine(FOUR_WEEKS, FOUR_WEEKS, 1, 0, 17);
        for (int k = 0; k < FOUR_WEEKS; k++) {
            if (k / 24 % 7 >= 5) {
                raw[k] = 0.6 * raw[k];
            }
        }
        TieredHistory v = TieredHistory.of(raw);
        SeasonalLevels levels = new SeasonalLevels(24, HOUR);
        int saturdayNoon = 26 * 24 + 12;
        Adjustment wf = levels.weekFactor(v, saturdayNoon, saturdayNoon - 24);
        double weekend = wf.apply(levels.daily.at(v, saturdayNoon, saturdayNoon - 24));
        assertThat(weekend / (0.6 * 100)).isBetween(0.93, 1.07);
    }

    /**
     * Three days at 100 with noise 3, one with an incident of +1000 at the target's time: the profile of 3 days (what a
     * 1-minute series keeps at full resolution) is their median, within the noise of 100. Their Hodges-Lehmann location
     * would be moved by a quarter of the incident.
     */
    @Test
    void shouldKeepOneDaysIncidentOutOfAProfileOfThreeDays() {
        Random rnd = new Random(19);
        double[] raw = new double[3 * 24 + 6];
        for (int k = 0; k < raw.length; k++) {
            raw[k] = 100 + 3 * rnd.nextGaussian();
        }
        raw[24 + 12] += 1000;
        TieredHistory v = TieredHistory.of(raw);
        double p = new SeasonalProfile(3).at(v, 3 * 24 + 12, 24, 3, 0, raw.length - 1);
        assertThat(p).isBetween(90.0, 110.0);
    }

    /**
     * A 5-minute sine (peak at midnight) whose weekends are at 0.6 of it, switching at midnight, three weeks: the weekly
     * factor of a Sunday's last 20 minutes, whose +-60-minute window lies more than half on Monday, is Sunday's (0.6), and
     * Monday's first minutes get Monday's (1.01). Before the window took the target's side it read 0.76, 1.0, 1.0, 1.0
     * there: the forecast of a Sunday's last minutes was at a weekday's level (corpus, holidays at 5 min: 55-80 too high).
     */
    @Test
    void shouldTakeTheWeeklyFactorOfTheTargetsDayWhereItsWindowStraddlesMidnight() {
        long step = 300_000L;
        int day = 288;
        Random rnd = new Random(3);
        double[] x = new double[21 * day + 12];
        for (int k = 0; k < x.length; k++) {
            int dow = k / day % 7; // 0 = Monday
            x[k] = (dow >= 5 ? 0.6 : 1.0) * (100 + 50 * Math.cos(2 * Math.PI * k / day)) + 2 * rnd.nextGaussian();
        }
        TieredHistory v = TieredHistory.of(x);
        SeasonalLevels levels = new SeasonalLevels(1, step);
        int monday = 21 * day; // the fourth Monday, 00:00
        int origin = monday - 13;
        for (int c = monday - 4; c < monday; c++) {
            assertThat(levels.weekFactor(v, c, origin).apply(1.0)).as("Sunday, %d steps before midnight", monday - c)
                .isBetween(0.55, 0.65);
        }
        for (int c = monday; c < monday + 4; c++) {
            assertThat(levels.weekFactor(v, c, origin).apply(1.0)).as("Monday, %d steps after midnight", c - monday)
                .isBetween(0.9, 1.1);
        }
    }
}
