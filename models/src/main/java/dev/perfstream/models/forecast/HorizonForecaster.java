package dev.perfstream.models.forecast;

import dev.perfstream.models.anomaly.LinearExpectation;
import dev.perfstream.models.feature.Robust;
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
import org.tribuo.regression.sgd.objectives.Huber;

/**
 * Direct forecast of one series {@code h} steps ahead on a regular grid (values indexed by step, NaN for
 * gaps). Candidate forecasts, each expressed as its deviation from the current robust level in units of a
 * scale (the series' noise, at least 2 % of the level):
 * <ul>
 *   <li>the recent level: last value, mean of the last 5 (the deviation 0 is the median of the last 15);</li>
 *   <li>the seasonal profile at the target time ({@link SeasonalProfile}: median over the last 7 days, resp.
 *       3 weeks, of the mean of +-5 steps around the same time of day, resp. week);</li>
 *   <li>that profile corrected for the current level: the level plus (additive) or times (multiplicative)
 *       the change the profile makes from now to the target: seasonal-naive adjusted to today's level.</li>
 * </ul>
 * A Tribuo linear SGD regression with a Huber loss (so incidents in the history pull the weights little)
 * learns per horizon how to weigh them, on the series' own rolling origins whose outcome is known (only
 * earlier rows), retrained every {@code retrainEvery} steps. The 90 % interval comes from the 5th and 95th
 * percentiles of the last 1000 out-of-sample errors in scale units. Used by {@code perfstream backtest
 * forecast}, {@code perfstream eval forecast} and, through {@link SeriesForecaster}, the scoring topology.
 */
public final class HorizonForecaster {
    static final String[] NAMES = {"last", "mean5", "day_profile", "day_adj15", "day_adj60", "week_profile",
        "week_adj15", "week_adj60", "has_day", "has_week"};
    private static final int RECENT = 15;
    private static final int LONG = 60;
    private static final int NOISE_WINDOW = 60;
    private static final int DAYS = 7;
    private static final int WEEKS = 3;
    private static final int HALF_WIDTH = 5;
    private static final double CLIP = 30;
    private static final double REL_FLOOR = 0.02;
    private static final int ERRORS = 1000;

    private final int h;
    private final int day;
    private final int week;
    private final long intervalMs;
    private final int retrainEvery;
    private final int trainRows;
    private double[] w;
    private double bias;
    private int lastTrain = Integer.MIN_VALUE;
    private final double[] errRing = new double[ERRORS];
    private int errN;
    private int errPos;
    private final double[] scratch = new double[Math.max(NOISE_WINDOW, ERRORS)];
    private final double[] tmp = new double[NOISE_WINDOW];
    private final SeasonalProfile profile = new SeasonalProfile(Math.max(DAYS, WEEKS));
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

    /**
     * Level and scale at origin k: the median of the last 15 values, and the noise (1.4826 MAD of the
     * differences of consecutive values among the last 60, / sqrt 2: insensitive to trend and seasonality),
     * at least 2 % of the level.
     */
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
        int d = 0;
        for (int i = k; i >= 1 && i > k - NOISE_WINDOW; i--) {
            if (!Double.isNaN(v[i]) && !Double.isNaN(v[i - 1])) {
                tmp[d++] = v[i] - v[i - 1];
            }
        }
        double noise = d < 5 ? 0 : Robust.MAD_TO_SIGMA * Robust.mad(tmp, d, Robust.median(tmp, d, scratch), scratch)
            / Math.sqrt(2);
        return new double[] {level, Math.max(Math.max(noise, REL_FLOOR * Math.abs(level)), 1e-9)};
    }

    private static double clip(double z) {
        return Math.max(-CLIP, Math.min(CLIP, z));
    }

    /** Fills features for origin k; returns {level, scale} or null when there is no recent value. */
    private double[] features(double[] v, int k, double[] f) {
        double[] ls = levelScale(v, k);
        if (ls == null) {
            return null;
        }
        double l = ls[0];
        double s = ls[1];
        f[0] = dev(v, k, l, s);
        double sum = 0;
        int n = 0;
        for (int i = k; i >= 0 && i > k - 5; i--) {
            if (!Double.isNaN(v[i])) {
                sum += v[i];
                n++;
            }
        }
        f[1] = n == 0 ? 0 : clip((sum / n - l) / s);
        boolean hasDay = profileFeatures(v, k, day, DAYS, l, s, f, 2);
        boolean hasWeek = profileFeatures(v, k, week, WEEKS, l, s, f, 5);
        if (!hasWeek) { // stand in with the daily profile so that the weights keep their meaning
            System.arraycopy(f, 2, f, 5, 3);
        }
        f[8] = hasDay ? 1 : 0;
        f[9] = hasWeek ? 1 : 0;
        return ls;
    }

    /**
     * Profile value at the target, and the profile at the target adjusted to the current level: times (for
     * a positive profile, else plus) the ratio of the recent values to the profile over the same steps,
     * once over the last 15 steps (reacts fast) and once over the last 60 (less noise).
     */
    private boolean profileFeatures(double[] v, int k, int period, int cycles, double l, double s, double[] f, int at) {
        double target = profile.at(v, k + h, period, cycles, HALF_WIDTH, k);
        if (Double.isNaN(target)) {
            f[at] = 0;
            f[at + 1] = 0;
            f[at + 2] = 0;
            return false;
        }
        f[at] = clip((target - l) / s);
        f[at + 1] = adjusted(v, k, period, cycles, RECENT, target, l, s);
        f[at + 2] = adjusted(v, k, period, cycles, LONG, target, l, s);
        return true;
    }

    private double adjusted(double[] v, int k, int period, int cycles, int window, double target, double l, double s) {
        double now = profile.at(v, k - window / 2, period, cycles, window / 2, k);
        double recent = SeasonalProfile.mean(v, k - 2 * (window / 2), k);
        if (Double.isNaN(now) || Double.isNaN(recent)) {
            return clip((target - l) / s);
        }
        double adj = now > 0 && target >= 0 && recent >= 0 ? target * recent / now : target + recent - now;
        return clip((adj - l) / s);
    }

    private static double dev(double[] v, int i, double l, double s) {
        return i < 0 || Double.isNaN(v[i]) ? 0 : clip((v[i] - l) / s);
    }

    /**
     * Forecast for step k+h made at origin k, using only v[0..k]. Before a model exists: the weekly (else
     * daily) profile corrected for the current level, multiplicatively.
     *
     * @return null when no recent value exists
     */
    public Forecast forecast(double[] v, int k, long t0) {
        if ((long) k - lastTrain >= retrainEvery && k - h >= 200) { // long: lastTrain starts at Integer.MIN_VALUE
            train(v, k, t0);
        }
        double[] f = new double[NAMES.length];
        double[] ls = features(v, k, f);
        if (ls == null) {
            return null;
        }
        double z = base(f);
        if (w != null) {
            z += bias;
            for (int i = 0; i < w.length; i++) {
                z += w[i] * f[i];
            }
            z = clip(z);
        }
        double pred = ls[0] + ls[1] * z;
        double lo = ls[0] + ls[1] * (z + quantile(0.05, -1.645));
        double hi = ls[0] + ls[1] * (z + quantile(0.95, 1.645));
        return new Forecast(pred, lo, hi);
    }

    /**
     * The base forecast the regression corrects: the weekly (else daily) profile adjusted to the level of
     * the last 60 steps (else the level itself). A model that learned nothing (weights near 0) falls back to
     * it, so noisy training can only move the forecast away from a sound default, not replace it.
     */
    private static double base(double[] f) {
        return f[9] == 1 ? f[7] : f[8] == 1 ? f[4] : 0;
    }

    /** Records the outcome of the forecast made at origin k (call when v[k+h] is known). */
    public void outcome(double[] v, int k, long t0, Forecast fc) {
        int t = k + h;
        if (fc == null || t >= v.length || Double.isNaN(v[t])) {
            return;
        }
        double[] ls = levelScale(v, k);
        errRing[errPos] = clip((v[t] - fc.predicted()) / ls[1]);
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
            double[] ls = features(v, o, f);
            if (ls == null) {
                continue;
            }
            ds.add(new ArrayExample<>(new Regressor(LinearExpectation.OUTPUT, clip((v[o + h] - ls[0]) / ls[1] - base(f))),
                NAMES, f.clone()));
        }
        lastTrain = k;
        if (ds.size() < 100) {
            return;
        }
        // A small learning rate keeps the SGD's final weights close to 0 = the base forecast unless the data
        // insist (with 0.1 the noisy final iterate made 30-min forecasts 8 % worse than the base).
        LinearSGDModel m = (LinearSGDModel) new LinearSGDTrainer(new Huber(2.0), new AdaGrad(0.01, 0.1), 10, -1, 1, 7L)
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
