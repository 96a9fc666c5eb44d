package dev.perfstream.models.anomaly;

import dev.perfstream.models.feature.SeriesFeatures;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.tribuo.regression.sgd.linear.LinearSGDModel;

/**
 * The training rows of a {@link SeriesDetector}'s expectation model (a ring of the last {@code trainRows} calm
 * values' features and targets) and when to retrain it: first after {@code firstTrain} rows, then every
 * {@code retrainEvery} rows, with Tribuo ({@link LinearExpectation#train}).
 */
final class ExpectationTraining {
    final double[][] x;
    final double[] y;
    int pos;
    int n;
    long sinceTrain;
    int trainedVersions;

    ExpectationTraining(int rows) {
        this.x = new double[rows][SeriesFeatures.COUNT];
        this.y = new double[rows];
    }

    void add(double[] features, double target) {
        System.arraycopy(features, 0, x[pos], 0, SeriesFeatures.COUNT);
        y[pos] = target;
        pos = (pos + 1) % y.length;
        n = Math.min(n + 1, y.length);
        sinceTrain++;
    }

    /**
     * Trains a new model when one is due.
     *
     * @return the new model, or null when none is due or the trained one is not finite
     */
    LinearExpectation maybeRetrain(String key, DetectorConfig cfg, long lastTs, SeriesDetector.ModelPublisher publisher) {
        boolean first = trainedVersions == 0 && n >= cfg.firstTrain();
        if (!first && (trainedVersions == 0 || sinceTrain < cfg.retrainEvery())) {
            return null;
        }
        OffsetDateTime at = OffsetDateTime.ofInstant(Instant.ofEpochMilli(lastTs), ZoneOffset.UTC);
        LinearSGDModel trained = LinearExpectation.train(x, y, n, key, cfg.seed(), at);
        trainedVersions++;
        sinceTrain = 0;
        String version = publisher == null ? "lsgd-v" + trainedVersions : publisher.publish(key, trained);
        LinearExpectation next = LinearExpectation.of(trained, version);
        return Double.isFinite(next.bias()) && Arrays.stream(next.weights()).allMatch(Double::isFinite) ? next : null;
    }
}
