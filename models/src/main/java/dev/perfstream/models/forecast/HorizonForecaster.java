package dev.perfstream.models.forecast;

import dev.perfstream.models.anomaly.LinearExpectation;
import dev.perfstream.models.feature.Robust;
import dev.perfstream.models.feature.SeriesFeatures;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
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
import org.tribuo.regression.sgd.objectives.SquaredLoss;

/**
 * Direct forecast of one series {@code h} steps ahead on a regular grid (values indexed by step, NaN for
 * gaps): a Tribuo linear SGD regression of the standardised deviation of {@code y[k+h]} from the current
 * robust level, on features that carry daily and weekly seasonality (the change the same hours took a day
 * and a week ago, and those values themselves), recent lags and the target's hour-of-day and day-of-week.
 * Retrained every {@code retrainEvery} steps on the most recent origins whose outcome is known. The 90 %
 * interval comes from the 5th and 95th percentiles of recent out-of-sample standardised errors.
 * Used by {@code perfstream backtest forecast} and, through {@link SeriesForecaster}, by the scoring topology.
 */
public final class HorizonForecaster {
    static final String[] NAMES = {"lag0", "lag1", "day_change", "week_change", "day_value", "week_value",
        "has_day", "has_week", "hod_sin", "hod_cos", "dow_sin", "dow_cos"};
    private static final int RECENT = 15;

    private final int h;
    private final int day;
    private final int week;
    private final long intervalMs;
    private final int retrainEvery;
    private final int trainRows;
    private double[] w;
    private double bias;
    private int lastTrain = Integer.MIN_VALUE;
    private final double[] errRing = new double[500];
    private int errN;
    private int errPos;
    private final double[] scratch = new double[Math.max(RECENT, 500)];
    private final double[] tmp = new double[RECENT];
    private String modelVersion = "seasonal-naive";
    private ModelPublisher publisher;

    /** Stores a freshly trained model (e.g. in the ModelStore) and returns its version label. */
    @FunctionalInterface
    public interface ModelPublisher {
        String publish(int horizonSteps, LinearSGDModel model);
    }

    /** One forecast. */
    public record Forecast(double predicted, double lower, double upper) {
    }

    public HorizonForecaster(int horizonSteps, long intervalMs, int retrainEvery, int trainRows) {
        this.h = horizonSteps;
        this.intervalMs = intervalMs;
        this.day = (int) Math.max(1, Math.round(86_400_000.0 / intervalMs));
        this.week = 7 * day;
        this.retrainEvery = retrainEvery;
        this.trainRows = trainRows;
    }

    /** Level and scale at origin k: median of the last 15 values, 1.4826 MAD of the last 15 around it. */
    private double[] levelScale(double[] v, int k) {
        int n = 0;
        for (int i = k; i >= 0 && i > k - 4 * RECENT && n < RECENT; i--) {
            if (!Double.isNaN(v[i])) {
                tmp[n++] = v[i];
            }
        }
        if (n == 0) {
            return null;
        }
        double level = Robust.median(tmp, n, scratch);
        double scale = Robust.MAD_TO_SIGMA * Robust.mad(tmp, n, level, scratch);
        return new double[] {level, Math.max(Math.max(scale, 0.01 * Math.abs(level)), 1e-9)};
    }

    /** Fills features for origin k; returns {level, scale} or null when there is no recent value. */
    private double[] features(double[] v, int k, long t0, double[] f) {
        double[] ls = levelScale(v, k);
        if (ls == null) {
            return null;
        }
        double l = ls[0];
        double s = ls[1];
        f[0] = dev(v, k, l, s);
        f[1] = dev(v, k - 1, l, s);
        int td = k + h - day;
        int tw = k + h - week;
        // Seasonal values are smoothed over +-3 steps (never past the origin) and taken relative to the level
        // the series had a day / a week before the origin, so noise of single points does not carry over.
        double sd = smooth(v, td, k);
        double sw = smooth(v, tw, k);
        double[] ld = k - day >= 0 ? levelScale(v, k - day) : null;
        double[] lw = k - week >= 0 ? levelScale(v, k - week) : null;
        boolean hasDay = !Double.isNaN(sd) && ld != null;
        boolean hasWeek = !Double.isNaN(sw) && lw != null;
        f[2] = hasDay ? SeriesFeatures.clip((sd - ld[0]) / s) : 0;
        f[3] = hasWeek ? SeriesFeatures.clip((sw - lw[0]) / s) : 0;
        f[4] = hasDay ? SeriesFeatures.clip((sd - l) / s) : 0;
        f[5] = hasWeek ? SeriesFeatures.clip((sw - l) / s) : 0;
        f[6] = hasDay ? 1 : 0;
        f[7] = hasWeek ? 1 : 0;
        long target = t0 + (long) (k + h) * intervalMs;
        double dayPos = Math.floorMod(target, 86_400_000L) / 86_400_000.0;
        double weekPos = Math.floorMod(target, 7 * 86_400_000L) / (7 * 86_400_000.0);
        f[8] = Math.sin(2 * Math.PI * dayPos);
        f[9] = Math.cos(2 * Math.PI * dayPos);
        f[10] = Math.sin(2 * Math.PI * weekPos);
        f[11] = Math.cos(2 * Math.PI * weekPos);
        return ls;
    }

    /** Mean of the values at c-3..c+3 that exist and are not after the origin k; NaN if none. */
    private static double smooth(double[] v, int c, int k) {
        double sum = 0;
        int n = 0;
        for (int i = Math.max(0, c - 3); i <= Math.min(k, c + 3); i++) {
            if (!Double.isNaN(v[i])) {
                sum += v[i];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static double dev(double[] v, int i, double l, double s) {
        return i < 0 || Double.isNaN(v[i]) ? 0 : SeriesFeatures.clip((v[i] - l) / s);
    }

    /**
     * Forecast for step k+h made at origin k, using only v[0..k]. Before a model exists: the level plus
     * the change the same hours took a day (else a week) ago.
     *
     * @return null when no recent value exists
     */
    public Forecast forecast(double[] v, int k, long t0) {
        if ((long) k - lastTrain >= retrainEvery && k - h >= 200) { // long: lastTrain starts at Integer.MIN_VALUE
            train(v, k, t0);
        }
        double[] f = new double[NAMES.length];
        double[] ls = features(v, k, t0, f);
        if (ls == null) {
            return null;
        }
        double z;
        if (w == null) {
            z = f[7] == 1 ? f[3] : f[6] == 1 ? f[2] : 0;
        } else {
            z = bias;
            for (int i = 0; i < w.length; i++) {
                z += w[i] * f[i];
            }
            z = SeriesFeatures.clip(z);
        }
        double pred = ls[0] + ls[1] * z;
        double lo = ls[0] + ls[1] * (z + quantile(0.05, -1.645));
        double hi = ls[0] + ls[1] * (z + quantile(0.95, 1.645));
        return new Forecast(pred, lo, hi);
    }

    /** Records the outcome of the forecast made at origin k (call when v[k+h] is known). */
    public void outcome(double[] v, int k, long t0, Forecast fc) {
        int t = k + h;
        if (fc == null || t >= v.length || Double.isNaN(v[t])) {
            return;
        }
        double[] ls = levelScale(v, k);
        errRing[errPos] = (v[t] - fc.predicted()) / ls[1];
        errPos = (errPos + 1) % errRing.length;
        errN = Math.min(errN + 1, errRing.length);
    }

    private double quantile(double q, double normalDefault) {
        if (errN < 50) {
            return normalDefault * 2;
        }
        System.arraycopy(errRing, 0, scratch, 0, errN);
        Arrays.sort(scratch, 0, errN);
        return scratch[(int) Math.min(errN - 1, Math.max(0, Math.round(q * (errN - 1))))];
    }

    private void train(double[] v, int k, long t0) {
        RegressionFactory factory = new RegressionFactory();
        MutableDataset<Regressor> ds = new MutableDataset<>(new SimpleDataSourceProvenance("forecast h=" + h,
            OffsetDateTime.ofInstant(Instant.ofEpochMilli(t0 + (long) k * intervalMs), ZoneOffset.UTC), factory), factory);
        double[] f = new double[NAMES.length];
        for (int o = Math.max(0, k - h - trainRows); o <= k - h; o++) {
            if (Double.isNaN(v[o + h])) {
                continue;
            }
            double[] ls = features(v, o, t0, f);
            if (ls == null) {
                continue;
            }
            ds.add(new ArrayExample<>(new Regressor(LinearExpectation.OUTPUT, SeriesFeatures.clip((v[o + h] - ls[0]) / ls[1])),
                NAMES, f.clone()));
        }
        lastTrain = k;
        if (ds.size() < 100) {
            return;
        }
        LinearSGDModel m = (LinearSGDModel) new LinearSGDTrainer(new SquaredLoss(), new AdaGrad(0.1, 0.1), 10, -1, 1, 7L)
            .train(ds, Map.of());
        DenseMatrix wm = m.getWeightsCopy();
        double[] nw = new double[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            int id = m.getFeatureIDMap().getID(NAMES[i]);
            nw[i] = id < 0 ? 0 : wm.get(0, id);
        }
        w = nw;
        bias = wm.get(0, wm.getDimension2Size() - 1);
        modelVersion = publisher == null ? "lsgd" : publisher.publish(h, m);
    }

    /** Publisher for models trained from now on (not part of the state). */
    public void publisher(ModelPublisher p) {
        this.publisher = p;
    }

    /** Version label of the model in use ({@code seasonal-naive} before the first training). */
    public String modelVersion() {
        return modelVersion;
    }

    public int horizonSteps() {
        return h;
    }

    /** The caller dropped the n oldest values: indices move down by n. */
    public void shift(int n) {
        if (lastTrain != Integer.MIN_VALUE) {
            lastTrain = (int) Math.max(Integer.MIN_VALUE + 1L, (long) lastTrain - n);
        }
    }

    /** Writes the learned state (weights, schedule, recent errors, model version). */
    public void writeState(DataOutput out) throws IOException {
        out.writeInt(h);
        out.writeInt(lastTrain);
        out.writeBoolean(w != null);
        if (w != null) {
            out.writeInt(w.length);
            for (double x : w) {
                out.writeDouble(x);
            }
            out.writeDouble(bias);
        }
        out.writeInt(errN);
        out.writeInt(errPos);
        for (int i = 0; i < errN; i++) {
            out.writeDouble(errRing[i]);
        }
        out.writeUTF(modelVersion);
    }

    /** Reads what {@link #writeState} wrote; throws IOException if it was written for another horizon. */
    public void readState(DataInput in) throws IOException {
        int hh = in.readInt();
        if (hh != h) {
            throw new IOException("state is for horizon " + hh + " steps, not " + h);
        }
        lastTrain = in.readInt();
        if (in.readBoolean()) {
            int len = in.readInt();
            if (len != NAMES.length) {
                throw new IOException("state has " + len + " weights, expected " + NAMES.length);
            }
            w = new double[len];
            for (int i = 0; i < len; i++) {
                w[i] = in.readDouble();
            }
            bias = in.readDouble();
        } else {
            w = null;
        }
        errN = in.readInt();
        errPos = in.readInt();
        if (errN < 0 || errN > errRing.length || errPos < 0 || errPos >= errRing.length) {
            throw new IOException("bad error ring " + errN + "/" + errPos);
        }
        for (int i = 0; i < errN; i++) {
            errRing[i] = in.readDouble();
        }
        modelVersion = in.readUTF();
    }
}
