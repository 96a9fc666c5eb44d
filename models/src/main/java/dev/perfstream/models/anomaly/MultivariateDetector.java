package dev.perfstream.models.anomaly;

import dev.perfstream.models.feature.Robust;
import java.util.Map;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.libsvm.LibSVMAnomalyTrainer;
import org.tribuo.anomaly.libsvm.SVMAnomalyType;
import org.tribuo.common.libsvm.KernelType;
import org.tribuo.common.libsvm.SVMParameters;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Unusual combinations of one service's vitals (latency, error rate, throughput, resource use): a Tribuo
 * one-class SVM (LibSVM, RBF kernel) on robustly standardised vectors, each of which may look normal on its
 * own. Dimensions are log-transformed ({@code log1p}) and centred/scaled by the median and MAD of the
 * training buffer; the SVM's decision value is turned into a score by the spread of the decision values
 * on the training data, counted from the training decisions' 1st percentile (0.5 at {@code zHalf} spreads
 * below it, 0.9 at {@code zAlert}).
 *
 * <p>Scores 0 until the first model exists. Not thread-safe; one owner.
 */
public final class MultivariateDetector {
    /** Names of the vector's dimensions, in order. */
    public static final String[] NAMES = {"latency", "error_rate", "throughput", "resource"};

    private final DetectorConfig cfg;
    private final double[][] buffer;
    private final double nu;
    private int pos;
    private int n;
    private long sinceTrain;
    private Model<Event> model;
    private final double[] center = new double[NAMES.length];
    private final double[] spread = new double[NAMES.length];
    private double decisionScale = 1;
    private double lowDecision;
    private int versions;

    /**
     * @param capacity vectors kept for training (the most recent)
     * @param nu       expected share of outliers in the training data (LibSVM's nu)
     */
    public MultivariateDetector(DetectorConfig cfg, int capacity, double nu) {
        this.cfg = cfg;
        this.buffer = new double[capacity][NAMES.length];
        this.nu = nu;
    }

    /** Version label of the model in use, {@code none} before the first training. */
    public String modelVersion() {
        return model == null ? "none" : "ocsvm-v" + versions;
    }

    /** The current Tribuo model (for the model store), or null. */
    public Model<Event> model() {
        return model;
    }

    /**
     * Scores a vector (raw units, NaN-free) and adds it to the training buffer; retrains on the
     * {@link DetectorConfig#firstTrain()} / {@link DetectorConfig#retrainEvery()} schedule.
     */
    public double observe(double[] vitals) {
        double[] z = standardise(vitals);
        double score = 0;
        if (model != null) {
            double decision = decision(z);
            double below = Math.max(0, (lowDecision - decision) / decisionScale);
            score = cfg.score(below);
        }
        System.arraycopy(vitals, 0, buffer[pos], 0, NAMES.length);
        pos = (pos + 1) % buffer.length;
        n = Math.min(n + 1, buffer.length);
        sinceTrain++;
        if ((model == null && n >= cfg.firstTrain()) || (model != null && sinceTrain >= cfg.retrainEvery())) {
            train();
        }
        return score;
    }

    private double decision(double[] z) {
        Prediction<Event> p = model.predict(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, NAMES, z));
        return p.getOutput().getScore();
    }

    private double[] standardise(double[] v) {
        double[] z = new double[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            z[i] = (Math.log1p(Math.max(v[i], 0)) - center[i]) / spread[i];
        }
        return z;
    }

    private void train() {
        double[] col = new double[n];
        double[] scratch = new double[n];
        for (int d = 0; d < NAMES.length; d++) {
            for (int i = 0; i < n; i++) {
                col[i] = Math.log1p(Math.max(buffer[i][d], 0));
            }
            center[d] = Robust.median(col, n, scratch);
            spread[d] = Math.max(Robust.MAD_TO_SIGMA * Robust.mad(col, n, center[d], scratch), 1e-3);
        }
        AnomalyFactory factory = new AnomalyFactory();
        MutableDataset<Event> ds = new MutableDataset<>(new SimpleDataSourceProvenance("perfstream service vitals", factory), factory);
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = standardise(buffer[i]);
            ds.add(new ArrayExample<>(AnomalyFactory.EXPECTED_EVENT, NAMES, rows[i]));
        }
        SVMParameters<Event> params = new SVMParameters<>(new SVMAnomalyType(SVMAnomalyType.SVMMode.ONE_CLASS), KernelType.RBF);
        params.setGamma(0.1); // smooth boundary: standardised dimensions, few of them
        params.setNu(nu);
        @SuppressWarnings("unchecked")
        Model<Event> trained = new LibSVMAnomalyTrainer(params).train(ds, Map.of());
        model = trained;
        versions++;
        sinceTrain = 0;
        // Spread of the decision values on the training data sets the unit of "how far outside".
        double[] dec = new double[n];
        for (int i = 0; i < n; i++) {
            dec[i] = decision(rows[i]);
        }
        double med = Robust.median(dec, n, scratch);
        decisionScale = Math.max(Robust.MAD_TO_SIGMA * Robust.mad(dec, n, med, scratch), 1e-6);
        // Distances are measured from the 1st percentile of the training decisions (scratch is sorted by mad()).
        System.arraycopy(dec, 0, scratch, 0, n);
        java.util.Arrays.sort(scratch, 0, n);
        lowDecision = scratch[(int) Math.floor(0.01 * (n - 1))];
        // The median-to-1st-percentile distance is about 2.33 standard deviations of normal data.
        decisionScale = Math.max(decisionScale, (med - lowDecision) / 2.33);
    }
}
