package dev.perfstream.models.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TailCalibrationTest {
    /** Share of fresh draws whose probability, against the previous 1024, is below p. */
    private static double shareBelow(java.util.function.DoubleSupplier draw, double p) {
        TailCalibration t = new TailCalibration(1024);
        for (int i = 0; i < 1024; i++) {
            t.add(draw.getAsDouble());
        }
        int below = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            double z = draw.getAsDouble();
            below += t.pValue(z) < p ? 1 : 0;
            t.add(z);
        }
        return (double) below / n;
    }

    @Test
    void shouldGiveCalibratedOrConservativeProbabilitiesForLightAndHeavyTails() {
        SplittableRandom rnd = new SplittableRandom(11);
        double gauss = shareBelow(() -> Math.abs(rnd.nextGaussian()), 1e-3);
        double expo = shareBelow(() -> -Math.log(1 - rnd.nextDouble()), 1e-3);
        double pareto = shareBelow(() -> Math.pow(1 - rnd.nextDouble(), -1 / 1.5), 1e-3);
        assertThat(gauss).as("|normal|").isLessThan(1e-3);
        assertThat(expo).as("exponential").isBetween(2e-4, 2e-3);
        assertThat(pareto).as("Pareto 1.5").isLessThan(4e-3);
    }

    @Test
    void shouldRestoreTheSameProbabilitiesFromTheRing() {
        SplittableRandom rnd = new SplittableRandom(12);
        TailCalibration a = new TailCalibration(256);
        for (int i = 0; i < 1000; i++) {
            a.add(Math.abs(rnd.nextGaussian()));
        }
        TailCalibration b = new TailCalibration(256);
        System.arraycopy(a.ring, 0, b.ring, 0, 256);
        b.pos = a.pos;
        b.n = a.n;
        b.refresh();
        for (double z : new double[] {0.1, 1, 2.5, 4, 8}) {
            assertThat(b.pValue(z)).isEqualTo(a.pValue(z));
        }
    }

    @Test
    void shouldNotFitTheTailOnAFewPastIncidents() {
        TailCalibration t = new TailCalibration(1024);
        for (int i = 0; i < 1024; i++) {
            t.add(i % 400 == 0 ? 40 : 0); // a flat, noise-free series with three past incidents
        }
        // Fitted on the incidents (median excess 40 / ln 2) a new one of 28 got about 3e-3, a score of 0.69.
        assertThat(t.pValue(28)).isLessThan(1e-5);
    }
}
