package dev.perfstream.models.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.models.feature.SeriesFeatures;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tribuo.impl.ArrayExample;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.sgd.linear.LinearSGDModel;

class LinearExpectationTest {
    @Test
    void shouldPredictWhatTribuoPredictsAndLearnALinearRelation() {
        Random rnd = new Random(7);
        int n = 400;
        double[][] x = new double[n][SeriesFeatures.COUNT];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < SeriesFeatures.COUNT; j++) {
                x[i][j] = rnd.nextGaussian();
            }
            y[i] = 0.8 * x[i][0] + 0.1 * rnd.nextGaussian();
        }
        LinearSGDModel m = LinearExpectation.train(x, y, n, "s", 1L, OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
        LinearExpectation e = LinearExpectation.of(m, "lsgd-v1");
        assertThat(e.weights()[0]).isCloseTo(0.8, within(0.1));
        for (int i = 0; i < 20; i++) {
            double tribuo = m.predict(new ArrayExample<>(new RegressionFactory().getUnknownOutput(), SeriesFeatures.NAMES, x[i]))
                .getOutput().getValues()[0];
            assertThat(e.predict(x[i])).isCloseTo(tribuo, within(1e-9));
        }
        assertThat(m.getProvenance().getTrainerProvenance().getClassName()).contains("LinearSGDTrainer");
    }
}
