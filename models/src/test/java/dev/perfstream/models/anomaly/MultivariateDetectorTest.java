package dev.perfstream.models.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MultivariateDetectorTest {
    /** Latency rises with throughput; CPU follows throughput; errors stay low. */
    private static double[] normal(Random rnd) {
        return normal(rnd, 10);
    }

    /** @param clip the load's standard normal draw is clipped to +-clip */
    private static double[] normal(Random rnd, double clip) {
        double load = 100 + 50 * Math.max(-clip, Math.min(clip, rnd.nextGaussian())) / 3;
        return new double[] {50 + 0.4 * load + 3 * rnd.nextGaussian(), 0.002 + 0.0005 * Math.abs(rnd.nextGaussian()),
            load, 0.3 + 0.004 * load + 0.02 * rnd.nextGaussian()};
    }

    @Test
    void shouldFlagACombinationNeverSeenWhileEachValueLooksNormal() {
        MultivariateDetector d = new MultivariateDetector(DetectorConfig.defaults(), 400, 0.01);
        Random rnd = new Random(9);
        for (int i = 0; i < 400; i++) {
            assertThat(d.observe(normal(rnd))).isBetween(0.0, 1.0);
        }
        assertThat(d.modelVersion()).isEqualTo("ocsvm-v1");
        assertThat(d.model().getProvenance().getTrainerProvenance().getClassName()).contains("LibSVMAnomalyTrainer");
        int high = 0;
        for (int i = 0; i < 200; i++) {
            high += d.observe(normal(rnd, 2)) >= 0.9 ? 1 : 0;
        }
        assertThat(high).as("vectors within 2 sd of the usual load scored >= 0.9").isLessThanOrEqualTo(2);
        // High throughput with low latency and low CPU: each value within its usual range, the mix is not.
        double odd = d.observe(new double[] {62, 0.002, 130, 0.33});
        assertThat(odd).isGreaterThan(0.9);
    }
}
