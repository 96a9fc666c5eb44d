package dev.perfstream.models.anomaly;

import dev.perfstream.models.feature.SeriesFeatures;
import java.time.OffsetDateTime;
import java.util.Map;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.sgd.linear.LinearSGDModel;
import org.tribuo.regression.sgd.linear.LinearSGDTrainer;
import org.tribuo.regression.sgd.objectives.SquaredLoss;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;

/**
 * The expected standardised deviation of the next value: a Tribuo linear SGD regression on
 * {@link SeriesFeatures}. Training goes through Tribuo (so every model carries Tribuo provenance and can
 * be stored); inference uses the coefficients read back from the trained {@link LinearSGDModel}, a
 * dot product of 8 values, because per-window scoring must stay far below a microsecond and Tribuo's
 * {@code predict} allocates an example, a sparse vector and a prediction per call. A unit test checks
 * both give the same number.
 *
 * @param weights  one per {@link SeriesFeatures#NAMES} entry (0 for a feature the model never saw)
 * @param bias     intercept
 * @param version  model version label, e.g. {@code lsgd-v3}; {@code baseline} when untrained
 */
public record LinearExpectation(double[] weights, double bias, String version) {
    /** The untrained model: the next value is expected at the robust level. */
    public static final LinearExpectation BASELINE = new LinearExpectation(new double[SeriesFeatures.COUNT], 0, "baseline");
    /** Name of the single regression output. */
    public static final String OUTPUT = "deviation";
    /** Tribuo logs two INFO lines per training through java.util.logging; per-series retraining makes that noise. */
    private static final java.util.logging.Logger TRIBUO_SGD_LOG = quiet("org.tribuo.common.sgd.AbstractSGDTrainer");

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
        l.setLevel(java.util.logging.Level.WARNING);
        return l;
    }

    /** Predicted standardised deviation, clipped to +-{@link SeriesFeatures#CLIP}. */
    public double predict(double[] features) {
        double s = bias;
        for (int i = 0; i < weights.length; i++) {
            s += weights[i] * features[i];
        }
        return SeriesFeatures.clip(s);
    }

    /**
     * Trains a Tribuo linear SGD model (squared loss, AdaGrad, fixed seed).
     *
     * @param rows    feature rows, {@code rows[i].length == COUNT}
     * @param targets standardised deviations observed after each row
     * @param n       rows to use
     * @param seriesKey recorded in the provenance
     */
    public static LinearSGDModel train(double[][] rows, double[] targets, int n, String seriesKey, long seed,
                                       OffsetDateTime now) {
        RegressionFactory factory = new RegressionFactory();
        var provenance = new SimpleDataSourceProvenance("perfstream series " + seriesKey, now, factory);
        MutableDataset<Regressor> ds = new MutableDataset<>(provenance, factory);
        for (int i = 0; i < n; i++) {
            ds.add(new ArrayExample<>(new Regressor(OUTPUT, targets[i]), SeriesFeatures.NAMES, rows[i].clone()));
        }
        // 5 epochs over a few hundred rows: about a millisecond; minibatch 1, no progress logging.
        TRIBUO_SGD_LOG.setLevel(java.util.logging.Level.WARNING);
        LinearSGDTrainer trainer = new LinearSGDTrainer(new SquaredLoss(), new AdaGrad(0.1, 0.1), 5, -1, 1, seed);
        return (LinearSGDModel) trainer.train(ds, Map.of("series", new StringProvenance("series", seriesKey)));
    }

    /** Reads the coefficients of a trained model; features unknown to the model get weight 0. */
    public static LinearExpectation of(Model<Regressor> model, String version) {
        if (!(model instanceof LinearSGDModel linear)) {
            throw new IllegalArgumentException("expected a LinearSGDModel, got " + model.getClass().getName());
        }
        DenseMatrix w = linear.getWeightsCopy();
        ImmutableFeatureMap fmap = linear.getFeatureIDMap();
        double[] weights = new double[SeriesFeatures.COUNT];
        for (int i = 0; i < SeriesFeatures.COUNT; i++) {
            int id = fmap.getID(SeriesFeatures.NAMES[i]);
            weights[i] = id < 0 ? 0 : w.get(0, id);
        }
        // The bias is the last column of the weight matrix.
        double bias = w.get(0, w.getDimension2Size() - 1);
        return new LinearExpectation(weights, bias, version);
    }
}
