package dev.perfstream.models.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SeasonalLevelsTest {
    private static final long HOUR = 3_600_000L;

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
}
