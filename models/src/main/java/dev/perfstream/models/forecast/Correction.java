package dev.perfstream.models.forecast;

import dev.perfstream.models.anomaly.LinearExpectation;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tribuo.MutableDataset;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.sgd.linear.LinearSGDModel;
import org.tribuo.regression.sgd.linear.LinearSGDTrainer;
import org.tribuo.regression.sgd.objectives.Huber;

/**
 * The learned correction of a {@link HorizonForecaster}'s base forecast, in scale units: a Tribuo linear SGD
 * regression with a Huber loss (incidents in the history pull the weights little) on the features of the
 * series' own rolling origins, and the range each feature took in 98 % of the training rows, to which a forecast
 * clips its features (the linear model is not extrapolated to an incident it has not seen). Fitted with or
 * without the weekly factor, and not applied across that change.
 */
final class Correction {
    /** Fewer rows of the current regime than this: no model, the base forecast alone until the next retraining. */
    static final int MIN_ROWS = 100;
    /** The trainer's seed: a retraining on the same rows gives the same weights (the backtests repeat exactly). */
    static final long SEED = 7L;

    private final String[] names;
    private final double[] lo;
    private final double[] hi;
    private double[] w;
    private double bias;
    private boolean withWeek;
    private final List<double[]> rows = new ArrayList<>();
    private final List<Double> targets = new ArrayList<>();

    Correction(String[] names) {
        this.names = names;
        this.lo = new double[names.length];
        this.hi = new double[names.length];
    }

    /**
     * The Huber linear SGD trainer: a small learning rate keeps the SGD's final weights close to 0 = the base
     * forecast unless the data insist (with 0.1 the noisy final iterate made 30-min forecasts 8 % worse than the
     * base); 10 epochs, one example per step, seeded.
     */
    static LinearSGDTrainer trainer(long seed) {
        return new LinearSGDTrainer(new Huber(2.0), new AdaGrad(0.01, 0.1), 10, -1, 1, seed);
    }

    /** Starts collecting a new training set. */
    void startRows() {
        rows.clear();
        targets.clear();
    }

    /** One training row: the features of an origin and the error of its base forecast, in scale units. */
    void addRow(double[] features, double target) {
        rows.add(features.clone());
        targets.add(target);
    }

    /**
     * Fits on the rows collected since {@link #startRows}, or drops the model when they are too few.
     *
     * @param provenance what the dataset is (for the model's provenance)
     * @return the fitted Tribuo model, or null when there were too few rows
     */
    LinearSGDModel fit(boolean week, String provenance, OffsetDateTime at) {
        if (rows.size() < MIN_ROWS) {
            w = null;
            return null;
        }
        RegressionFactory factory = new RegressionFactory();
        MutableDataset<Regressor> ds = new MutableDataset<>(new SimpleDataSourceProvenance(provenance, at, factory), factory);
        for (int r = 0; r < rows.size(); r++) {
            ds.add(new ArrayExample<>(new Regressor(LinearExpectation.OUTPUT, targets.get(r)), names, rows.get(r)));
        }
        withWeek = week;
        LinearSGDModel m = (LinearSGDModel) trainer(SEED).train(ds, Map.of());
        DenseMatrix wm = m.getWeightsCopy();
        double[] nw = new double[names.length];
        for (int i = 0; i < names.length; i++) {
            int id = m.getFeatureIDMap().getID(names[i]);
            nw[i] = id < 0 ? 0 : wm.get(0, id);
        }
        w = nw;
        bias = wm.get(0, wm.getDimension2Size() - 1);
        // The range each feature took in 98 % of the training rows: a forecast clips its features to it, so the
        // linear model is not extrapolated far beyond what it was fitted on (a surge in progress is far outside
        // it and would otherwise be carried into the forecast).
        double[] col = new double[rows.size()];
        for (int i = 0; i < names.length; i++) {
            for (int r = 0; r < col.length; r++) {
                col[r] = rows.get(r)[i];
            }
            Arrays.sort(col);
            lo[i] = col[(int) Math.floor(0.01 * (col.length - 1))];
            hi[i] = col[(int) Math.ceil(0.99 * (col.length - 1))];
        }
        return m;
    }

    /** Whether there is a model for a target with ({@code week}) or without a weekly factor. */
    boolean appliesTo(boolean week) {
        return w != null && week == withWeek;
    }

    /** The correction (scale units, before clipping) for features {@code f}; call only if {@link #appliesTo}. */
    double apply(double[] f) {
        double z = bias;
        for (int i = 0; i < w.length; i++) {
            z += w[i] * Math.max(lo[i], Math.min(hi[i], f[i]));
        }
        return z;
    }

    void write(DataOutput out) throws IOException {
        out.writeBoolean(w != null);
        if (w != null) {
            out.writeInt(w.length);
            for (double x : w) {
                out.writeDouble(x);
            }
            out.writeDouble(bias);
            out.writeBoolean(withWeek);
            for (int i = 0; i < w.length; i++) {
                out.writeDouble(lo[i]);
                out.writeDouble(hi[i]);
            }
        }
    }

    void read(DataInput in) throws IOException {
        if (in.readBoolean()) {
            int len = in.readInt();
            if (len != names.length) {
                throw new IOException("state has " + len + " weights, expected " + names.length);
            }
            w = new double[len];
            for (int i = 0; i < len; i++) {
                w[i] = in.readDouble();
            }
            bias = in.readDouble();
            withWeek = in.readBoolean();
            for (int i = 0; i < len; i++) {
                lo[i] = in.readDouble();
                hi[i] = in.readDouble();
            }
        } else {
            w = null;
        }
    }
}
