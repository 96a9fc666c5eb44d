package dev.perfstream.models.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TailCalibrationTest {
    /** Share of fresh draws whose probability, against the previous 1024, is below p. */
    private static double shareBelow(java.util.function.DoubleSupplier draw, double p) {
        return shareBelow(draw, p, 1);
    }

    /** The same with a tail whose hazard may grow up to {@code growth} where the draws are light-tailed. */
    private static double shareBelow(java.util.function.DoubleSupplier draw, double p, double growth) {
        TailCalibration t = new TailCalibration(1024, growth);
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
    void shouldThinTheTailOfGaussianNoiseWhereItsHazardGrowsAndStayCalibrated() {
        SplittableRandom rnd = new SplittableRandom(13);
        TailCalibration exponential = new TailCalibration(1024, 1);
        TailCalibration growing = new TailCalibration(1024, 2);
        for (int i = 0; i < 1024; i++) {
            double z = Math.abs(rnd.nextGaussian());
            exponential.add(z);
            growing.add(z);
        }
        // p = 1e-5 is |z| = 4.4 on Gaussian noise: the exponential beyond the 98th percentile put it above 6.
        assertThat(exponential.zAt(1e-5)).isGreaterThan(6);
        assertThat(growing.zAt(1e-5)).isBetween(4.5, 5.5);
        assertThat(growing.pValue(5)).isLessThan(exponential.pValue(5) / 4);
        assertThat(growing.pValue(growing.zAt(1e-5))).isCloseTo(1e-5, org.assertj.core.data.Percentage.withPercentage(1));
        SplittableRandom draws = new SplittableRandom(14);
        double share = shareBelow(() -> Math.abs(draws.nextGaussian()), 1e-4, 2);
        assertThat(share).as("|normal|, growth 2, share below 1e-4").isBetween(1e-5, 3e-4);
    }

    @Test
    void shouldKeepAnExponentialTailForExponentialValues() {
        SplittableRandom rnd = new SplittableRandom(15);
        double share = shareBelow(() -> -Math.log(1 - rnd.nextDouble()), 1e-4, 2);
        assertThat(share).as("exponential, growth 2, share below 1e-4").isBetween(2e-5, 5e-4);
    }

    @Test
    void shouldFitAHeavyTailToCalmBursts() {
        SplittableRandom rnd = new SplittableRandom(16);
        // Bursty counts: 95 % Gaussian noise, 5 % bursts of a Pareto(1.5) size (tens of noise units).
        java.util.function.DoubleSupplier bursty = () -> rnd.nextDouble() < 0.05
            ? 4 * (Math.pow(1 - rnd.nextDouble(), -1 / 1.5) - 1) + Math.abs(rnd.nextGaussian())
            : Math.abs(rnd.nextGaussian());
        double share = shareBelow(bursty, 1e-4, 2);
        // An exponential fitted beyond the 98th percentile put about 2 values in a thousand below 1e-4.
        assertThat(share).as("bursty, share below 1e-4").isLessThan(3e-4);
    }

    @Test
    void shouldRestoreTheSameProbabilitiesFromTheRing() {
        SplittableRandom rnd = new SplittableRandom(12);
        // Gaussian noise (the light tail), then calm bursts (the heavy one, whose Hill estimate is kept between values).
        for (boolean bursty : new boolean[] {false, true}) {
            TailCalibration a = new TailCalibration(256, 2);
            for (int i = 0; i < 1000; i++) {
                a.add(bursty && rnd.nextDouble() < 0.05 ? 4 * Math.pow(1 - rnd.nextDouble(), -1 / 1.5) : Math.abs(rnd.nextGaussian()));
            }
            TailCalibration b = new TailCalibration(256, 2);
            System.arraycopy(a.ring, 0, b.ring, 0, 256);
            b.pos = a.pos;
            b.n = a.n;
            b.refresh();
            for (double z : new double[] {0.1, 1, 2.5, 4, 8, 30}) {
                assertThat(b.pValue(z)).as("bursty %s, |z| %s", bursty, z).isEqualTo(a.pValue(z));
            }
            assertThat(b.zAt(1e-5)).isEqualTo(a.zAt(1e-5));
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
