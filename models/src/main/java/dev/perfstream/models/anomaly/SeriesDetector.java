package dev.perfstream.models.anomaly;

import dev.perfstream.models.feature.Robust;
import dev.perfstream.models.feature.SeriesFeatures;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.tribuo.regression.sgd.linear.LinearSGDModel;

/**
 * Online anomaly scoring of one series: the same code runs per window inside the scoring topology and
 * per row in {@code perfstream backtest anomalies}.
 *
 * <p>For each value: the robust level is the median of the last {@value #RECENT} cleaned values; the
 * noise scale is 1.4826 x MAD of the last out-of-sample residuals (floored, so constant series work);
 * the Tribuo model ({@link LinearExpectation}) predicts the standardised deviation from the level from
 * lags and seasonal position; the residual in noise units maps to a score through
 * {@link DetectorConfig#score}. Anomalous values are replaced by the expectation in the history, so an
 * incident does not teach the model that it is normal; after {@link DetectorConfig#shiftRun} anomalous
 * values on the same side the new level is accepted. Before {@link DetectorConfig#warmup} residuals
 * exist, scores are capped at 0.5. A value whose timestamp is not after the last learned one, or that is
 * NaN, is scored (or given 0) without being learned.
 *
 * <p>Not thread-safe: one owner (a stream task, a backtest loop). State round-trips through
 * {@link DetectorStateCodec}.
 */
public final class SeriesDetector {
    /** Size of the ring of recent cleaned values (level and lags). */
    public static final int RECENT = 15;

    /** Receives each newly trained model; returns the version label to use (e.g. after storing it). */
    @FunctionalInterface
    public interface ModelPublisher {
        String publish(String seriesKey, LinearSGDModel model);
    }

    final DetectorConfig cfg;
    final String key;
    long learnedCount;
    long lastTs = Long.MIN_VALUE;
    final double[] recent;
    private final double[] sortedRecent;
    int recentPos;
    int recentN;
    final double[] resid;
    int residPos;
    int residN;
    double sigma = Double.NaN;
    int sinceSigma;
    int shiftSign;
    int shiftN;
    final double[] shiftRaw;
    LinearExpectation model = LinearExpectation.BASELINE;
    final double[][] trainX;
    final double[] trainY;
    int trainPos;
    int trainN;
    long sinceTrain;
    int trainedVersions;

    private final double[] scratch;
    private final double[] features = new double[SeriesFeatures.COUNT];

    /** A new detector with no history. */
    public SeriesDetector(String key, DetectorConfig cfg) {
        this(key, cfg, RECENT, cfg.residualWindow(), cfg.shiftRun(), cfg.trainRows());
    }

    SeriesDetector(String key, DetectorConfig cfg, int recentLen, int residLen, int shiftLen, int trainLen) {
        this.key = key;
        this.cfg = cfg;
        this.recent = new double[recentLen];
        this.sortedRecent = new double[recentLen];
        this.resid = new double[residLen];
        this.shiftRaw = new double[shiftLen];
        this.trainX = new double[trainLen][SeriesFeatures.COUNT];
        this.trainY = new double[trainLen];
        this.scratch = new double[Math.max(recentLen, residLen)];
    }

    /** Series key this detector belongs to. */
    public String key() {
        return key;
    }

    /** Version label of the model in use. */
    public String modelVersion() {
        return model.version();
    }

    /** Observations learned from so far. */
    public long learnedCount() {
        return learnedCount;
    }

    /** Swaps in another model (e.g. a newer version from the model store) without touching the history. */
    public void useModel(LinearExpectation m) {
        this.model = m;
    }

    /** As {@link #observe(long, double, Noise, ModelPublisher)} with no noise floor and no publisher. */
    public Score observe(long timeMillis, double value) {
        return observe(timeMillis, value, null, null);
    }

    /**
     * Scores a value, then learns from it.
     *
     * @param noise      lower bound of the noise scale known from the statistic (e.g. binomial noise of an
     *                   error rate given the window's count), null if none
     * @param publisher  receives retrained models; null to keep them in memory only
     */
    public Score observe(long timeMillis, double value, Noise noise, ModelPublisher publisher) {
        if (!Double.isFinite(value)) {
            return new Score(recentN == 0 ? Double.NaN : level(), 0, 0, model.version(), false);
        }
        if (recentN == 0) {
            push(value);
            lastTs = timeMillis;
            learnedCount++;
            return new Score(value, 0, 0, model.version(), true);
        }
        double level = level();
        double s = scale(level, noise == null ? 0 : noise.floor(level));
        SeriesFeatures.fill(features, recent, recentPos, recentN, level, s, timeMillis);
        double expected = level + s * model.predict(features);
        double z = (value - expected) / s;
        double absZ = Math.abs(z);
        double score = cfg.score(absZ);
        if (residN < cfg.warmup()) {
            score = Math.min(score, 0.5);
        }
        if (timeMillis <= lastTs) {
            return new Score(expected, score, z, model.version(), false);
        }
        learn(timeMillis, value, level, s, expected, z, publisher);
        return new Score(expected, score, z, model.version(), true);
    }

    private void learn(long t, double value, double level, double s, double expected, double z,
                       ModelPublisher publisher) {
        lastTs = t;
        learnedCount++;
        if (Math.abs(z) > cfg.zHalf() && residN >= cfg.warmup()) {
            int sign = z > 0 ? 1 : -1;
            if (sign != shiftSign) {
                shiftSign = sign;
                shiftN = 0;
            }
            shiftRaw[shiftN++] = value;
            pushResid(Math.signum(z) * cfg.zHalf() * s);
            if (shiftN >= cfg.shiftRun()) {
                // A level shift, not a blip: accept the new level at once, filling the whole recent ring
                // with the values of the run (so the median level moves now, not after half a ring).
                for (int i = 0; i < recent.length; i++) {
                    push(shiftRaw[i % shiftN]);
                }
                shiftN = 0;
                shiftSign = 0;
            } else {
                push(expected);
            }
            return;
        }
        shiftN = 0;
        shiftSign = 0;
        pushResid(value - expected);
        addTrainingRow(SeriesFeatures.clip((value - level) / s));
        push(value);
        maybeRetrain(publisher);
    }

    private void addTrainingRow(double target) {
        System.arraycopy(features, 0, trainX[trainPos], 0, SeriesFeatures.COUNT);
        trainY[trainPos] = target;
        trainPos = (trainPos + 1) % trainY.length;
        trainN = Math.min(trainN + 1, trainY.length);
        sinceTrain++;
    }

    private void maybeRetrain(ModelPublisher publisher) {
        boolean first = trainedVersions == 0 && trainN >= cfg.firstTrain();
        if (!first && (trainedVersions == 0 || sinceTrain < cfg.retrainEvery())) {
            return;
        }
        OffsetDateTime at = OffsetDateTime.ofInstant(Instant.ofEpochMilli(lastTs), ZoneOffset.UTC);
        LinearSGDModel trained = LinearExpectation.train(trainX, trainY, trainN, key, cfg.seed(), at);
        trainedVersions++;
        sinceTrain = 0;
        String version = publisher == null ? "lsgd-v" + trainedVersions : publisher.publish(key, trained);
        LinearExpectation next = LinearExpectation.of(trained, version);
        if (Double.isFinite(next.bias()) && java.util.Arrays.stream(next.weights()).allMatch(Double::isFinite)) {
            model = next;
        }
    }

    private double level() {
        int n = recentN;
        return (n & 1) == 1 ? sortedRecent[n / 2] : 0.5 * (sortedRecent[n / 2 - 1] + sortedRecent[n / 2]);
    }

    private double scale(double level, double noiseFloor) {
        if (residN >= 3) {
            if (Double.isNaN(sigma) || ++sinceSigma >= 16 || residN < 64) {
                double med = Robust.median(resid, residN, scratch);
                double mad = Robust.mad(resid, residN, med, scratch);
                // MAD is 0 when most residuals are equal (integer counts): fall back on the mean deviation.
                sigma = Math.max(Robust.MAD_TO_SIGMA * mad, 0.5 * 1.2533 * Robust.meanAbs(resid, residN));
                sinceSigma = 0;
            }
        } else {
            sigma = 0.1 * Math.abs(level);
        }
        double floor = Math.max(cfg.relativeFloor() * Math.abs(level), noiseFloor);
        return Math.max(Math.max(sigma, floor), 1e-9);
    }

    /** Rebuilds the sorted copy of the recent ring (after a state restore). */
    void resort() {
        System.arraycopy(recent, 0, sortedRecent, 0, recentN);
        java.util.Arrays.sort(sortedRecent, 0, recentN);
    }

    private void push(double v) {
        // Keep sortedRecent sorted: drop the value leaving the ring, insert the new one (15 moves at most),
        // so the median level costs no sort per observation.
        int n = recentN;
        if (n == recent.length) {
            double old = recent[recentPos];
            int i = 0;
            while (i < n - 1 && Double.compare(sortedRecent[i], old) != 0) {
                i++;
            }
            System.arraycopy(sortedRecent, i + 1, sortedRecent, i, n - 1 - i);
            n--;
        }
        int j = n;
        while (j > 0 && sortedRecent[j - 1] > v) {
            sortedRecent[j] = sortedRecent[j - 1];
            j--;
        }
        sortedRecent[j] = v;
        recent[recentPos] = v;
        recentPos = (recentPos + 1) % recent.length;
        recentN = Math.min(recentN + 1, recent.length);
    }

    private void pushResid(double r) {
        resid[residPos] = r;
        residPos = (residPos + 1) % resid.length;
        residN = Math.min(residN + 1, resid.length);
    }
}
