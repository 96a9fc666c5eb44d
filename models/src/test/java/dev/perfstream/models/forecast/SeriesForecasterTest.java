package dev.perfstream.models.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SeriesForecasterTest {
    private static final long MIN = 60_000L;
    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00Z

    private static double[] series(int n, long seed) {
        Random rnd = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 100 + 20 * Math.sin(2 * Math.PI * i / 180.0) + 2 * rnd.nextGaussian();
        }
        return v;
    }

    @Test
    void shouldGiveTheBacktestsForecastsEvenThroughAStateRoundTripAfterEveryValue() {
        int n = 700;
        int h = 5;
        double[] v = series(n, 1);
        TieredHistory hist = TieredHistory.of(v); // the forecaster reads only steps up to its origin
        HorizonForecaster direct = new HorizonForecaster(h, MIN, 100, 400);
        HorizonForecaster.Forecast[] pending = new HorizonForecaster.Forecast[h + 1];
        SeriesForecaster streaming = new SeriesForecaster(MIN, new int[] {h}, 1000, 100, 400);
        int trainedAt = -1;
        for (int k = 0; k < n; k++) {
            if (k - h >= 0) {
                direct.outcome(hist, k - h, T0, pending[(k - h) % (h + 1)]);
            }
            HorizonForecaster.Forecast want = direct.forecast(hist, k, T0);
            pending[k % (h + 1)] = want;
            List<SeriesForecaster.Point> got = streaming.observe(T0 + k * MIN, v[k], (hh, m) -> "test-v1");
            streaming = SeriesForecaster.decode(streaming.encode(), new SeriesForecaster(MIN, new int[] {h}, 1000, 100, 400));
            assertThat(got).hasSize(1);
            assertThat(got.get(0).predicted()).isEqualTo(want.predicted());
            assertThat(got.get(0).lower()).isEqualTo(want.lower());
            assertThat(got.get(0).upper()).isEqualTo(want.upper());
            if (trainedAt < 0 && got.get(0).modelVersion().equals("test-v1")) {
                trainedAt = k;
            }
        }
        assertThat(trainedAt).isBetween(200 + h, 400);
    }

    @Test
    void shouldIgnoreDuplicatesAndOutOfOrderValuesAndBridgeGapsAndNaN() {
        SeriesForecaster f = new SeriesForecaster(MIN, new int[] {5, 30}, 300, 100, 400);
        double[] v = series(1000, 2);
        for (int k = 0; k < 1000; k++) {
            if (k % 97 == 0) {
                continue; // gap
            }
            List<SeriesForecaster.Point> p = f.observe(T0 + k * MIN, k % 53 == 0 ? Double.NaN : v[k], (h, m) -> "v");
            assertThat(p).hasSize(2).allSatisfy(x -> {
                assertThat(x.predicted()).isFinite();
                assertThat(x.lower()).isLessThan(x.upper());
            });
            assertThat(f.observe(T0 + k * MIN, 1e9, null)).isEmpty(); // duplicate
            assertThat(f.observe(T0 + (k - 3) * MIN, 1e9, null)).isEmpty(); // out of order
        }
        // After a gap longer than the history, it starts over from the new value.
        List<SeriesForecaster.Point> after = f.observe(T0 + 5000 * MIN, 50, null);
        assertThat(after).hasSize(2);
        assertThat(after.get(0).predicted()).isBetween(45.0, 55.0); // the level of the one value, times the model's z
        assertThat(f.last()).isEqualTo(50.0);
    }

    @Test
    void shouldFindASignificantTrendOnARampOnly() {
        SeriesForecaster f = new SeriesForecaster(MIN, new int[] {5}, 100, 100, 400);
        Random rnd = new Random(3);
        for (int k = 0; k < 30; k++) {
            f.observe(T0 + k * MIN, 20 + rnd.nextGaussian() * 0.2, null);
        }
        assertThat(f.trend().t()).isLessThan(4);
        for (int k = 30; k < 50; k++) {
            f.observe(T0 + k * MIN, 20 + 0.5 * (k - 30) + rnd.nextGaussian() * 0.2, null);
        }
        SeriesForecaster.Trend t = f.trend();
        assertThat(t.slope()).isBetween(0.4, 0.6);
        assertThat(t.t()).isGreaterThan(10);
        assertThat(t.fitted()).isBetween(28.0, 31.0);
    }

    @Test
    void shouldRefuseStateWrittenForOtherHorizons() {
        SeriesForecaster a = new SeriesForecaster(MIN, new int[] {5}, 100, 100, 400);
        a.observe(T0, 1, null);
        assertThatThrownBy(() -> SeriesForecaster.decode(a.encode(), new SeriesForecaster(MIN, new int[] {30}, 100, 100, 400)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("horizons");
        assertThatThrownBy(() -> SeriesForecaster.decode(new byte[] {1, 2}, new SeriesForecaster(MIN, new int[] {5}, 100, 100, 400)))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldGiveTheLiveForecastsThroughAStateRoundTripWithATieredHistory() {
        SeriesForecaster.Tiers tiers = new SeriesForecaster.Tiers(700, 2000, 5);
        SeriesForecaster live = new SeriesForecaster(MIN, new int[] {5, 30}, tiers, 300, 400);
        SeriesForecaster decoded = new SeriesForecaster(MIN, new int[] {5, 30}, tiers, 300, 400);
        double[] v = series(3300, 4);
        int trained = 0;
        for (int k = 0; k < v.length; k++) {
            if (k % 131 == 0) {
                continue; // a gap
            }
            double x = k % 89 == 0 ? Double.NaN : v[k];
            List<SeriesForecaster.Point> want = live.observe(T0 + k * MIN, x, (h, m) -> "live");
            List<SeriesForecaster.Point> got = decoded.observe(T0 + k * MIN, x, (h, m) -> "live");
            byte[] state = decoded.encode();
            decoded = SeriesForecaster.decode(state, new SeriesForecaster(MIN, new int[] {5, 30}, tiers, 300, 400));
            assertThat(decoded.encode()).isEqualTo(state);
            assertThat(got).isEqualTo(want);
            if (!want.isEmpty() && want.get(0).modelVersion().equals("live")) {
                trained++;
            }
        }
        assertThat(trained).as("forecasts made with a trained model").isGreaterThan(1000);
        // 700 to 704 fine values as float, (2000 - 700) / 5 blocks as float + count, per horizon 1000 errors as
        // float and the pending forecasts (6 + 31) as int + two doubles (issued, model's), weights, guard and headers
        assertThat(live.encode().length).isBetween(4 * 700 + 5 * 260 + 2 * 4 * 1000 + 20 * 37, 13_500);
    }

    @Test
    void shouldForecastWithAHorizonLongerThanTheHistoryAndASeriesShorterThanAWeek() {
        SeriesForecaster tiny = new SeriesForecaster(MIN, new int[] {120}, new SeriesForecaster.Tiers(60, 100, 5), 1440, 4000);
        SeriesForecaster dflt = new SeriesForecaster(MIN, new int[] {5, 30, 120},
            SeriesForecaster.Tiers.needed(MIN, 120, 4000, 600_000L), 1440, 4000);
        double[] v = series(3 * 1440, 5);
        List<SeriesForecaster.Point> last = List.of();
        for (int k = 0; k < v.length; k++) {
            List<SeriesForecaster.Point> p = tiny.observe(T0 + k * MIN, v[k], null);
            assertThat(p).hasSize(1);
            assertThat(p.get(0).predicted()).isFinite();
            last = dflt.observe(T0 + k * MIN, v[k], (h, m) -> "m");
        }
        assertThat(last).hasSize(3).allSatisfy(p -> {
            assertThat(p.predicted()).isBetween(70.0, 130.0);
            assertThat(p.lower()).isLessThan(p.upper());
            assertThat(p.modelVersion()).isEqualTo("m"); // trained on the days it has (no weekly factor yet)
        });
    }

    /**
     * A weekly pattern (weekends at half the weekday level): the default configuration keeps 3 weeks (as
     * block means) and forecasts the second Saturday from the first; 2 days of history (the default until
     * format 3) see only Thursday and Friday and forecast weekday levels 2 h ahead.
     */
    @Test
    void shouldForecastAWeekendDipThatTwoDaysOfHistoryMiss() {
        long monday = 1_767_571_200_000L; // 2026-01-05T00:00Z
        SeriesForecaster dflt = new SeriesForecaster(MIN, new int[] {120},
            SeriesForecaster.Tiers.needed(MIN, 120, 4000, 600_000L), 1440, 4000);
        SeriesForecaster twoDays = new SeriesForecaster(MIN, new int[] {120}, 2880, 1440, 4000);
        Random rnd = new Random(6);
        int days = 13; // Monday .. the second Saturday
        double[] v = new double[days * 1440];
        for (int k = 0; k < v.length; k++) {
            int day = k / 1440;
            double level = day % 7 >= 5 ? 0.5 : 1.0;
            v[k] = level * (100 + 50 * Math.sin(2 * Math.PI * (k % 1440) / 1440.0)) * (1 + 0.03 * rnd.nextGaussian());
        }
        double errDefault = 0;
        double errTwoDays = 0;
        double sum = 0;
        int m = 0;
        for (int k = 0; k < v.length; k++) {
            List<SeriesForecaster.Point> a = dflt.observe(monday + k * MIN, v[k], null);
            List<SeriesForecaster.Point> b = twoDays.observe(monday + k * MIN, v[k], null);
            int target = k + 120;
            if (target >= 12 * 1440 + 240 && target < v.length) { // Saturday from 04:00, 2 h ahead
                errDefault += Math.abs(a.get(0).predicted() - v[target]);
                errTwoDays += Math.abs(b.get(0).predicted() - v[target]);
                sum += v[target];
                m++;
            }
        }
        assertThat(m).isGreaterThan(1000);
        assertThat(errDefault / sum).as("relative MAE, default history").isLessThan(0.05);
        // Two days miss the weekend: the model forecasts weekday levels; the guard's last value (Saturday's own level,
        // 2 h old) halves the miss once it is compared (0.14; 0.33 with the seasonal-naive forecasts alone; default
        // history 0.024).
        assertThat(errTwoDays / sum).as("relative MAE, 2 days of history").isGreaterThan(0.1);
    }

    /**
     * An hourly series (daily sine, noise sd 3) whose level moves up by 30 and stays, mid-day after four weeks: 14 hours
     * later the model's own forecast a day ahead carries about two thirds of it: 19.1 with the lasting level decaying
     * over 3 horizons, 16.1 over 2 (it kept exp(-2) = 14 % while the lasting level decayed over 12 steps at every
     * horizon; "same time yesterday" carries it all).
     */
    @Test
    void shouldCarryALevelThatMovedAndStayedToADayAhead() {
        long hour = 3_600_000L;
        int h = 24;
        int shift = 28 * 24 + 10;
        int origin = shift + 14;
        Random rnd = new Random(9);
        double[] v = new double[origin + h + 1];
        for (int k = 0; k < v.length; k++) {
            v[k] = 100 + 40 * Math.sin(2 * Math.PI * k / 24.0) + (k >= shift ? 30 : 0) + 3 * rnd.nextGaussian();
        }
        TieredHistory hist = TieredHistory.of(v); // the forecaster reads only steps up to its origin
        HorizonForecaster f = new HorizonForecaster(h, hour, 24, 500);
        HorizonForecaster.Forecast[] pending = new HorizonForecaster.Forecast[h + 1];
        for (int k = 0; k <= origin; k++) {
            if (k - h >= 0) {
                f.outcome(hist, k - h, T0, pending[(k - h) % (h + 1)]);
            }
            pending[k % (h + 1)] = f.forecast(hist, k, T0);
        }
        double old = 100 + 40 * Math.sin(2 * Math.PI * (origin + h) / 24.0);
        assertThat(pending[origin % (h + 1)].model() - old).as("shift carried a day ahead, of 30").isBetween(17.5, 36.0);
    }

    /**
     * An hourly daily sine that moves up by 30 and stays: two weeks later the weekly factor's weeks take the new level
     * (its median over the last 3 weeks), a day earlier at the target than at the origin. The lasting level, measured at
     * the origin against the profile that does not have the shift yet, is handed over to the target's profile that has
     * it, instead of adding the shift a second time.
     */
    @Test
    void shouldNotAddAShiftAgainWhenTheTargetsProfileHasTakenIt() {
        long hour = 3_600_000L;
        int h = 24;
        int shift = 28 * 24 + 10;
        int from = shift + 13 * 24;
        int to = shift + 15 * 24;
        Random rnd = new Random(9);
        double[] v = new double[to + h + 1];
        for (int k = 0; k < v.length; k++) {
            v[k] = 100 + 40 * Math.sin(2 * Math.PI * k / 24.0) + (k >= shift ? 30 : 0) + 3 * rnd.nextGaussian();
        }
        TieredHistory hist = TieredHistory.of(v);
        HorizonForecaster f = new HorizonForecaster(h, hour, 24, 500);
        HorizonForecaster.Forecast[] pending = new HorizonForecaster.Forecast[h + 1];
        double worst = 0;
        for (int k = 0; k <= to; k++) {
            if (k - h >= 0) {
                f.outcome(hist, k - h, T0, pending[(k - h) % (h + 1)]);
            }
            pending[k % (h + 1)] = f.forecast(hist, k, T0);
            if (k >= from) {
                double truth = 130 + 40 * Math.sin(2 * Math.PI * (k + h) / 24.0);
                worst = Math.max(worst, pending[k % (h + 1)].model() - truth);
            }
        }
        // without the hand-over the lasting level and the correction add the shift again: 34.8; with it 16.4 (the
        // correction's part, learned while the profile lagged, stays until the next retraining)
        assertThat(worst).as("largest overshoot of the model a day ahead, two weeks after a +30 shift").isLessThan(25.0);
    }

    /**
     * An hourly daily sine whose days 5 and 6 of every week are at 0.6 of it (a weekend): in the first week the model has
     * no weekly factor and yesterday's value beats it on the weekend, so the guard prefers yesterday's value. The first
     * weekday after the weekend (day 7, the first with last week's values) is forecast a day ahead from day 6: issued is
     * the model's forecast (it has the weekly factor now), not day 6's weekend level, and the model does not carry day 6's
     * deviation from the profile (its kind of day, which day 6 has no week to tell) into day 7.
     */
    @Test
    void shouldNotForecastTheFirstWeekdayAfterTheWeekendFromTheWeekend() {
        long hour = 3_600_000L;
        int h = 24;
        Random rnd = new Random(4);
        double[] v = new double[8 * 24];
        double[] weekday = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            weekday[k] = 100 * (1 + 0.5 * Math.sin(2 * Math.PI * k / 24.0));
            v[k] = weekday[k] * (k / 24 % 7 >= 5 ? 0.6 : 1) + 3 * rnd.nextGaussian();
        }
        TieredHistory hist = TieredHistory.of(v);
        HorizonForecaster f = new HorizonForecaster(h, hour, 24, 500);
        HorizonForecaster.Forecast[] pending = new HorizonForecaster.Forecast[h + 1];
        double err = 0;
        for (int k = 0; k < 7 * 24; k++) {
            if (k - h >= 0) {
                f.outcome(hist, k - h, T0, pending[(k - h) % (h + 1)]);
            }
            pending[k % (h + 1)] = f.forecast(hist, k, T0);
            if (k >= 6 * 24) {
                err += Math.abs(pending[k % (h + 1)].predicted() - weekday[k + h]) / 24;
            }
        }
        // the weekend's level is off by 0.4 of the weekday's (40 on average); yesterday's value blended in as the guard
        // weighs it: 41.2; the model alone carrying day 6's deviation from the profile as a lasting level: 30.4; carrying
        // none from an origin without a weekly factor to a target with one: 9.7
        assertThat(err).as("mean absolute error of the forecasts of day 7 made on day 6").isLessThan(15.0);
    }

    @Test
    void shouldRefuseStateOfTheFormatBeforeTheGuard() {
        SeriesForecaster a = new SeriesForecaster(MIN, new int[] {5}, 100, 100, 400);
        a.observe(T0, 1.0, null);
        byte[] format3 = a.encode();
        format3[3] = 3; // the format is the first int
        assertThatThrownBy(() -> SeriesForecaster.decode(format3, new SeriesForecaster(MIN, new int[] {5}, 100, 100, 400)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format 3");
    }

    /**
     * A state of format 4 (written by main 17de94d: 1200 steps of a 4-hour sine with a repeating
     * +-6 pattern, flat history of 1000, horizon 5, retrained every 100 steps on 400 rows, models published as
     * "format4") decodes: history, pending forecasts, interval and trained model carry over, only the guard starts
     * afresh, and the state is written again in the current format.
     */
    @Test
    void shouldDecodeStateOfTheFormatBeforeTheSquaredErrorGuard() throws Exception {
        decodesOldState(4, 70.0, 130.0);
    }

    /**
     * A state of format 5 (written by main 5d27da0: 1200 steps of a 4-hour sine with a +-6 square pattern of 40 steps
     * and noise 2, flat history of 1000, horizon 5, retrained every 100 steps on 400 rows, models published as
     * "format5") decodes with its guard (the squared errors over all outcomes stand for those over the outcomes last
     * week's forecast has: here none, the history is shorter than a week) and is written again in the current format.
     */
    @Test
    void shouldDecodeStateOfTheFormatBeforeTheGuardComparedLastWeekOnItsOwnOutcomes() throws Exception {
        decodesOldState(5, 80.0, 120.0);
    }

    /**
     * A state of format 6 (written by main 1ac55a2: 1200 steps of a 4-hour sine of amplitude 20 with a +-6 square
     * pattern of 40 steps and noise 2, seed 6, flat history of 1000, horizon 5, retrained every 100 steps on 400 rows,
     * models published as "format6") decodes with its guard, whose last-value errors start afresh, and is written again
     * in the current format.
     */
    @Test
    void shouldDecodeStateOfTheFormatBeforeTheLastValueWasCompared() throws Exception {
        byte[] again = decodesOldState(6, 80.0, 130.0);
        assertThat(again.length).isEqualTo(stateBytes(6).length + 20); // the last value's two running means and count
    }

    private static byte[] stateBytes(int format) throws Exception {
        try (var in = SeriesForecasterTest.class.getResourceAsStream("state-format" + format + ".bin")) {
            return in.readAllBytes();
        }
    }

    /**
     * Decodes the state of {@code format} kept as a test resource (its models published as "format" + format), checks the
     * next forecast (the old state's trained model, a value within lo..hi, an interval) and that it is written again in
     * the current format, which round-trips; returns those bytes.
     */
    private static byte[] decodesOldState(int format, double lo, double hi) throws Exception {
        byte[] old = stateBytes(format);
        assertThat(java.nio.ByteBuffer.wrap(old).getInt()).isEqualTo(format);
        SeriesForecaster f = SeriesForecaster.decode(old, new SeriesForecaster(MIN, new int[] {5}, 1000, 100, 400));
        List<SeriesForecaster.Point> next = f.observe(T0 + 1200 * MIN, 100.0, null);
        assertThat(next).hasSize(1);
        assertThat(next.get(0).modelVersion()).as("the trained model of the old state").isEqualTo("format" + format);
        assertThat(next.get(0).predicted()).isBetween(lo, hi);
        assertThat(next.get(0).upper()).isGreaterThan(next.get(0).lower());
        byte[] again = f.encode();
        assertThat(java.nio.ByteBuffer.wrap(again).getInt()).isEqualTo(7);
        assertThat(SeriesForecaster.decode(again, new SeriesForecaster(MIN, new int[] {5}, 1000, 100, 400)).encode())
            .isEqualTo(again);
        return again;
    }

    /** Daily sine plus 5 % noise at a step of {@code stepMs}, {@code days} long. */
    private static double[] daily(long stepMs, int days, long seed) {
        int perDay = (int) (86_400_000L / stepMs);
        Random rnd = new Random(seed);
        double[] v = new double[days * perDay];
        for (int i = 0; i < v.length; i++) {
            v[i] = 100 + 40 * Math.sin(2 * Math.PI * i / perDay) + 5 * rnd.nextGaussian();
        }
        return v;
    }

    @Test
    void shouldBeatSameTimeYesterdayOnAHalfHourlyDailyPattern() throws Exception {
        long step = 1_800_000L;
        double[] v = daily(step, 42, 9);
        List<dev.perfstream.models.backtest.ForecastBacktest.Scores> s = dev.perfstream.models.backtest.ForecastBacktest
            .backtest(v, T0, step, 5, dev.perfstream.models.backtest.ForecastBacktest.defaultTiers(step, 5), null).scores();
        double best = Math.min(s.get(1).nrmse(), s.get(2).nrmse());
        // Noise alone (sd 5) against the naive's sqrt 2 x 5: the forecaster's spans in time, not in 1-minute steps
        // (a +-15-step daily profile at this step smoothed over 15 hours), let it approach 1 / sqrt 2.
        assertThat(s.get(0).nrmse() / best).isLessThan(0.85);
        assertThat(s.get(0).coverage()).isBetween(0.85, 0.95);
    }

    @Test
    void shouldCoverSmallCountsAtTenSecondsWithItsInterval() {
        // 0.15 events per 10-second step: mostly 0, so the median absolute difference of the values is 0. The interval
        // must still cover about 90 % of the counts (it covered none when the scale fell to its floor).
        long step = 10_000L;
        SeriesForecaster f = new SeriesForecaster(step, new int[] {6}, 20_000, 100, 400);
        Random rnd = new Random(5);
        double[] lo = new double[7];
        double[] hi = new double[7];
        int scored = 0;
        int inside = 0;
        for (int k = 0; k < 20_000; k++) { // past a day (8,640 steps): the daily profile then makes the forecast non-zero
            double lambda = 0.15 * (1 + 0.6 * Math.sin(2 * Math.PI * k / 8640.0));
            int count = 0;
            for (double p = Math.exp(-lambda), u = rnd.nextDouble(), c = p; u > c; ) { // Poisson by inversion
                count++;
                p *= lambda / count;
                c += p;
            }
            if (k >= 9000 && !Double.isNaN(lo[k % 7])) {
                scored++;
                inside += count >= lo[k % 7] && count <= hi[k % 7] ? 1 : 0;
            }
            List<SeriesForecaster.Point> p = f.observe(T0 + k * step, count, null);
            lo[(k + 6) % 7] = p.isEmpty() ? Double.NaN : p.get(0).lower();
            hi[(k + 6) % 7] = p.isEmpty() ? Double.NaN : p.get(0).upper();
        }
        assertThat(scored).isGreaterThan(10_000);
        assertThat((double) inside / scored).isBetween(0.8, 0.99);
    }
}
