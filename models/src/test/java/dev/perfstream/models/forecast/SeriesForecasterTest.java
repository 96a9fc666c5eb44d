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
}
