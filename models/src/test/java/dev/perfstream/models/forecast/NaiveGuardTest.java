package dev.perfstream.models.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NaiveGuardTest {
    private static final int DAY = 288; // a 5-minute step

    /**
     * Outcomes of a series of independent noise (sd 1) around 100: the model errs by its own noise {@code modelSd}
     * plus a bias; yesterday's naive forecast is yesterday's value (the actual's noise twice), last week's the
     * same with {@code weekSd} of extra noise.
     */
    private static NaiveGuard feed(int n, double modelSd, double bias, double weekSd, long seed) {
        NaiveGuard g = new NaiveGuard(DAY);
        Random rnd = new Random(seed);
        for (int i = 0; i < n; i++) {
            double y = 100 + rnd.nextGaussian();
            double model = 100 + bias + modelSd * rnd.nextGaussian();
            double yesterday = 100 + rnd.nextGaussian();
            double lastWeek = 100 + rnd.nextGaussian() + weekSd * rnd.nextGaussian();
            g.outcome(y, model, yesterday, lastWeek, Double.NaN);
        }
        return g;
    }

    /**
     * Outcomes of independent noise (sd 1) around 100 with a model 5 too high (plus noise 1) and naive forecasts of 100 plus
     * noise of the given sd: yesterday's, last week's and the last value (NaN sd: missing).
     */
    private static NaiveGuard biasedModel(int n, long seed, double yesterdaySd, double weekSd, double lastSd) {
        NaiveGuard g = new NaiveGuard(DAY);
        Random rnd = new Random(seed);
        for (int i = 0; i < n; i++) {
            double y = 100 + rnd.nextGaussian();
            double model = 105 + rnd.nextGaussian();
            double yesterday = 100 + yesterdaySd * rnd.nextGaussian();
            double week = Double.isNaN(weekSd) ? Double.NaN : 100 + weekSd * rnd.nextGaussian();
            double last = Double.isNaN(lastSd) ? Double.NaN : 100 + lastSd * rnd.nextGaussian();
            g.outcome(y, model, yesterday, week, last);
        }
        return g;
    }

    @Test
    void shouldIssueTheModelAloneWhileItIsClearlyBetter() {
        // model error: the actual's noise (1) + 0.3; naive error: the noise twice. Optimal weight 1 / (1 + 0.09) = 0.92.
        NaiveGuard g = feed(5 * DAY, 0.3, 0, 0, 1);
        assertThat(g.modelWeight()).isBetween(0.8, 1.0);
    }

    @Test
    void shouldIssueTheNaiveForecastWhileTheModelIsBiased() {
        // model error var 1 + 16 + 0.09, naive 2, shared 1: optimal weight 1 / 17.09 = 0.059
        NaiveGuard g = feed(5 * DAY, 0.3, 4, 1, 2);
        assertThat(g.modelWeight()).isBetween(0.02, 0.1);
        assertThat(g.naive()).isEqualTo(NaiveGuard.SAME_TIME_YESTERDAY);
    }

    @Test
    void shouldBlendWhenTheModelIsAsGoodAsTheNaiveForecast() {
        // model error var 1 + 1 (independent of the naive's extra noise): the blend's optimum is 1/2
        NaiveGuard g = feed(20 * DAY, 1, 0, 0, 3);
        assertThat(g.modelWeight()).isBetween(0.3, 0.7);
    }

    @Test
    void shouldBlendWithLastWeekWhenItErrsLess() {
        // yesterday errs with sd 3, last week with the actual's noise only, the model is 5 too high
        NaiveGuard g = biasedModel(5 * DAY, 4, 3, 1, Double.NaN);
        assertThat(g.naive()).isEqualTo(NaiveGuard.SAME_TIME_LAST_WEEK);
        assertThat(g.modelWeight()).isLessThan(0.1);
    }

    @Test
    void shouldKeepYesterdayWhenLastWeekIsOnlyALittleBetter() {
        // yesterday errs with the actual's noise twice (variance 2), last week with 1 + 0.81: 0.9 of yesterday's, above
        // the 0.8 that last week's must be below; the model is 5 too high, so the naive forecast gets the weight
        NaiveGuard g = biasedModel(20 * DAY, 9, 1, 0.9, Double.NaN);
        assertThat(g.naive()).isEqualTo(NaiveGuard.SAME_TIME_YESTERDAY);
        assertThat(g.modelWeight()).isLessThan(0.1);
    }

    @Test
    void shouldIssueTheModelUntilYesterdayHasFiftyOutcomes() {
        NaiveGuard g = feed(49, 0.3, 10, 0, 5);
        assertThat(g.modelWeight()).isEqualTo(1.0);
        g.outcome(100, 110, 100, Double.NaN, Double.NaN);
        assertThat(g.modelWeight()).isLessThan(0.1);
    }

    @Test
    void shouldNotCountABurstAgainstTheModelThatLastWeekWasNotScoredOn() {
        // Independent counts: the model errs by the actual's noise, the naive forecasts by it twice. A burst of +1000 in
        // the first week: every method errs by it, yesterday's again a day later; last week's values do not exist yet.
        // Once they do, last week's forecast has not erred by the burst, and must not look 1000^2 / 48 better than the
        // model for it (it did: the guard issued last week's value, which a week after the burst is the burst).
        NaiveGuard g = new NaiveGuard(24);
        Random rnd = new Random(8);
        for (int i = 0; i < 168 + 60; i++) {
            double burst = i == 100 ? 1000 : 0;
            double echo = i == 124 ? 1000 : 0;
            double y = 20 + rnd.nextGaussian() + burst;
            g.outcome(y, 20, 20 + rnd.nextGaussian() + echo, i < 168 ? Double.NaN : 20 + rnd.nextGaussian(), Double.NaN);
        }
        assertThat(g.modelWeight()).isGreaterThan(0.8);
    }

    /**
     * A noise-free series that holds its level and steps by 10 every 200 outcomes, forecast 6 steps ahead at a 1-hour
     * step: the last value errs only on the 6 outcomes across a step, yesterday's value on the 24 after it, and the model
     * (a profile that lags the level) is 3 off throughout. The guard blends the last value in, and what it issues errs
     * less than when it could blend yesterday's only (the last value missing).
     */
    @Test
    void shouldBlendWithTheLastValueWhereItIsClearlyBetter() {
        double withLast = issuedError(true);
        double yesterdayOnly = issuedError(false);
        assertThat(withLast).isLessThan(0.7 * yesterdayOnly); // 0.69 against 1.57 (the last value alone: 0.3)
    }

    /**
     * Mean absolute error of the issued forecasts over the last 500 outcomes of
     * {@link #shouldBlendWithTheLastValueWhereItIsClearlyBetter}.
     */
    private static double issuedError(boolean lastKnown) {
        NaiveGuard g = new NaiveGuard(24);
        double[] y = new double[1001];
        for (int t = 0; t < y.length; t++) {
            y[t] = 100 + 10 * (t / 200);
        }
        double sum = 0;
        for (int t = 24; t < y.length - 1; t++) {
            g.outcome(y[t], y[t] - 3, y[t - 24], Double.NaN, lastKnown ? y[t - 6] : Double.NaN);
            if (t >= 500) { // the forecasts of outcome t + 1, issued with the guard as it is now
                double naive = g.naive() == NaiveGuard.LAST_VALUE ? y[t + 1 - 6] : y[t + 1 - 24];
                double w = g.modelWeight();
                sum += Math.abs(w * (y[t + 1] - 3) + (1 - w) * naive - y[t + 1]);
            }
        }
        if (lastKnown) {
            assertThat(g.naive()).isEqualTo(NaiveGuard.LAST_VALUE);
        }
        return sum / (y.length - 1 - 500);
    }

    @Test
    void shouldKeepTheSeasonalNaiveWhereTheLastValueIsNoBetter() {
        // independent noise: the last value errs as yesterday's does (the actual's noise twice)
        NaiveGuard g = biasedModel(10 * DAY, 11, 1, Double.NaN, 1);
        assertThat(g.naive()).isEqualTo(NaiveGuard.SAME_TIME_YESTERDAY);
    }

    @Test
    void shouldRoundTripItsState() throws Exception {
        NaiveGuard g = feed(3 * DAY, 1, 0.5, 0.5, 6);
        for (int i = 0; i < 60; i++) {
            g.outcome(100, 101, 104, Double.NaN, 100.5); // the last value wins
        }
        assertThat(g.naive()).isEqualTo(NaiveGuard.LAST_VALUE);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        g.write(new DataOutputStream(b));
        NaiveGuard r = new NaiveGuard(DAY);
        r.read(new DataInputStream(new ByteArrayInputStream(b.toByteArray())), 7);
        assertThat(r.modelWeight()).isEqualTo(g.modelWeight());
        assertThat(r.naive()).isEqualTo(g.naive());
        g.outcome(101, 99, 100, 102, 100.5);
        r.outcome(101, 99, 100, 102, 100.5);
        assertThat(r.modelWeight()).isEqualTo(g.modelWeight());
        assertThat(r.naive()).isEqualTo(g.naive());
    }

    /** A guard of state format 6 has no last-value errors: it reads, and compares the last value afresh. */
    @Test
    void shouldReadTheGuardOfFormat6() throws Exception {
        NaiveGuard g = feed(3 * DAY, 1, 0.5, 0.5, 6);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        g.write(new DataOutputStream(b));
        byte[] format6 = java.util.Arrays.copyOf(b.toByteArray(), b.size() - 8 - 8 - 4); // without ll, ml, nLast
        NaiveGuard r = new NaiveGuard(DAY);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(format6));
        r.read(in, 6);
        assertThat(in.available()).isZero();
        assertThat(r.modelWeight()).isEqualTo(g.modelWeight());
        for (int i = 0; i < 49; i++) {
            r.outcome(100, 101, 104, Double.NaN, 100.5);
        }
        assertThat(r.naive()).isNotEqualTo(NaiveGuard.LAST_VALUE); // 49 outcomes of the last value: not compared yet
        r.outcome(100, 101, 104, Double.NaN, 100.5);
        assertThat(r.naive()).isEqualTo(NaiveGuard.LAST_VALUE);
    }
}
