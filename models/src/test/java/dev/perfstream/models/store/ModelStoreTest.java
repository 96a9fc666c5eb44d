package dev.perfstream.models.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.models.anomaly.LinearExpectation;
import dev.perfstream.models.feature.SeriesFeatures;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.sgd.linear.LinearSGDModel;

class ModelStoreTest {
    @TempDir
    Path dir;

    private static LinearSGDModel model(long seed) {
        Random rnd = new Random(seed);
        double[][] x = new double[200][SeriesFeatures.COUNT];
        double[] y = new double[200];
        for (int i = 0; i < 200; i++) {
            x[i][0] = rnd.nextGaussian();
            y[i] = 0.5 * x[i][0];
        }
        return LinearExpectation.train(x, y, 200, "metric=lat,service=a/b,route=/x?y", seed,
            OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC));
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldRoundTripVersionedModelsWithProvenance() {
        ModelStore store = new ModelStore(dir);
        String series = "metric=lat,service=a/b,route=/x?y|p95";
        assertThat(store.latestVersion("anomaly", series)).isEmpty();
        LinearSGDModel m1 = model(1);
        assertThat(store.save("anomaly", series, m1)).isEqualTo(1);
        assertThat(store.save("anomaly", series, model(2))).isEqualTo(2);
        assertThat(store.latestVersion("anomaly", series)).hasValue(2);

        ModelStore.Stored back = store.load("anomaly", series, 1).orElseThrow();
        assertThat(back.version()).isEqualTo(1);
        assertThat(back.model().getProvenance()).isEqualTo(m1.getProvenance());
        assertThat(back.model().getProvenance().getTrainerProvenance().getClassName())
            .isEqualTo("org.tribuo.regression.sgd.linear.LinearSGDTrainer");
        // Tribuo stamps the wall-clock training time; the data time goes into the dataset provenance.
        assertThat(back.model().getProvenance().getTrainingTime()).isEqualTo(m1.getProvenance().getTrainingTime());
        assertThat(back.model().getProvenance().getDatasetProvenance().toString())
            .contains("perfstream series metric=lat,service=a/b,route=/x?y").contains("2026-01-02T03:04:05");
        assertThat(back.model().getProvenance().getTribuoVersion()).isEqualTo("4.3.2");
        LinearExpectation a = LinearExpectation.of(m1, "v1");
        LinearExpectation b = LinearExpectation.of((Model<Regressor>) back.model(), "v1");
        assertThat(b.bias()).isCloseTo(a.bias(), within(0.0));
        assertThat(b.weights()).containsExactly(a.weights());
        assertThat(store.latest("anomaly", series).orElseThrow().version()).isEqualTo(2);
        assertThat(store.latest("anomaly", "other")).isEmpty();
    }

    @Test
    void shouldMakeAnySeriesKeyASafeFileName() {
        assertThat(ModelStore.safe("../../etc/passwd")).doesNotContain("/").doesNotStartWith(".");
        assertThat(ModelStore.safe("x".repeat(400)).length()).isLessThan(200);
        assertThat(ModelStore.safe("a".repeat(300))).isNotEqualTo(ModelStore.safe("a".repeat(301)));
    }
}
