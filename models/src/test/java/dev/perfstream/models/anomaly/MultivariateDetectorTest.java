package dev.perfstream.models.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.store.ModelStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultivariateDetectorTest {
    private static final MultivariateConfig CFG = new MultivariateConfig(400, 0.01, 0.1, 120, 1440, 1, 30, 4.0, 6.0, 42L);

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
        MultivariateDetector d = new MultivariateDetector(CFG);
        Random rnd = new Random(9);
        for (int i = 0; i < 400; i++) {
            assertThat(d.observe(normal(rnd))).isBetween(0.0, 1.0);
        }
        assertThat(d.modelVersion()).isEqualTo("ocsvm-unstored");
        assertThat(d.model().getProvenance().getTrainerProvenance().toString()).contains("LibSVMAnomalyTrainer");
        int high = 0;
        for (int i = 0; i < 200; i++) {
            high += d.observe(normal(rnd, 2)) >= 0.9 ? 1 : 0;
        }
        assertThat(high).as("vectors within 2 sd of the usual load scored >= 0.9").isLessThanOrEqualTo(2);
        // High throughput with low latency and low CPU: each value within its usual range, the mix is not.
        MultivariateDetector.Result odd = d.observe(new double[] {62, 0.002, 130, 0.33}, null);
        assertThat(odd.score()).isGreaterThan(0.9);
        assertThat(odd.learned()).as("an anomalous vector stays out of the training buffer").isFalse();
    }

    @Test
    void shouldScoreConservativelyBeforeWarmup() {
        MultivariateDetector d = new MultivariateDetector("svc", List.of(MultivariateDetector.NAMES),
            new MultivariateConfig(400, 0.01, 0.1, 120, 1440, 300, 30, 4.0, 6.0, 42L));
        Random rnd = new Random(3);
        for (int i = 0; i < 200; i++) {
            if (i < 120) {
                assertThat(d.observe(normal(rnd), null).distance()).as("no model yet").isInfinite();
                continue;
            }
            d.observe(normal(rnd));
        }
        assertThat(d.model()).isNotNull();
        MultivariateDetector.Result r = d.observe(new double[] {500, 0.5, 1, 0.9}, null);
        assertThat(r.distance()).as("far outside the learned region").isGreaterThan(10);
        assertThat(r.score()).as("capped before warm-up").isEqualTo(0.5);
    }

    @Test
    void shouldRoundTripStateAndModelThroughTheStoreWithProvenance(@TempDir Path dir) {
        MultivariateModels models = new MultivariateModels(new ModelStore(dir));
        MultivariateDetector d = new MultivariateDetector("MULTIVARIATE|checkout", List.of(MultivariateDetector.NAMES), CFG);
        Random rnd = new Random(5);
        for (int i = 0; i < 300; i++) {
            d.observe(normal(rnd), models);
        }
        assertThat(d.modelVersion()).isEqualTo("ocsvm-v1");
        var stored = new ModelStore(dir).latest(MultivariateModels.KIND, "MULTIVARIATE|checkout").orElseThrow();
        assertThat(stored.model().getProvenance().getTrainerProvenance().toString())
            .contains("TransformTrainer").contains("LibSVMAnomalyTrainer");
        assertThat(stored.model().getProvenance().getDatasetProvenance().toString()).contains("MULTIVARIATE|checkout");

        MultivariateDetector back = MultivariateStateCodec.decode(MultivariateStateCodec.encode(d), CFG);
        models.restore(back);
        assertThat(back.modelVersion()).isEqualTo("ocsvm-v1");
        double[] probe = {62, 0.002, 130, 0.33};
        double[] normal = normal(new Random(77));
        assertThat(back.observe(probe, models).score()).isCloseTo(d.observe(probe, models).score(), org.assertj.core.data.Offset.offset(1e-3));
        assertThat(back.observe(normal, models).score()).isCloseTo(d.observe(normal, models).score(), org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void shouldAdoptANewerStoredModelAndRetrainWhenTheStoredOneIsGone(@TempDir Path dir) {
        MultivariateModels models = new MultivariateModels(new ModelStore(dir));
        MultivariateDetector a = new MultivariateDetector("svc", List.of(MultivariateDetector.NAMES), CFG);
        MultivariateDetector b = new MultivariateDetector("svc", List.of(MultivariateDetector.NAMES), CFG);
        Random rnd = new Random(11);
        for (int i = 0; i < 130; i++) {
            double[] v = normal(rnd);
            a.observe(v, models);
            b.observe(v, null);
        }
        assertThat(a.modelVersion()).isEqualTo("ocsvm-v1");
        a.train(models);
        assertThat(a.modelVersion()).isEqualTo("ocsvm-v2");
        assertThat(models.adoptNewer(b)).isTrue();
        assertThat(b.modelVersion()).isEqualTo("ocsvm-v2");
        assertThat(models.adoptNewer(b)).as("nothing newer").isFalse();

        MultivariateDetector orphan = MultivariateStateCodec.decode(MultivariateStateCodec.encode(a),
            CFG);
        new MultivariateModels(new ModelStore(dir.resolve("empty"))).restore(orphan);
        assertThat(orphan.model()).as("retrained from the buffer").isNotNull();
        assertThat(orphan.modelVersion()).isEqualTo("ocsvm-v1");
    }
}
