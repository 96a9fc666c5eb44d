package dev.perfstream.models.anomaly;

import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.primitives.StringProvenance;
import dev.perfstream.models.feature.Robust;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.libsvm.LibSVMAnomalyTrainer;
import org.tribuo.anomaly.libsvm.SVMAnomalyType;
import org.tribuo.common.libsvm.KernelType;
import org.tribuo.common.libsvm.SVMParameters;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.transform.TransformTrainer;
import org.tribuo.transform.Transformation;
import org.tribuo.transform.TransformationMap;
import org.tribuo.transform.transformations.SimpleTransform;

/**
 * Unusual combinations of one service's vitals (latency, error rate, throughput, resource use): a Tribuo
 * one-class SVM (LibSVM, RBF kernel) on {@code log1p} vectors, each dimension centred by its median over the
 * training buffer and scaled by its minute-to-minute noise (see {@link #standardisation()}). The standardisation is part of the Tribuo model (a
 * {@link TransformTrainer} with per-feature {@link SimpleTransform}s), so a stored model is self-contained:
 * another instance can adopt it without this detector's state, and its provenance records the centres and
 * scales. The SVM's decision value becomes a score by calibration on the recent buffer: the distance below
 * the buffer decisions' 1st percentile in units of their spread, mapped by {@link MultivariateConfig#score}.
 *
 * <p>Cold start: 0 until the first model exists, at most 0.5 until {@link MultivariateConfig#warmup()}
 * vectors were seen. After warm-up, vectors scoring 0.5 or more stay out of the training buffer (an
 * incident does not become normal) unless {@link MultivariateConfig#shiftRun()} of them come in a row: then
 * they are all learned and the model is retrained at once (a lasting new regime alerts once).
 * Not thread-safe; one owner.
 */
public final class MultivariateDetector {
    /** Names of the default vector's dimensions, in order (see {@link ServiceVitals}). */
    public static final String[] NAMES = {"latency", "error_rate", "throughput", "resource"};
    static final String UNSTORED = "ocsvm-unstored";
    static final String NONE = "none";
    /** Smallest scale of a log dimension: 0.1 % relative (or 0.001 of an error rate). */
    static final double MIN_SCALE = 1e-3;

    static {
        // LibSVM prints its optimiser progress to stdout by default (one global hook): keep stdout for results.
        libsvm.svm.svm_set_print_string_function(s -> { });
    }

    /** Stores a newly trained model and returns its version label (e.g. {@code ocsvm-v3}). */
    public interface ModelPublisher {
        String publish(String key, Model<Event> model);
    }

    /**
     * One scored vector.
     *
     * @param score        0..1
     * @param distance     how far outside the learned region, in spreads of the calibration decisions (<= 0 inside)
     * @param z            per dimension: robust z of the log value against the model's training centre (explanation)
     * @param modelVersion model that scored it
     * @param learned      whether the vector went into the training buffer
     */
    public record Result(double score, double distance, double[] z, String modelVersion, boolean learned) {
    }

    final String key;
    final String[] names;
    final MultivariateConfig cfg;
    final double[][] buffer;
    /** Log vectors of the current run of anomalous ones (not yet learned). */
    final double[][] held;
    int pos;
    int n;
    long seen;
    long sinceTrain;
    int run;
    Model<Event> model;
    String version = NONE;
    final double[] center;
    final double[] spread;
    double lowDecision;
    double decisionScale = 1;

    /** @param names dimension names, in the order of the vectors given to {@link #observe} */
    public MultivariateDetector(String key, List<String> names, MultivariateConfig cfg) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a multivariate detector needs at least one dimension");
        }
        this.key = key;
        this.names = names.toArray(String[]::new);
        this.cfg = cfg;
        this.buffer = new double[cfg.capacity()][this.names.length];
        this.held = new double[cfg.shiftRun()][this.names.length];
        this.center = new double[this.names.length];
        this.spread = new double[this.names.length];
        Arrays.fill(spread, 1);
    }

    /** The original four dimensions ({@link #NAMES}). */
    public MultivariateDetector(MultivariateConfig cfg) {
        this("service", List.of(NAMES), cfg);
    }

    public String key() {
        return key;
    }

    public List<String> names() {
        return List.of(names);
    }

    /** Version label of the model in use: {@code none} before the first, {@code ocsvm-vN} once stored. */
    public String modelVersion() {
        return version;
    }

    /** The current Tribuo model (for tests and the model store), or null. */
    public Model<Event> model() {
        return model;
    }

    /** Vectors seen so far (learned or not). */
    public long seen() {
        return seen;
    }

    /** As {@link #observe(double[], ModelPublisher)} without a model store. */
    public double observe(double[] vitals) {
        return observe(vitals, null).score();
    }

    /**
     * Scores a vector (raw units, finite; negative values count as 0), learns it unless it is anomalous
     * after warm-up, and retrains on the {@link MultivariateConfig#firstTrain()} /
     * {@link MultivariateConfig#retrainEvery()} schedule, handing a new model to {@code publisher}.
     */
    public Result observe(double[] vitals, ModelPublisher publisher) {
        if (vitals.length != names.length) {
            throw new IllegalArgumentException("vector of " + vitals.length + " values for " + names.length + " dimensions");
        }
        double[] x = logs(vitals);
        double[] z = new double[names.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = (x[i] - center[i]) / spread[i];
        }
        double distance = Double.NEGATIVE_INFINITY;
        double raw = 0;
        if (model != null) {
            distance = (lowDecision - decision(x)) / decisionScale;
            raw = cfg.score(Math.max(0, distance));
        }
        boolean warm = seen >= cfg.warmup();
        double score = warm ? raw : Math.min(raw, 0.5);
        seen++;
        boolean learn;
        if (warm && raw >= 0.5) {
            // Held back: an incident must not become normal, unless it lasts (a new regime, e.g. a traffic level
            // never seen): after shiftRun in a row they are all learned and the model retrained at once, so a
            // lasting change alerts for one episode, not for hours.
            System.arraycopy(x, 0, held[run], 0, names.length);
            run++;
            learn = run >= cfg.shiftRun();
            if (learn) {
                for (int k = 0; k < run; k++) {
                    add(held[k]);
                }
                run = 0;
                train(publisher);
            }
        } else {
            run = 0;
            learn = true;
            add(x);
            if ((model == null && n >= cfg.firstTrain()) || (model != null && sinceTrain >= cfg.retrainEvery())) {
                train(publisher);
            }
        }
        return new Result(score, distance, z, version, learn);
    }

    private void add(double[] x) {
        System.arraycopy(x, 0, buffer[pos], 0, names.length);
        pos = (pos + 1) % buffer.length;
        n = Math.min(n + 1, buffer.length);
        sinceTrain++;
    }

    private static double[] logs(double[] v) {
        double[] x = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            x[i] = Math.log1p(Math.max(v[i], 0));
        }
        return x;
    }

    private double decision(double[] x) {
        return model.predict(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, names, x)).getOutput().getScore();
    }

    /** Trains a model on the buffer now (also used when a stored model cannot be read back). */
    public void train(ModelPublisher publisher) {
        standardisation();
        Map<String, List<Transformation>> perFeature = new LinkedHashMap<>();
        for (int d = 0; d < names.length; d++) {
            perFeature.put(names[d], List.of(SimpleTransform.sub(center[d]), SimpleTransform.div(spread[d])));
        }
        AnomalyFactory factory = new AnomalyFactory();
        MutableDataset<Event> ds = new MutableDataset<>(
            new SimpleDataSourceProvenance("perfstream service vitals " + key + " (log1p " + String.join(", ", names)
                + "; " + n + " vectors)", factory), factory);
        for (int i = 0; i < n; i++) {
            ds.add(new ArrayExample<>(AnomalyFactory.EXPECTED_EVENT, names, buffer[i]));
        }
        SVMParameters<Event> params = new SVMParameters<>(new SVMAnomalyType(SVMAnomalyType.SVMMode.ONE_CLASS), KernelType.RBF);
        params.setGamma(cfg.gamma());
        params.setNu(cfg.nu());
        // densify: a zero error rate must still be centred and scaled, not skipped as an absent feature.
        TransformTrainer<Event> trainer = new TransformTrainer<>(new LibSVMAnomalyTrainer(params),
            new TransformationMap(List.of(), perFeature), true);
        Map<String, Provenance> run = Map.of("series", new StringProvenance("series", key));
        model = trainer.train(ds, run);
        sinceTrain = 0;
        calibrate();
        version = publisher == null ? UNSTORED : publisher.publish(key, model);
    }

    /**
     * Centre: median of each log dimension over the buffer. Scale: the minute-to-minute noise, estimated from
     * the MAD of consecutive differences (divided by sqrt 2), not the spread of the whole buffer: vitals that
     * move together with the daily load (throughput, CPU, memory) form a thin curve, and only in noise units
     * is a point off that curve (CPU high at low throughput) as far away as it is unusual.
     */
    private void standardisation() {
        double[] col = new double[n];
        double[] diff = new double[Math.max(1, n - 1)];
        double[] scratch = new double[n];
        int start = n < buffer.length ? 0 : pos;
        for (int d = 0; d < names.length; d++) {
            for (int k = 0; k < n; k++) {
                col[k] = buffer[(start + k) % buffer.length][d];
                if (k > 0) {
                    diff[k - 1] = col[k] - col[k - 1];
                }
            }
            center[d] = Robust.median(col, n, scratch);
            double noise = Robust.MAD_TO_SIGMA * Robust.mad(diff, n - 1, Robust.median(diff, n - 1, scratch), scratch)
                / Math.sqrt(2);
            spread[d] = Math.max(noise, MIN_SCALE);
        }
    }

    /**
     * Uses a model trained elsewhere (same dimensions, e.g. read from the model store), calibrated on this
     * detector's buffer. Ignored (false) while the buffer is smaller than {@link MultivariateConfig#firstTrain()}.
     */
    public boolean useModel(Model<Event> m, String label) {
        if (n < cfg.firstTrain()) {
            return false;
        }
        for (String name : names) {
            if (m.getFeatureIDMap().getID(name) < 0) {
                throw new IllegalArgumentException("model " + label + " lacks dimension " + name);
            }
        }
        model = m;
        version = label;
        sinceTrain = 0;
        standardisation();
        calibrate();
        return true;
    }

    /** Restores the model a state was saved with (calibration comes from the state). */
    void restoreModel(Model<Event> m) {
        model = m;
    }

    private void calibrate() {
        double[] dec = new double[n];
        double[] scratch = new double[n];
        for (int i = 0; i < n; i++) {
            dec[i] = decision(buffer[i]);
        }
        double med = Robust.median(dec, n, scratch);
        double scale = Math.max(Robust.MAD_TO_SIGMA * Robust.mad(dec, n, med, scratch), 1e-6);
        System.arraycopy(dec, 0, scratch, 0, n);
        Arrays.sort(scratch, 0, n);
        lowDecision = scratch[(int) Math.floor(0.01 * (n - 1))];
        // The median-to-1st-percentile distance is about 2.33 standard deviations of normal data.
        decisionScale = Math.max(scale, (med - lowDecision) / 2.33);
    }

}
