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
 * gaps), from the series' own past only. Every span below is a time span (given here as at a 1-minute step)
 * converted to steps of the series, with a floor in steps where a median or a MAD needs a few values, so the
 * same code serves 10-second to 1-hour series.
 * <ul>
 *   <li><b>Seasonal profile</b> at the target: the daily profile (median over the last 7 days of the mean of
 *       +-15 min around the same time of day: the median keeps one day's incident out, the smoothing
 *       cuts the noise a few days leave) times the weekly factor (median over blocks of 11 min in +-60 min,
 *       at least 5 blocks, around the same time 1..3 weeks ago of the block's ratio to the daily profile: pools the daily shape
 *       over all days of the week and lets a week set only its day's level; an incident of up to 30 min in
 *       last week is outvoted). Differences instead of ratios where a value is not positive.</li>
 *   <li><b>Damped recent level</b>: the deviation of the last 15 min (median) from the profile, shrunk to
 *       0 within 2 standard errors of noise and decayed as exp(-h / 15 min): followed at 5 min, all but
 *       ignored at 2 h, so a surge in progress is not carried on after it ends.</li>
 *   <li><b>Learned correction</b>: a Tribuo linear SGD regression with a Huber loss (incidents in the history
 *       pull the weights little), per horizon, on the series' own rolling origins whose outcome is known,
 *       retrained every {@code retrainEvery} steps, from features in units of a scale (the noise, at least
 *       2 % of the level): the level of the last 15 / 60 / 240 min relative to the profile, the last
 *       value's residual, the weekly factor's effect. At forecast time each feature is clipped to the range
 *       it took in 98 % of the training rows: the linear model is not extrapolated to an incident it has
 *       not seen; a lasting level shift enters the range at the next retraining. Trained only on origins
 *       whose target had a weekly factor iff the current one has, and not applied across that change.</li>
 * </ul>
 * A guard issues the better seasonal-naive forecast while the model has recently been worse (see
 * {@link #outcome}). The 90 % interval comes from the 5th and 95th percentiles of the last 1000 out-of-sample
 * errors of the issued forecast in scale units, times a width adapted to the recent share of misses. Used by {@code perfstream backtest
 * forecast}, {@code perfstream eval forecast} and, through {@link SeriesForecaster}, the scoring topology.
 */
public final class HorizonForecaster {
    static final String[] NAMES = {"level15", "level60", "last_residual", "week_factor", "level240"};
    private static final long MINUTE = 60_000L;
    private static final int DAYS = 7;
    private static final int WEEKS = 3;
    private static final double CLIP = 30;
    /** Forecast errors are kept (in scale units) up to this: clipping at CLIP biased the interval's quantiles. */
    private static final double ERR_CLIP = 1e4;
    private static final double REL_FLOOR = 0.02;
    /** Smallest half-width of the 90 % interval, in scale units. */
    private static final double MIN_HALF_WIDTH = 0.01;
    private static final int ERRORS = 1000;
    /** Relative margin by which the model must be worse (better) than the best seasonal-naive to hand over (back). */
    private static final double GUARD_MARGIN = 0.1;
    /** Absolute errors (scale units) count up to this in the guard: incidents, which every method misses, do not decide it. */
    private static final double GUARD_CAP = 5;

    /** Positive-part shrinkage of a deviation z with standard error se: 0 within 2 se, towards z beyond. */
    private static double shrink(double z, double se) {
        return z == 0 ? 0 : z * Math.max(0, 1 - 4 * se * se / (z * z));
    }

    private final int h;
    private final int day;
    private final int week;
    /** Spans in steps, from spans in time and the step (see the constructor). */
    private final int recent;
    private final int longW;
    private final int longest;
    private final int noiseWindow;
    private final int dayHw;
    private final int halfWidth;
    private final int blocks;
    private final double tau;
    /** Decay (steps) of the part of the recent deviation that the last 4 h share. */
    private final double tauLong;
    /**
     * Standard error, in noise units, of the deviation of the median of the recent values from the profile:
     * the median's variance (pi/2 sigma^2 / recent) plus the profile's (a median of 7 daily window means).
     */
    private final double recentSe;
    private final double guardAlpha;
    /** Running capped absolute errors (scale units) of the model, same time yesterday, same time last week. */
    private double errModel = Double.NaN;
    private double errDay = Double.NaN;
    private double errWeek = Double.NaN;
    /** Outcomes each running error has seen: a baseline counts once it has {@value #GUARD_MIN} of them. */
    private int nDay;
    private int nWeek;
    /** What is issued: 0 the model, 1 same time yesterday, 2 same time last week. */
    private int issuing;
    private static final int GUARD_MIN = 50;
    /** Step of the interval's width multiplier per outcome. */
    private static final double WIDEN_RATE = 0.02;
    /** Multiplier of the interval's half-widths, adapted to the recent share of actuals outside it. */
    private double widen = 1;
    private final long intervalMs;
    private final int retrainEvery;
    private final int trainRows;
    private double[] w;
    private double bias;
    private final double[] fLo = new double[NAMES.length];
    private final double[] fHi = new double[NAMES.length];
    private boolean trainedWithWeek;
    private boolean hadWeek;
    private int lastTrain = Integer.MIN_VALUE;
    private final float[] errRing = new float[ERRORS]; // float: as in the state (a round trip changes nothing)
    private int errN;
    private int errPos;
    private final double[] scratch;
    private final double[] tmp;
    private final SeasonalProfile profile = new SeasonalProfile(Math.max(DAYS, WEEKS));
    private String modelVersion = "seasonal-naive";
    private ModelPublisher publisher;

    /** Stores a freshly trained model (e.g. in the ModelStore) and returns its version label. */
    @FunctionalInterface
    public interface ModelPublisher {
        String publish(int horizonSteps, LinearSGDModel model);
    }

    /**
     * One forecast: what is issued (the model's, or a seasonal-naive one while the guard prefers it) with its
     * 90 % interval, and the model's own prediction (NaN if unknown), which the guard keeps scoring.
     */
    public record Forecast(double predicted, double lower, double upper, double model) {
    }

    public HorizonForecaster(int horizonSteps, long intervalMs, int retrainEvery, int trainRows) {
        this.h = horizonSteps;
        this.intervalMs = intervalMs;
        this.day = (int) Math.max(1, Math.round(86_400_000.0 / intervalMs));
        this.week = 7 * day;
        // Spans were chosen in time on 1-minute series (15 min recent level, 60 and 240 min level features, 60
        // min of noise, +-15 min daily profile windows, 11-minute weekly blocks over +-60 min, 15 min damping);
        // each is that time in steps, with a floor in steps where a median or a MAD needs a few values.
        this.recent = span(15 * MINUTE, 3);
        this.longW = span(60 * MINUTE, 6);
        this.longest = span(240 * MINUTE, 12);
        this.noiseWindow = span(60 * MINUTE, 20);
        this.dayHw = (int) Math.round(15.0 * MINUTE / intervalMs);
        this.halfWidth = (int) Math.round(5.0 * MINUTE / intervalMs);
        int blockLen = 2 * halfWidth + 1;
        this.blocks = Math.max(5, (int) Math.round(121.0 * MINUTE / ((double) blockLen * intervalMs)) | 1);
        this.tau = Math.max(1.0, 15.0 * MINUTE / intervalMs);
        this.tauLong = Math.max(longest, 240.0 * MINUTE / intervalMs); // at least the span the lasting part is seen over
        this.recentSe = Math.sqrt(1.57 / recent + 1.57 / (DAYS * Math.min(11, 2 * dayHw + 1)));
        this.guardAlpha = 1.0 / Math.max(200, 2 * day); // about two days of outcomes, at least 200
        this.tmp = new double[Math.max(longest, noiseWindow)];
        this.scratch = new double[Math.max(Math.max(noiseWindow, ERRORS), longest)];
        this.blockScratch = new double[blocks * WEEKS];
        this.blockScratch2 = new double[blocks * WEEKS];
        this.retrainEvery = retrainEvery;
        this.trainRows = trainRows;
    }

    /** {@code ms} in steps of this series, at least {@code min}. */
    private int span(long ms, int min) {
        return (int) Math.max(min, Math.round((double) ms / intervalMs));
    }

    /**
     * Level and scale at origin k: the median of the last 15 values, and the noise (1.4826 MAD of the
     * differences of consecutive values among the last 60, / sqrt 2: insensitive to trend and seasonality),
     * at least 2 % of the level.
     */
    private double[] levelScale(TieredHistory v, int k) {
        int n = 0;
        for (int i = k; i >= 0 && i > k - 4 * recent && n < recent; i--) {
            if (!Double.isNaN(v.at(i))) {
                tmp[n++] = v.at(i);
            }
        }
        if (n == 0) {
            return null;
        }
        double level = Robust.median(tmp, n, scratch);
        int d = 0;
        for (int i = k; i >= 1 && i > k - noiseWindow; i--) {
            if (!Double.isNaN(v.at(i)) && !Double.isNaN(v.at(i - 1))) {
                tmp[d++] = v.at(i) - v.at(i - 1);
            }
        }
        double noise = d < 5 ? 0 : Robust.MAD_TO_SIGMA * Robust.mad(tmp, d, Robust.median(tmp, d, scratch), scratch)
            / Math.sqrt(2);
        return new double[] {level, Math.max(Math.max(noise, REL_FLOOR * Math.abs(level)), 1e-9)};
    }

    private static double clip(double z) {
        return Math.max(-CLIP, Math.min(CLIP, z));
    }

    /**
     * Daily profile at step c seen from origin k. When every window it averages ends at or before k
     * (c + 15 - day <= k) it no longer depends on k (values are only appended), so it is computed once per
     * step and cached: the training rows and consecutive origins share almost all of them. When the history's
     * tiers move (a block of values leaves the fine tier for a block mean, or the oldest block is dropped) the
     * entries whose windows touch the moved steps are dropped, so a cached value always equals a fresh
     * computation. The cache is made by a training (the scoring topology decodes a forecaster per window and
     * so computes directly); it is not part of the state (a decoded forecaster computes the same values).
     */
    private double dailyAt(TieredHistory v, int c, int k) {
        if (dcache == null || c + dayHw - day > k) {
            return profile.sharpAt(v, c, day, DAYS, dayHw, k);
        }
        if (cacheFine != v.fineStart() || cacheStart != v.start()) {
            followTiers(v);
            if (dcache == null) {
                return profile.sharpAt(v, c, day, DAYS, dayHw, k);
            }
        }
        int i = c - cacheFrom;
        if (i < 0 || i >= dcache.length) {
            return profile.sharpAt(v, c, day, DAYS, dayHw, k);
        }
        if (!dknown[i]) {
            dcache[i] = profile.sharpAt(v, c, day, DAYS, dayHw, c + dayHw - day);
            dknown[i] = true;
        }
        return dcache[i];
    }

    /**
     * Drops the cached daily profiles whose windows (c - j day +- 15, j = 1..7) touch steps that moved from
     * the fine tier into block means or out of the history since the cache last followed the tiers.
     */
    private void followTiers(TieredHistory v) {
        int fineFrom = cacheFine;
        int fineTo = v.fineStart();
        int startFrom = cacheStart;
        int startTo = v.start();
        if (fineTo < fineFrom || startTo < startFrom || fineTo - fineFrom > day || startTo - startFrom > day) {
            dcache = null; // the history was cleared or jumped: start the cache over at the next training
            dknown = null;
            return;
        }
        for (int j = 1; j <= DAYS; j++) {
            clearCache(fineFrom - dayHw + j * day, fineTo + dayHw + j * day);
            clearCache(startFrom - dayHw + j * day, startTo + dayHw + j * day);
        }
        cacheFine = fineTo;
        cacheStart = startTo;
    }

    private void clearCache(int cFrom, int cTo) {
        for (int c = Math.max(cFrom, cacheFrom); c < cTo && c - cacheFrom < dknown.length; c++) {
            dknown[c - cacheFrom] = false;
        }
    }

    /** Makes the cache valid for the history's current tiers, reaching a day and the horizon past its end. */
    private void ensureCache(TieredHistory v) {
        if (dcache != null && (cacheFine != v.fineStart() || cacheStart != v.start())) {
            followTiers(v);
        }
        int need = v.end() + day + h + blocks * (2 * halfWidth + 1);
        if (dcache == null) {
            cacheFrom = v.start();
            cacheFine = v.fineStart();
            cacheStart = v.start();
            dcache = new double[need - cacheFrom + day];
            dknown = new boolean[dcache.length];
        } else if (need - cacheFrom > dcache.length) {
            // slide the cache so that it starts at the history's start again (steps before it are never asked)
            int from = v.start();
            double[] nc = new double[need - from + day];
            boolean[] nk = new boolean[nc.length];
            int keep = Math.max(0, cacheFrom + dcache.length - from);
            int off = from - cacheFrom;
            if (off >= 0 && keep > 0) {
                System.arraycopy(dcache, off, nc, 0, Math.min(keep, nc.length));
                System.arraycopy(dknown, off, nk, 0, Math.min(keep, nc.length));
            }
            dcache = nc;
            dknown = nk;
            cacheFrom = from;
        }
    }

    private double[] dcache;
    private boolean[] dknown;
    private int cacheFrom;
    private int cacheFine;
    private int cacheStart;
    private static final double MULT = 1;
    private static final double ADD = 0;
    private final double[] blockScratch;
    private final double[] blockScratch2;

    /**
     * Weekly factor at step c: how the same time j weeks ago (j = 1..3) differed from the daily profile at
     * that time of day, as the median over blocks of 11 steps in c +- 60 (and over weeks) of the ratio of
     * the block's mean to the daily profile at the block's centre (or of the difference, when a value is not
     * positive). Pools the daily shape over all days of the week and lets one week set only the level of its
     * day (weekday / weekend); the median over 11 blocks keeps an incident of up to 30 min in last week's
     * values out of the forecast. {ADD, 0} (no adjustment) without a week of history.
     */
    private double[] weekFactor(TieredHistory v, int c, int k, double[] out) {
        int m = 0;
        boolean positive = true;
        for (int j = 1; j <= WEEKS; j++) {
            for (int b = -blocks / 2; b <= blocks / 2; b++) {
                int centre = c - j * week + b * (2 * halfWidth + 1);
                if (centre - halfWidth < v.start() || centre + halfWidth > k) {
                    continue;
                }
                // a block mean of the coarse tier where last weeks are older than the fine tier (approximate
                // where the 11-step block does not align with the tier's blocks)
                double mean = v.mean(centre - halfWidth, centre + halfWidth);
                double d = dailyAt(v, c + b * (2 * halfWidth + 1), k);
                if (Double.isNaN(mean) || Double.isNaN(d)) {
                    continue;
                }
                positive &= mean > 0 && d > 0;
                blockScratch[m] = mean;
                blockScratch2[m++] = d;
            }
        }
        if (m < blocks / 2) {
            out[0] = ADD;
            out[1] = 0;
            hadWeek = false;
            return out;
        }
        hadWeek = true;
        for (int i = 0; i < m; i++) {
            blockScratch[i] = positive ? blockScratch[i] / blockScratch2[i] : blockScratch[i] - blockScratch2[i];
        }
        out[0] = positive ? MULT : ADD;
        out[1] = Robust.median(blockScratch, m, scratch);
        return out;
    }

    /**
     * Median of the present values among the last {@code window} steps divided by the profile over the same
     * steps (profile = daily profile over the window's span times the weekly factor at the origin), or minus
     * it when not positive: the level of today relative to the profile. {ADD, 0} when it cannot be computed.
     */
    private double[] levelRatio(TieredHistory v, int k, int window, double[] wf, double[] out) {
        int n = 0;
        for (int i = k; i >= 0 && i > k - window; i--) {
            if (!Double.isNaN(v.at(i))) {
                tmp[n++] = v.at(i);
            }
        }
        // The recent level (a median) is compared with the profile's medians of the same span on earlier days: a
        // mean of the profile would put a jump inside the span where the median of the values does not.
        double d = window == recent ? profile.sharpAt(v, k - window / 2, day, DAYS, window / 2, k)
            : profile.at(v, k - window / 2, day, DAYS, window / 2, k);
        if (2 * n < window || Double.isNaN(d)) {
            out[0] = ADD;
            out[1] = 0;
            return out;
        }
        double recent = Robust.median(tmp, n, scratch);
        double p = wf[0] == MULT ? d * wf[1] : d + wf[1];
        if (p > 0 && recent >= 0) {
            out[0] = MULT;
            out[1] = recent / p;
        } else {
            out[0] = ADD;
            out[1] = recent - p;
        }
        return out;
    }

    private static double applyLevel(double p, double[] r) {
        return r[0] == MULT ? p * r[1] : p + r[1];
    }

    /**
     * Fills features for origin k; returns {level, scale, base forecast (profile at the target plus the
     * damped recent level)} or null when there is no recent value. Without a day of history the base is the
     * recent level.
     */
    private double[] features(TieredHistory v, int k, double[] f) {
        double[] ls = levelScale(v, k);
        if (ls == null) {
            return null;
        }
        double s = ls[1];
        double[] wfT = weekFactor(v, k + h, k, new double[2]);
        boolean weekAtTarget = hadWeek;
        double dT = dailyAt(v, k + h, k);
        if (Double.isNaN(dT)) {
            Arrays.fill(f, 0);
            return new double[] {ls[0], s, ls[0], 0};
        }
        double pT = wfT[0] == MULT ? dT * wfT[1] : dT + wfT[1];
        double[] wfK = weekFactor(v, k, k, new double[2]);
        double[] r15 = levelRatio(v, k, recent, wfK, new double[2]);
        double[] r60 = levelRatio(v, k, longW, wfK, new double[2]);
        f[0] = clip((applyLevel(pT, r15) - pT) / s);
        f[1] = clip((applyLevel(pT, r60) - pT) / s);
        double dK = dailyAt(v, k, k);
        double pK = Double.isNaN(dK) ? Double.NaN : wfK[0] == MULT ? dK * wfK[1] : dK + wfK[1];
        f[2] = Double.isNaN(v.at(k)) || Double.isNaN(pK) ? 0 : clip((v.at(k) - applyLevel(pK, r60)) / s);
        f[3] = clip((dT - pT) / s);
        double[] r240 = levelRatio(v, k, longest, wfK, new double[2]);
        f[4] = clip((applyLevel(pT, r240) - pT) / s);
        double ratio = pK > 0 && pT > 0 ? pT / pK : 1; // a deviation at the origin scaled to the target
        // The recent deviation decays over tau; the part of it that the last 4 h share (a level that moved and
        // stayed, not a surge of minutes) over tauLong.
        double dev = shrink(f[0], recentSe * ratio);
        double lasting = Math.signum(f[4]) == Math.signum(dev) ? Math.signum(dev) * Math.min(Math.abs(dev),
            Math.abs(shrink(f[4], recentSe * ratio))) : 0;
        double base = pT + s * (lasting * Math.exp(-h / tauLong) + (dev - lasting) * Math.exp(-h / tau));
        return new double[] {ls[0], s, base, weekAtTarget ? 1 : 0};
    }

    /**
     * Forecast for step k+h made at origin k, using only v.at(0..k): the base (seasonal profile at the target
     * plus the damped recent level) plus the regression's correction (0 before a model exists).
     *
     * @return null when no recent value exists
     */
    public Forecast forecast(TieredHistory v, int k, long t0) {
        if ((long) k - lastTrain >= retrainEvery && k - h >= 200) { // long: lastTrain starts at Integer.MIN_VALUE
            train(v, k, t0);
        }
        double[] f = new double[NAMES.length];
        double[] ls = features(v, k, f);
        if (ls == null) {
            return null;
        }
        double z = 0;
        if (w != null && (ls[3] == 1) == trainedWithWeek) {
            z += bias;
            for (int i = 0; i < w.length; i++) {
                z += w[i] * Math.max(fLo[i], Math.min(fHi[i], f[i]));
            }
            z = clip(z);
        }
        double model = ls[2] + ls[1] * z;
        double pred = switch (issuing) {
            case 1 -> naive(v, k + h - day, k);
            case 2 -> naive(v, k + h - week, k);
            default -> model;
        };
        if (Double.isNaN(pred)) {
            pred = model;
        }
        // Never narrower than MIN_HALF_WIDTH scales on a side: on a noise-free series the errors are 0 and an
        // interval of width 0 misses an actual that differs from the kept (float) history by rounding only.
        double lo = pred + ls[1] * Math.min(-MIN_HALF_WIDTH, widen * quantile(0.05, -1.645));
        double hi = pred + ls[1] * Math.max(MIN_HALF_WIDTH, widen * quantile(0.95, 1.645));
        return new Forecast(pred, lo, hi, model);
    }

    /**
     * The seasonal-naive forecast from step j: its value if kept at full resolution, NaN otherwise (or after k).
     * Not a block mean: a 10-minute mean a week back is a smoothed forecast, not the baseline, and judged as one
     * it looked better than the model on series without a daily pattern.
     */
    private static double naive(TieredHistory v, int j, int k) {
        return j > k ? Double.NaN : v.at(j);
    }

    /**
     * Records the outcome of the forecast made at origin k (call when v.at(k+h) is known): its error feeds the
     * interval, and the model's and both seasonal-naive errors feed the guard, which issues the seasonal-naive
     * forecast with the smaller running error while the model's is more than {@link #GUARD_MARGIN} above it,
     * and the model again once it is that much below.
     */
    public void outcome(TieredHistory v, int k, long t0, Forecast fc) {
        int t = k + h;
        if (fc == null || t >= v.end() || Double.isNaN(v.at(t))) {
            return;
        }
        double[] ls = levelScale(v, k);
        if (ls == null) { // the origin's values are no longer kept at full resolution (horizon longer than the fine tier)
            return;
        }
        double y = v.at(t);
        // Adaptive width (as adaptive conformal inference does for the level): the interval the current error
        // quantiles give is widened after misses and narrowed after hits, so that about 10 % of recent actuals
        // fall outside even while the errors' spread is changing (after a regime change, on integer counts).
        double e = (y - fc.predicted()) / ls[1];
        boolean miss = errN >= 50 && (e < widen * quantile(0.05, -1.645) || e > widen * quantile(0.95, 1.645));
        if (errN >= 50) {
            widen = Math.max(0.5, Math.min(5, widen * Math.exp(WIDEN_RATE * ((miss ? 1 : 0) - 0.1))));
        }
        errRing[errPos] = (float) Math.max(-ERR_CLIP, Math.min(ERR_CLIP, (y - fc.predicted()) / ls[1]));
        errPos = (errPos + 1) % errRing.length;
        errN = Math.min(errN + 1, errRing.length);
        double yd = naive(v, t - day, k);
        double yw = naive(v, t - week, k);
        if (Double.isNaN(fc.model()) || Double.isNaN(yd)) {
            return;
        }
        errModel = ewma(errModel, absErr(y, fc.model(), ls[1]));
        errDay = ewma(errDay, absErr(y, yd, ls[1]));
        nDay++;
        if (!Double.isNaN(yw)) {
            errWeek = ewma(errWeek, absErr(y, yw, ls[1]));
            nWeek++;
        }
        if (nDay < GUARD_MIN) {
            return;
        }
        int bestNaive = nWeek >= GUARD_MIN && errWeek < errDay ? 2 : 1;
        double naiveErr = bestNaive == 2 ? errWeek : errDay;
        if (issuing == 0 && errModel > (1 + GUARD_MARGIN) * naiveErr) {
            issuing = bestNaive;
        } else if (issuing != 0 && errModel < (1 - GUARD_MARGIN) * naiveErr) {
            issuing = 0;
        } else if (issuing != 0) {
            issuing = bestNaive;
        }
    }

    private double ewma(double avg, double x) {
        return Double.isNaN(avg) ? x : avg + guardAlpha * (x - avg);
    }

    /**
     * Absolute error in scale units, capped at {@link #GUARD_CAP}: squared errors let one incident (missed by the
     * model, then copied a day later by the baseline) decide for days which forecast is issued.
     */
    private static double absErr(double y, double p, double scale) {
        return Math.min(GUARD_CAP, Math.abs(y - p) / scale);
    }

    private double quantile(double q, double normalDefault) {
        if (errN < 50) {
            return normalDefault * 2;
        }
        for (int i = 0; i < errN; i++) {
            scratch[i] = errRing[i];
        }
        Arrays.sort(scratch, 0, errN);
        return scratch[(int) Math.min(errN - 1, Math.max(0, Math.round(q * (errN - 1))))];
    }

    private void train(TieredHistory v, int k, long t0) {
        ensureCache(v);
        RegressionFactory factory = new RegressionFactory();
        MutableDataset<Regressor> ds = new MutableDataset<>(new SimpleDataSourceProvenance("forecast h=" + h,
            OffsetDateTime.ofInstant(Instant.ofEpochMilli(t0 + (long) k * intervalMs), ZoneOffset.UTC), factory), factory);
        double[] f = new double[NAMES.length];
        double[] now = features(v, k, f);
        boolean withWeek = now != null && now[3] == 1;
        java.util.List<double[]> rows = new java.util.ArrayList<>();
        // Origins whose 240-step level window reaches below the values kept at full resolution are skipped
        // (their level features would come from a partial window); none are with the default tiers.
        int first = v.fineStart() == 0 ? 0 : v.fineStart() + longest - 1;
        for (int o = Math.max(first, k - h - trainRows); o <= k - h; o++) {
            if (Double.isNaN(v.at(o + h))) {
                continue;
            }
            double[] ls = features(v, o, f);
            if (ls == null || (ls[3] == 1) != withWeek) { // a model fitted without the weekly factor misleads with it
                continue;
            }
            rows.add(f.clone());
            ds.add(new ArrayExample<>(new Regressor(LinearExpectation.OUTPUT, clip((v.at(o + h) - ls[2]) / ls[1])),
                NAMES, rows.get(rows.size() - 1)));
        }
        lastTrain = k;
        if (ds.size() < 100) {
            w = null; // too few rows of the current regime: the base forecast alone until the next retraining
            modelVersion = "seasonal-naive";
            return;
        }
        trainedWithWeek = withWeek;
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
        // The range each feature took in 98 % of the training rows: a forecast clips its features to it, so
        // the linear model is not extrapolated far beyond what it was fitted on (a surge in progress is far
        // outside it and would otherwise be carried into the forecast).
        double[] col = new double[rows.size()];
        for (int i = 0; i < NAMES.length; i++) {
            for (int r = 0; r < col.length; r++) {
                col[r] = rows.get(r)[i];
            }
            Arrays.sort(col);
            fLo[i] = col[(int) Math.floor(0.01 * (col.length - 1))];
            fHi[i] = col[(int) Math.ceil(0.99 * (col.length - 1))];
        }
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

    /** The caller re-based its indices: they moved down by n. */
    public void shift(int n) {
        dcache = null;
        dknown = null;
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
            out.writeBoolean(trainedWithWeek);
            for (int i = 0; i < w.length; i++) {
                out.writeDouble(fLo[i]);
                out.writeDouble(fHi[i]);
            }
        }
        out.writeDouble(errModel);
        out.writeDouble(errDay);
        out.writeDouble(errWeek);
        out.writeByte(issuing);
        out.writeInt(nDay);
        out.writeInt(nWeek);
        out.writeDouble(widen);
        out.writeInt(errN);
        out.writeInt(errPos);
        for (int i = 0; i < errN; i++) {
            out.writeFloat(errRing[i]);
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
            trainedWithWeek = in.readBoolean();
            for (int i = 0; i < len; i++) {
                fLo[i] = in.readDouble();
                fHi[i] = in.readDouble();
            }
        } else {
            w = null;
        }
        errModel = in.readDouble();
        errDay = in.readDouble();
        errWeek = in.readDouble();
        issuing = in.readByte();
        nDay = in.readInt();
        nWeek = in.readInt();
        widen = in.readDouble();
        errN = in.readInt();
        errPos = in.readInt();
        if (errN < 0 || errN > errRing.length || errPos < 0 || errPos >= errRing.length) {
            throw new IOException("bad error ring " + errN + "/" + errPos);
        }
        for (int i = 0; i < errN; i++) {
            errRing[i] = in.readFloat();
        }
        modelVersion = in.readUTF();
    }
}
