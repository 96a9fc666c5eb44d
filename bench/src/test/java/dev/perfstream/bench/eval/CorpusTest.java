package dev.perfstream.bench.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.models.backtest.ForecastBacktest;
import org.junit.jupiter.api.Test;

class CorpusTest {
    private static final long HOUR = 3_600_000L;

    @Test
    void shouldLetTheOracleKnowALevelShiftOnlyOnceItHasBegun() {
        Corpus.Series s = Corpus.generate(Corpus.Kind.LEVEL_SHIFT, HOUR, 1, 63, false);
        int at = (int) (0.6 * s.values().length); // where the generator shifts the level by 30 (0.3 x its base)
        assertThat(s.oracle(at - 1, at + 5)).isCloseTo(s.shape()[at + 5], within(1e-9));
        assertThat(s.oracle(at, at + 5)).isCloseTo(s.shape()[at + 5] + 30, within(1e-9));
        assertThat(s.oracle(at + 10, at + 34)).isCloseTo(s.level()[at + 34], within(1e-9));
    }

    @Test
    void shouldLetTheOracleKnowAHolidayFromItsMidnightOnly() {
        Corpus.Series s = Corpus.generate(Corpus.Kind.HOLIDAYS, HOUR, 1, 63, false);
        int j = 0;
        while (s.level()[j] == s.shape()[j]) { // the first hour of the first holiday
            j++;
        }
        assertThat(j % 24).isZero();
        assertThat(s.level()[j + 12]).isCloseTo(0.6 * s.shape()[j + 12], within(1e-9));
        assertThat(s.oracle(j - 1, j + 12)).isEqualTo(s.shape()[j + 12]);
        assertThat(s.oracle(j, j + 12)).isEqualTo(s.level()[j + 12]);
    }

    @Test
    void shouldGiveTheOracleOfAPlainSineTheRatioOfNoiseAloneToTheNaivesDoubledNoise() {
        // y = level + e with sd 3: the oracle's error is e, yesterday's e1 - e0 (sd 3 sqrt 2): a ratio of 1 / sqrt 2.
        Corpus.Series s = Corpus.generate(Corpus.Kind.SINE, HOUR, 3, 63, false);
        int h = 24;
        int n = s.values().length;
        double[] y = new double[n - 7 * 24];
        double[] oracle = new double[y.length];
        double[] yesterday = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            int t = 7 * 24 + i;
            y[i] = s.values()[t];
            oracle[i] = s.oracle(t - h, t);
            yesterday[i] = s.values()[t - 24];
        }
        double ratio = ForecastBacktest.score("oracle", y, oracle, null, null).nrmse()
            / ForecastBacktest.score("yesterday", y, yesterday, null, null).nrmse();
        assertThat(ratio).isCloseTo(1 / Math.sqrt(2), within(0.04));
    }

    @Test
    void shouldGiveTheOracleTheMeanOfSkewedDraws() {
        Corpus.Series s = Corpus.generate(Corpus.Kind.LOGNORMAL, HOUR, 2, 63, false);
        double sum = 0;
        double oracle = 0;
        for (int t = 0; t < s.values().length; t++) {
            sum += s.values()[t];
            oracle += s.oracle(t, t);
        }
        assertThat(oracle / sum).isCloseTo(1, within(0.05)); // the median would be exp(-0.125) = 0.88 of it
        Corpus.Series b = Corpus.generate(Corpus.Kind.BURSTY, HOUR, 2, 63, false);
        assertThat(b.oracle(0, 1)).isEqualTo(22);
    }
}
