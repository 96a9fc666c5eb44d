package dev.perfstream.models.anomaly;

import dev.perfstream.models.feature.Robust;
import dev.perfstream.models.feature.SeriesFeatures;
import org.tribuo.regression.sgd.linear.LinearSGDModel;

/**
 * Online anomaly scoring of one series: the same code runs per window inside the scoring topology and
 * per row in {@code perfstream backtest anomalies}.
 *
 * <p>Each value is first divided by its day of the week's factor ({@link WeeklyPattern}: 1 until the series
 * shows a weekly pattern), and everything below works on that quotient; the expectation is multiplied back.
 * For each value, two expectations: the Tribuo model ({@link LinearExpectation}: the standardised
 * deviation from the robust level, the median of the last {@value #RECENT} cleaned values, from lags and
 * seasonal position), and the seasonal one (the median of the last {@value #RECENT} cleaned values minus
 * the {@link DailyProfile} at their time of day, plus the profile now: the day's shape at the current
 * level). The one with the smaller recent squared error is used. The residual is divided by the noise
 * scale (1.4826 x MAD of the last out-of-sample residuals, never below a share of the level, of the
 * series' own spread, or of the statistic's sampling noise) and its tail probability against the series'
 * own recent residuals ({@link TailCalibration}) maps to a score through {@link DetectorConfig#score}.
 * Anomalous values (probability below {@link DetectorConfig#pHalf}) are replaced by the expectation in the
 * history, so an incident does not teach the model that it is normal; after {@link DetectorConfig#shiftRun}
 * of them on the same side the new level is accepted. Before {@link DetectorConfig#warmup} residuals exist,
 * scores are capped at 0.5. A value whose timestamp is not after the last learned one, or that is NaN, is
 * scored (or given 0) without being learned. The series' step is the smallest gap among its first
 * {@value #STEP_GAPS} gaps; the daily profile starts after that.
 *
 * <p>Not thread-safe: one owner (a stream task, a backtest loop). State round-trips through
 * {@link DetectorStateCodec}.
 */
public final class SeriesDetector {
    /** Size of the ring of recent cleaned values (level and lags). */
    public static final int RECENT = 15;
    /** Gaps between the first values that fix the step. */
    static final int STEP_GAPS = 8;
    /** Squared errors above this (in noise units squared) count as this much when the expectations are compared. */
    private static final double ERR_CAP = 100;
    /** Anomalous values closer than this (in values) to the previous one are part of a burst. */
    static final int ISOLATION = 10;
    /** Weight of one value in the running squared errors of the two expectations. */
    private static final double ERR_ALPHA = 1.0 / 512;
    /** Weight of one value in the long-run mean and spread (at least 1 / values seen, so they start at once). */
    private static final double SPREAD_ALPHA = 1.0 / 1024;
    /** Weight of one value in the short-run mean |residual|. */
    static final double SHORT_ALPHA = 1.0 / 16;
    /** Residuals above this many noise scales count as this much in the short-run mean |residual|. */
    static final double SHORT_CAP = 6;
    /** The short-run scale (from the mean |residual|) counts at this share, so calm noise never raises the scale. */
    static final double SHORT_GAIN = 0.8;

    /** Receives each newly trained model; returns the version label to use (e.g. after storing it). */
    @FunctionalInterface
    public interface ModelPublisher {
        String publish(String seriesKey, LinearSGDModel model);
    }

    final DetectorConfig cfg;
    final String key;
    long learnedCount;
    long lastTs = Long.MIN_VALUE;
    final RecentValues recent;
    final double[] resid;
    int residPos;
    int residN;
    double sigma = Double.NaN;
    int sinceSigma;
    int shiftSign;
    int shiftN;
    /** Values learned since the current run of anomalous values on one side began (its tail entries). */
    int shiftSpan;
    final double[] shiftRaw;
    final double[] shiftDeseason;
    LinearExpectation model = LinearExpectation.BASELINE;
    final ExpectationTraining training;
    long stepMs;
    int stepGaps;
    DailyProfile profile;
    double errModel;
    double errSeasonal = Double.NaN;
    double longMean = Double.NaN;
    double spread;
    double lastRaw = Double.NaN;
    long lastAnomalous = Long.MIN_VALUE / 2;
    double stepSpread;
    /** Exponentially weighted mean |residual| of every learned value, anomalous ones included (capped). */
    double recentAbs = Double.NaN;
    final TailCalibration tail;
    final WeeklyPattern weekly = new WeeklyPattern();
    final DayStarts dayStarts = new DayStarts();

    /** The level the current value is compared with when the profile learns it (set per observation). */
    private double profileBase;
    private final double[] scratch;
    private final double[] features = new double[SeriesFeatures.COUNT];

    /** A new detector with no history. */
    public SeriesDetector(String key, DetectorConfig cfg) {
        this(key, cfg, RECENT, cfg.residualWindow(), cfg.shiftRun(), cfg.trainRows(), cfg.tailWindow());
    }

    SeriesDetector(String key, DetectorConfig cfg, int recentLen, int residLen, int shiftLen, int trainLen, int tailLen) {
        this.key = key;
        this.cfg = cfg;
        this.recent = new RecentValues(recentLen);
        this.resid = new double[residLen];
        this.shiftRaw = new double[shiftLen];
        this.shiftDeseason = new double[shiftLen];
        this.training = new ExpectationTraining(trainLen);
        this.tail = new TailCalibration(tailLen, cfg.tailGrowth());
        this.scratch = new double[residLen];
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
    public Score observe(long timeMillis, double observed, Noise noise, ModelPublisher publisher) {
        if (!Double.isFinite(observed)) {
            double level = recent.n == 0 ? Double.NaN : weekly.factor(timeMillis) * recent.level();
            return new Score(level, 0, 0, model.version(), false);
        }
        if (timeMillis > lastTs) {
            weekly.learn(timeMillis, observed, stepMs); // only ends complete days: this value is not judged by itself
        }
        // Everything below sees the value divided by its day of the week's factor (1 without a weekly pattern).
        double week = weekly.factor(timeMillis);
        double value = observed / week;
        if (recent.n == 0) {
            recent.push(value, Double.NaN);
            lastTs = timeMillis;
            learnedCount++;
            longMean = value;
            lastRaw = value;
            return new Score(observed, 0, 0, model.version(), true);
        }
        double level = recent.level();
        double s = scale(level, noise == null ? 0 : noise.floor(level * week) / week);
        SeriesFeatures.fill(features, recent.values, recent.pos, recent.n, level, s, timeMillis);
        double byModel = level + s * model.predict(features);
        double prof = profile == null ? Double.NaN : profile.at(timeMillis);
        double deLevel = recent.deseasonedLevel();
        double bySeason = prof + deLevel;
        // The profile learns each value relative to this level (the day's shape, not its level); a slot's
        // first value, and values while no level relative to the profile exists yet, as they are.
        profileBase = Double.isNaN(deLevel) || Double.isNaN(prof) ? 0 : deLevel;
        boolean seasonal = !Double.isNaN(bySeason) && errSeasonal < 0.9 * errModel;
        double expected = seasonal ? bySeason : byModel;
        double z = (value - expected) / s;
        double p = tail.pValue(Math.abs(z));
        // The score, not what is learned, is bounded at a day's start where earlier days started as far off.
        int dayWindow = DayStarts.window(cfg.shiftRun(), stepMs);
        double score = cfg.score(Math.max(p, dayStarts.floor(timeMillis, z, dayWindow)));
        if (residN < cfg.warmup() || tail.count() < cfg.warmup()) {
            score = Math.min(score, 0.5);
        }
        if (timeMillis <= lastTs) {
            return new Score(week * expected, score, z, model.version(), false);
        }
        boolean anomalous = p < cfg.pHalf() && residN >= cfg.warmup() && tail.count() >= cfg.warmup();
        // Both expectations are judged on every learned value, anomalous ones included (capped): a daily
        // jump the model misses and the profile foresees is anomalous to the model, and must count against it.
        errModel += ERR_ALPHA * (Math.min(ERR_CAP, sq((value - byModel) / s)) - errModel);
        if (Double.isNaN(bySeason)) {
            errSeasonal = Double.NaN; // not comparable: the model's expectation is used
        } else {
            double e = Math.min(ERR_CAP, sq((value - bySeason) / s));
            errSeasonal = Double.isNaN(errSeasonal) ? errModel : errSeasonal + ERR_ALPHA * (e - errSeasonal);
        }
        learnStep(timeMillis);
        // A day leaving the ring of day starts stays among the jumps if it could bound an anomalous value.
        double jump = dayStarts.startsDay(timeMillis) ? tail.zAt(cfg.pHalf()) / DayStarts.SLACK : 0;
        dayStarts.learn(timeMillis, z, dayWindow, jump);
        double absRes = Math.min(Math.abs(value - expected), SHORT_CAP * s);
        recentAbs = Double.isNaN(recentAbs) ? absRes : recentAbs + SHORT_ALPHA * (absRes - recentAbs);
        // An anomalous residual that follows another within ISOLATION values enters the tail's history at
        // its 98th percentile, not at its own: a burst of tens of points must not become the tail the next
        // values are judged by (each value would make the next look less rare). An isolated one enters as it
        // is, so a rare value that recurs now and then (two events where one is common, a shape's daily
        // corner) is learned; the tail's fit on a median, and the tolerance of its empirical part, keep a
        // few isolated incidents from blunting it.
        boolean burst = anomalous && learnedCount - lastAnomalous <= ISOLATION;
        tail.add(burst ? tail.percentile98() : Math.abs(z));
        if (anomalous) {
            lastAnomalous = learnedCount;
        }
        learn(timeMillis, value, level, s, expected, z, prof, anomalous, publisher);
        return new Score(week * expected, score, z, model.version(), true);
    }

    private static double sq(double x) {
        return x * x;
    }

    /** Fixes the step from the first gaps, then starts the daily profile. */
    private void learnStep(long t) {
        if (stepGaps >= STEP_GAPS || lastTs == Long.MIN_VALUE) {
            return;
        }
        long gap = t - lastTs;
        stepMs = stepMs == 0 ? gap : Math.min(stepMs, gap);
        if (++stepGaps == STEP_GAPS) {
            int slots = DailyProfile.slotsFor(stepMs);
            profile = slots == 0 ? null : new DailyProfile(slots);
        }
    }

    private void learn(long t, double value, double level, double s, double expected, double z, double prof,
                       boolean anomalous, ModelPublisher publisher) {
        lastTs = t;
        learnedCount++;
        int sign = z > 0 ? 1 : -1;
        if (anomalous) {
            if (sign != shiftSign) {
                shiftSign = sign;
                shiftN = 0;
                shiftSpan = 0;
            }
            shiftSpan++;
            shiftRaw[shiftN] = value;
            shiftDeseason[shiftN++] = value - prof;
            pushResid(Math.signum(z) * tail.zAt(cfg.pHalf()) * s);
            if (shiftN >= cfg.shiftRun()) {
                // A level shift, not a blip: accept the new level at once, filling the whole recent ring
                // with the values of the run (so the median level moves now, not after half a ring). The
                // profile holds the day's shape relative to the level, so it does not move.
                for (int i = 0; i < recent.values.length; i++) {
                    recent.push(shiftRaw[i % shiftN], shiftDeseason[i % shiftN]);
                }
                // The run's residuals were the move to the new level, not noise: they leave the tail's history.
                tail.neutraliseLast(shiftSpan);
                shiftN = 0;
                shiftSign = 0;
                shiftSpan = 0;
            } else {
                recent.push(expected, expected - prof);
            }
            if (profile != null && Double.isNaN(profile.at(t))) {
                profile.learn(t, value - profileBase); // a slot's first value, even an anomalous one: a NaN slot never learns
            }
            learnLongRun(value);
            return;
        }
        if (sign != shiftSign) { // a calm value on the other side ends a run; one on the same side does not
            shiftN = 0;
            shiftSign = 0;
            shiftSpan = 0;
        } else if (shiftN > 0) {
            shiftSpan++;
        }
        pushResid(value - expected);
        training.add(features, SeriesFeatures.clip((value - level) / s));
        recent.push(value, value - prof);
        if (profile != null) {
            profile.learn(t, value - profileBase);
        }
        learnLongRun(value);
        LinearExpectation next = training.maybeRetrain(key, cfg, lastTs, publisher);
        if (next != null) {
            model = next;
        }
    }

    /**
     * The long-run mean and spread follow every value, anomalous or not (the series' own scale). The daily
     * profile learns calm values only: learning an anomalous value's expectation instead fed a misfit back
     * into the next day's expectation at that time.
     */
    private void learnLongRun(double raw) {
        double a = Math.max(SPREAD_ALPHA, 1.0 / learnedCount);
        longMean += a * (raw - longMean);
        spread += a * (Math.abs(raw - longMean) - spread);
        if (!Double.isNaN(lastRaw)) {
            stepSpread += Math.max(SPREAD_ALPHA, 1.0 / (learnedCount - 1)) * (Math.abs(raw - lastRaw) - stepSpread);
        }
        lastRaw = raw;
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
        // Floors: a share of the level; a share of the spread of the values (noise-free shapes); half the mean
        // change from one value to the next (integer counts that are mostly 0: their residuals' MAD is 0, and
        // a scale learned from residuals alone shrank until every event looked impossible); sampling noise.
        double floor = Math.max(Math.max(cfg.relativeFloor() * Math.abs(level), cfg.scaleFloor() * spread),
            Math.max(0.5 * stepSpread, noiseFloor));
        double shortRun = Double.isNaN(recentAbs) || residN < cfg.warmup() ? 0 : SHORT_GAIN * 1.2533 * recentAbs;
        return Math.max(Math.max(Math.max(sigma, shortRun), floor), 1e-9);
    }

    private void pushResid(double r) {
        resid[residPos] = r;
        residPos = (residPos + 1) % resid.length;
        residN = Math.min(residN + 1, resid.length);
    }
}
