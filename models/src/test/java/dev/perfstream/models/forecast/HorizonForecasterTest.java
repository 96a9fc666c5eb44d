package dev.perfstream.models.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HorizonForecasterTest {
    private static final long HOUR = 3_600_000L;

    /**
     * A +30 shift added to an hourly sine (100 +- 40, noise 3) at 16 h on day 8, forecast half a day ahead from around
     * the peak (origins 4-9 h on day 9, 12-17 steps after the shift) to around the trough, before any training or guard
     * outcome: the model's base forecast. The recent levels were carried as ratios: +30 at a peak of 140 is x1.21, at a
     * trough of 60 +13, of which 72 % is carried 12 steps ahead (+9; +6.5 to +14.2 over these origins). Read as the
     * difference the last hours clearly show, the trough gets about 72 % of +30 (+16.7 to +20.3).
     */
    @Test
    void shouldCarryAShiftAddedToTheDailyShapeAsADifferenceToTheTrough() {
        int shift = 9 * 24 - 8;
        for (int origin = shift + 12; origin <= shift + 17; origin++) {
            Random rnd = new Random(origin);
            double[] raw = new double[origin + 1];
            for (int k = 0; k <= origin; k++) {
                raw[k] = 100 + 40 * Math.sin(2 * Math.PI * k / 24.0) + (k >= shift ? 30 : 0) + 3 * rnd.nextGaussian();
            }
            HorizonForecaster f = new HorizonForecaster(12, HOUR, 24, 500);
            double model = f.forecast(TieredHistory.of(raw), origin, 0).model();
            double shape = 100 + 40 * Math.sin(2 * Math.PI * (origin + 12) / 24.0);
            assertThat(model - shape).as("origin at %d h: the shift carried to the target", origin % 24)
                .isBetween(16.0, 30.0);
        }
    }
}
