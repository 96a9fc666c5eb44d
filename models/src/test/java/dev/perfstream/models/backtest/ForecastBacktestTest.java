package dev.perfstream.models.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ForecastBacktestTest {
    @Test
    void shouldBeatTheBestSeasonalNaiveAtFiveMinutesWithCalibratedIntervals() throws Exception {
        Random rnd = new Random(3);
        int n = 22 * 1440;
        double[] v = new double[n];
        long t0 = 1_767_571_200_000L; // a Monday
        for (int i = 0; i < n; i++) {
            double hour = (i % 1440) / 60.0;
            int dow = (i / 1440) % 7;
            double lam = 720 * (1 + 0.5 * Math.cos(2 * Math.PI * (hour - 14) / 24)) * (dow >= 5 ? 0.8 : 1.08);
            v[i] = Math.max(0, lam + Math.sqrt(lam) * rnd.nextGaussian()) / 60;
        }
        v[5000] = Double.NaN; // a gap
        List<ForecastBacktest.Scores> s = ForecastBacktest.run(v, t0, 60_000, 5, null);
        assertThat(s).extracting(ForecastBacktest.Scores::method)
            .containsExactly("perfstream", "seasonal-naive yesterday", "seasonal-naive last week");
        assertThat(s.get(0).n()).isGreaterThan(20_000);
        assertThat(s.get(0).nrmse()).isLessThan(Math.min(s.get(1).nrmse(), s.get(2).nrmse()));
        assertThat(s.get(0).coverage()).isBetween(0.85, 0.95);
    }

    @Test
    void shouldScoreNothingWhenTheHistoryIsShorterThanAWeek() throws Exception {
        double[] v = new double[3 * 1440];
        java.util.Arrays.fill(v, 5.0);
        assertThat(ForecastBacktest.run(v, 0, 60_000, 120, null).get(0).n()).isZero();
    }

    @Test
    void shouldDefineNmaeWithZerosAndParseDurationHorizons() {
        ForecastBacktest.Scores s = ForecastBacktest.score("x", new double[] {0, 2, 0, 2}, new double[] {1, 1, 1, 1}, null, null);
        assertThat(s.nmae()).isEqualTo(1.0); // MAE 1 over mean |actual| 1
        assertThat(s.nrmse()).isEqualTo(1.0);
        assertThat(BacktestForecastCommand.parseHorizon("30m", 60_000)).isEqualTo(30);
        assertThat(BacktestForecastCommand.parseHorizon("2h", 300_000)).isEqualTo(24);
        assertThat(BacktestForecastCommand.parseHorizon("7", 60_000)).isEqualTo(7);
    }
}
