package dev.perfstream.models.forecast;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.tribuo.regression.sgd.linear.LinearSGDModel;

/**
 * Direct forecast of one series {@code h} steps ahead on a regular grid (values indexed by step, NaN for
 * gaps), from the series' own past only. Every span below is a time span (given here as at a 1-minute step)
 * converted to steps of the series, with a floor in steps where a median or a MAD needs a few values, so the
 * same code serves 10-second to 1-hour series.
 * <ul>
 *   <li><b>Seasonal profile</b> at the target: the daily profile (Hodges-Lehmann location over the last 21 days, or
 *       the median of those kept at full resolution where at least 3 and fewer than 7 are, of the mean of +-15 min
 *       around the same time of day: like a median it keeps a few days' incidents out, with less noise; the smoothing
 *       cuts the noise a few days leave) times
 *       the weekly factor (median over blocks of 11 min in +-60 min, at least 5 blocks, around the same time 1..3 weeks
 *       ago of the block's ratio to the daily profile, shrunk towards none by 2 of its standard errors: pools the daily
 *       shape over all days of the week and lets a week set only its day's level; an incident of up to 30 min in last
 *       week is outvoted). Differences instead of ratios where a value is not positive.</li>
 *   <li><b>Damped recent level</b>: the deviation of the last 15 min (median) from the profile, shrunk to
 *       0 within 2 standard errors of noise and decayed as exp(-h / 15 min): followed at 5 min, all but
 *       ignored at 2 h, so a surge in progress is not carried on after it ends. The part of it that the last 4 h
 *       share (a level that moved and stayed) decays over 4 h, or over three times the horizon where that is longer: it
 *       keeps at least 72 % of itself at any horizon, and the guard takes over where it did not last. Where the 4 h
 *       are at most 12 steps (30-min and 1-h series) that lasting level is measured against the profile at each step
 *       ({@link SeasonalLevels#lastingDeviation}: a difference or a ratio, whichever fits; where a difference fits clearly
 *       better, the recent levels are differences too, not ratios); on finer steps it is the
 *       median of the values against the mean of the profile over the 4 h (the level240 feature). The part of the
 *       lasting level that the profile at the target has taken already (what it took in the last day, for a target h
 *       steps ahead h / day of it) is not carried: a shift is not counted twice once the profile has it. Nor is any
 *       from an origin without a weekly factor (its first week) to a target with one: its deviation may be its kind of
 *       day's (a Sunday's against a profile of mostly weekdays), which the target's weekly factor has.</li>
 *   <li><b>Learned correction</b> ({@link Correction}): a Tribuo linear SGD regression with a Huber loss (incidents in the history
 *       pull the weights little), per horizon, on the series' own rolling origins whose outcome is known,
 *       retrained every {@code retrainEvery} steps, from features in units of a scale (the noise, at least
 *       2 % of the level): the level of the last 15 / 60 / 240 min relative to the profile, the last
 *       value's residual, the weekly factor's effect. At forecast time each feature is clipped to the range
 *       it took in 98 % of the training rows: the linear model is not extrapolated to an incident it has
 *       not seen; a lasting level shift enters the range at the next retraining. Trained only on origins
 *       whose target had a weekly factor iff the current one has, and not applied across that change.</li>
 * </ul>
 * A guard ({@link NaiveGuard}) blends the model's forecast with the better naive one (yesterday's, last week's as the
 * median of the same time 1-3 weeks back where those are kept at full resolution, or the last value where it is clearly
 * better: a series that holds its level between steps) by their recent squared errors: the model
 * alone while it is clearly better, the naive forecast alone while the model is worse; the naive value blended in is
 * limited to {@value #CLIP} scale units either side of the model's forecast (a burst in yesterday's value is not issued
 * again). Until
 * the guard has compared last week's value, a target where yesterday's value and last week's differ by more than
 * {@value #OTHER_DAY} scale units gets the model alone (the guard's outcomes all lay in the first week, without the
 * weekly factor). The 90 % interval comes from the 5th and 95th percentiles of the last 1000 out-of-sample
 * errors of the issued forecast in scale units, times a width adapted to the recent share of misses. Used by {@code perfstream backtest
 * forecast}, {@code perfstream eval forecast} and, through {@link SeriesForecaster}, the scoring topology.
 */
public final class HorizonForecaster {
    static final String[] NAMES = {"level15", "level60", "last_residual", "week_factor", "level240"};
    private static final long MINUTE = 60_000L;
    private static final double CLIP = 30;
    /**
     * The lasting level's decay is at least this many horizons. 3 (72 % kept), not 2 (61 %), since the daily profile
     * spans 21 days and takes a level that moved later (corpus, development seeds 1-5: series above 1.0 x seasonal-naive
     * 12 -> 6, LEVEL_SHIFT 1h h 24 1.008 -> 0.992; HOLIDAYS 1h h 24 0.933 -> 0.952, whose day-long deviations do not
     * last).
     */
    private static final double LASTING_PER_HORIZON = 3;
    /**
     * Until the guard has compared last week's value, the model's forecast is issued alone where yesterday's value at the
     * target and last week's differ by more than this many scale units.
     */
    private static final double OTHER_DAY = 6;

    /** Positive-part shrinkage of a deviation z with standard error se: 0 within 2 se, towards z beyond. */
    private static double shrink(double z, double se) {
        return z == 0 ? 0 : z * Math.max(0, 1 - 4 * se * se / (z * z));
    }

    private final int h;
    /** The spans, the daily profile and the level measurements this forecaster starts from. */
    private final SeasonalLevels levels;
    private final int day;
    private final int week;
    /**
     * How far back the guard's seasonal-naive forecasts look: a day (a week), or at a horizon beyond it the whole days
     * (weeks) that reach before the origin, {@code day * ceil(h / day)}: 36 hours ahead "same time yesterday" lies after
     * the origin, and the same time two days back is the seasonal-naive forecast (without it the guard never had an
     * outcome there and the model was issued alone, unchecked).
     */
    private final int dayLag;
    private final int weekLag;
    private final double tau;
    /** Decay (steps) of the part of the recent deviation that the last 4 h share. */
    private final double tauLong;
    /**
     * Decay (steps) of that lasting part at this horizon: {@link #tauLong}, or three times the horizon where that is
     * longer, so that a level the last 4 h share keeps at least exp(-1/3) = 72 % of itself at any horizon.
     */
    private final double tauLasting;
    /**
     * Standard error, in noise units, of the deviation of the median of the recent values from the profile:
     * the median's variance (pi/2 sigma^2 / recent) plus the profile's (taken as a median of daily window means, over
     * {@link SeasonalLevels#DAYS} days).
     */
    private final double recentSe;
    private final NaiveGuard guard;
    private final ForecastInterval interval = new ForecastInterval();
    private final long intervalMs;
    private final int retrainEvery;
    private final int trainRows;
    private final Correction correction = new Correction(NAMES);
    private int lastTrain = Integer.MIN_VALUE;
    private String modelVersion = "seasonal-naive";
    private ModelPublisher publisher;

    /** Stores a freshly trained model (e.g. in the ModelStore) and returns its version label. */
    @FunctionalInterface
    public interface ModelPublisher {
        String publish(int horizonSteps, LinearSGDModel model);
    }

    /**
     * What a forecast starts from at an origin: level and scale, the base forecast (profile at the target plus the
     * damped recent level), whether the target had a weekly factor, and whether the origin had none where the target had
     * one ({@code mixed}: no lasting level carried; such rows are not trained on).
     */
    private record Base(double level, double scale, double base, boolean withWeek, boolean mixed) {
    }

    /**
     * One forecast: what is issued (the model's blended with a seasonal-naive one as the guard weighs them) with
     * its 90 % interval around it, and the model's own prediction (NaN if unknown), which the guard keeps scoring.
     */
    public record Forecast(double predicted, double lower, double upper, double model) {
    }

    public HorizonForecaster(int horizonSteps, long intervalMs, int retrainEvery, int trainRows) {
        this.h = horizonSteps;
        this.intervalMs = intervalMs;
        this.levels = new SeasonalLevels(horizonSteps, intervalMs);
        this.day = levels.day;
        this.week = levels.week;
        this.dayLag = lag(horizonSteps, day);
        this.weekLag = lag(horizonSteps, week);
        // the recent level is damped over 15 min (in steps of the series)
        this.tau = Math.max(1.0, 15.0 * MINUTE / intervalMs);
        this.tauLong = Math.max(levels.longest, 240.0 * MINUTE / intervalMs); // at least the span the lasting part is seen over
        // A level that moved and stayed (a shift, a step) is carried to the target: with tauLong alone (12 steps at 30 min
        // and 1 h) a forecast 24 steps ahead would keep exp(-2) = 14 % of it, where "same time yesterday" keeps it all.
        this.tauLasting = Math.max(tauLong, LASTING_PER_HORIZON * horizonSteps);
        this.recentSe = Math.sqrt(1.57 / levels.recent + 1.57 / (SeasonalLevels.DAYS * Math.min(11, 2 * levels.dayHw + 1)));
        this.guard = new NaiveGuard(day);
        this.retrainEvery = retrainEvery;
        this.trainRows = trainRows;
    }

    /**
     * The seasonal-naive lag of a horizon of {@code h} steps: the period, or beyond it the whole periods that reach before
     * the origin, {@code period * ceil(h / period)} (the forecast {@code y[t - lag]}); the guard's and the backtest's.
     */
    public static int lag(int h, int period) {
        return (int) Math.min(Integer.MAX_VALUE, ((long) h + period - 1) / period * period);
    }

    private static double clip(double z) {
        return Math.max(-CLIP, Math.min(CLIP, z));
    }

    /**
     * Fills features for origin k; returns {level, scale, base forecast (profile at the target plus the
     * damped recent level)} or null when there is no recent value. Without a day of history the base is the
     * recent level.
     */
    private Base features(TieredHistory v, int k, double[] f) {
        LevelScale ls = levels.levelScale(v, k);
        if (ls == null) {
            return null;
        }
        double s = ls.scale();
        Adjustment wfT = levels.weekFactor(v, k + h, k);
        boolean weekAtTarget = wfT != Adjustment.NONE;
        double dT = levels.daily.at(v, k + h, k);
        if (Double.isNaN(dT)) {
            Arrays.fill(f, 0);
            return new Base(ls.level(), s, ls.level(), false, false);
        }
        double pT = wfT.apply(dT);
        Adjustment wfK = levels.weekFactor(v, k, k);
        Adjustment r15 = levels.levelRatio(v, k, levels.recent, wfK);
        Adjustment r60 = levels.levelRatio(v, k, levels.longW, wfK);
        f[0] = clip((r15.apply(pT) - pT) / s);
        f[1] = clip((r60.apply(pT) - pT) / s);
        double dK = levels.daily.at(v, k, k);
        double pK = Double.isNaN(dK) ? Double.NaN : wfK.apply(dK);
        f[2] = Double.isNaN(v.at(k)) || Double.isNaN(pK) ? 0 : clip((v.at(k) - r60.apply(pK)) / s);
        f[3] = clip((dT - pT) / s);
        Adjustment r240 = levels.levelRatio(v, k, levels.longest, wfK);
        f[4] = clip((r240.apply(pT) - pT) / s);
        double ratio = pK > 0 && pT > 0 ? pT / pK : 1; // a deviation at the origin scaled to the target
        // The recent deviation decays over tau; the part of it that the last 4 h share (a level that moved and
        // stayed, not a surge of minutes) over tauLasting.
        double l4 = f[4];
        if (levels.longest <= SeasonalLevels.LASTING_STEPS) {
            double ld = levels.lastingDeviation(v, k, levels.longest, wfK, pT);
            l4 = Double.isNaN(ld) ? 0 : clip(ld / s);
            if (!Double.isNaN(ld) && levels.clearlyAdded) {
                // The last hours' level is a shift added to the profile: so are the recent levels, carried to the target
                // as differences. As ratios a shift at the daily peak was a fraction of itself at the trough (a +30 shift
                // on a 60..140 sine: +13 half a day ahead).
                if (r15.multiplicative()) {
                    f[0] = clip(levels.levelDifference(v, k, levels.recent, wfK).value() / s);
                    ratio = 1;
                }
                if (r60.multiplicative()) {
                    f[1] = clip(levels.levelDifference(v, k, levels.longW, wfK).value() / s);
                }
            }
        }
        double dev = shrink(f[0], recentSe * ratio);
        double lasting = Math.signum(l4) == Math.signum(dev) ? Math.signum(dev) * Math.min(Math.abs(dev),
            Math.abs(shrink(l4, recentSe * ratio))) : 0;
        // An origin without a weekly factor (less than a week of history) whose target has one: its deviation from the
        // profile may be its kind of day (a Sunday's, measured against a profile of mostly weekdays) as well as a level
        // that moved, and a week of history cannot tell them apart; the target's weekly factor has the target's kind of
        // day, so nothing is carried (corpus, development seeds: holidays 30 min 24 ahead 0.869 -> 0.840 x
        // seasonal-naive, the first Monday had been forecast at Sunday's level; see Base#mixed).
        boolean mixed = wfK == Adjustment.NONE && weekAtTarget;
        if (mixed) {
            lasting = 0;
        }
        double carried = handOver(v, k, pT, s, lasting * Math.exp(-h / tauLasting));
        double base = pT + s * (carried + (dev - lasting) * Math.exp(-h / tau));
        return new Base(ls.level(), s, base, weekAtTarget, mixed);
    }

    /**
     * The lasting level {@code carried} to the target (scale units) less the part of it that the profile at the target
     * has taken already: the profile at the target less the profile at the same time a day before it (each with its
     * weekly factor) is what the profile took in the last day; the target's profile is {@code h} steps newer than the
     * profiles the lasting level was measured against, so {@code min(1, h / day)} of that. Only a take on the lasting
     * level's side is handed over, and never more than the lasting level: a level shift is then counted once where the
     * profile at the target has taken it and the origin's has not (about two weeks after the shift, when the weekly
     * factor's weeks take the new level, a day earlier at a target a day ahead than at the origin).
     */
    private double handOver(TieredHistory v, int k, double pT, double s, double carried) {
        int before = k + h - day;
        if (carried == 0 || before < v.start()) {
            return carried;
        }
        double dBefore = levels.daily.at(v, before, k);
        if (Double.isNaN(dBefore)) {
            return carried;
        }
        double took = Math.min(1.0, (double) h / day) * (pT - levels.weekFactor(v, before, k).apply(dBefore)) / s;
        return Math.signum(took) == Math.signum(carried)
            ? carried - Math.signum(carried) * Math.min(Math.abs(carried), Math.abs(took)) : carried;
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
        Base b = features(v, k, f);
        if (b == null) {
            return null;
        }
        double z = 0;
        if (correction.appliesTo(b.withWeek())) {
            z = clip(correction.apply(f));
        }
        double model = b.base() + b.scale() * z;
        double w = guard.modelWeight();
        if (w < 1 && !guard.weekCompared() && dayDiffers(v, k, b.scale())) {
            // The guard's outcomes so far lie in the series' first week, where the model had no weekly factor and
            // yesterday's value may have beaten it on days that followed each other alike; where yesterday's value and
            // last week's disagree, the target may be another kind of day than yesterday (a Monday forecast from a
            // Sunday): the model's forecast, which has the weekly factor now, is issued alone.
            w = 1;
        }
        double pred = model;
        if (w < 1) {
            double nv = switch (guard.naive()) {
                case NaiveGuard.SAME_TIME_LAST_WEEK -> lastWeeks(v, k + h, k);
                case NaiveGuard.LAST_VALUE -> v.at(k);
                default -> naive(v, k + h - dayLag, k);
            };
            if (!Double.isNaN(nv)) {
                // Within CLIP scale units of the model's forecast, as the model's features are clipped: a burst in
                // yesterday's value or in the last one is not issued again as a forecast (corpus, development seeds 1-10,
                // bursty counts at 30-min steps: 0.708 -> 0.675 x seasonal-naive, worst 0.989 -> 0.742, where the guard
                // had issued a burst of 2659 on a level of 20); a level that moved, a holiday, a step are a few units.
                nv = Math.max(model - CLIP * b.scale(), Math.min(model + CLIP * b.scale(), nv));
                pred = w * model + (1 - w) * nv;
            }
        }
        return new Forecast(pred, interval.lower(pred, b.scale()), interval.upper(pred, b.scale()), model);
    }

    /**
     * Whether yesterday's value at the target differs from last week's by more than {@value #OTHER_DAY} scale units (the
     * target may be another kind of day than yesterday: a Monday's target, a Sunday's value).
     */
    private boolean dayDiffers(TieredHistory v, int k, double scale) {
        double yd = naive(v, k + h - dayLag, k);
        double yw = naive(v, k + h - weekLag, k);
        return !Double.isNaN(yd) && !Double.isNaN(yw) && Math.abs(yd - yw) > OTHER_DAY * scale;
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
     * The guard's weekly forecast of step t: the median of the values at the same time 1, 2 and 3 weeks before it (at a
     * horizon beyond a week, {@link #weekLag} and the two weeks before) where all three are kept at full resolution
     * (30-min and 1-h steps with the default tiers), last week's value otherwise. A
     * holiday or an incident in last week's values is then not blended into the forecast of the same day a week later
     * (corpus, development seeds 1-5, HOLIDAYS at 1-h steps 24 ahead: 0.930 -> 0.875 x seasonal-naive; the guard had
     * blended last week's holiday into the next week after the holiday's next day, when the model carrying the holiday's
     * level had been the worse one).
     */
    private double lastWeeks(TieredHistory v, int t, int k) {
        double a = naive(v, t - weekLag, k);
        double b = naive(v, t - weekLag - week, k);
        double c = naive(v, t - weekLag - 2 * week, k);
        if (Double.isNaN(a) || Double.isNaN(b) || Double.isNaN(c)) {
            return a;
        }
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c)); // the median of three
    }

    /**
     * Records the outcome of the forecast made at origin k (call when v.at(k+h) is known): its error feeds the
     * interval ({@link ForecastInterval}), and the model's, both seasonal-naive and the last value's errors feed the guard
     * ({@link NaiveGuard}), which weighs them for the forecasts issued from now on.
     */
    public void outcome(TieredHistory v, int k, long t0, Forecast fc) {
        int t = k + h;
        if (fc == null || t >= v.end() || Double.isNaN(v.at(t))) {
            return;
        }
        LevelScale ls = levels.levelScale(v, k);
        if (ls == null) { // the origin's values are no longer kept at full resolution (horizon longer than the fine tier)
            return;
        }
        double y = v.at(t);
        interval.record((y - fc.predicted()) / ls.scale());
        double yd = naive(v, t - dayLag, k);
        double yw = lastWeeks(v, t, k);
        if (Double.isNaN(fc.model()) || Double.isNaN(yd)) {
            return;
        }
        guard.outcome(y, fc.model(), yd, yw, v.at(k));
    }

    private void train(TieredHistory v, int k, long t0) {
        levels.daily.ensure(v);
        double[] f = new double[NAMES.length];
        Base now = features(v, k, f);
        boolean withWeek = now != null && now.withWeek();
        correction.startRows();
        // Origins whose 240-step level window reaches below the values kept at full resolution are skipped
        // (their level features would come from a partial window); none are with the default tiers.
        int first = v.fineStart() == 0 ? 0 : v.fineStart() + levels.longest - 1;
        for (int o = Math.max(first, k - h - trainRows); o <= k - h; o++) {
            if (Double.isNaN(v.at(o + h))) {
                continue;
            }
            Base b = features(v, o, f);
            // a model fitted without the weekly factor misleads with it; rows that carried no lasting level for want of
            // the origin's weekly factor are unlike the forecasts made once the origin has one
            if (b == null || b.withWeek() != withWeek || b.mixed()) {
                continue;
            }
            correction.addRow(f, clip((v.at(o + h) - b.base()) / b.scale()));
        }
        lastTrain = k;
        LinearSGDModel m = correction.fit(withWeek, "forecast h=" + h,
            OffsetDateTime.ofInstant(Instant.ofEpochMilli(t0 + (long) k * intervalMs), ZoneOffset.UTC));
        modelVersion = m == null ? "seasonal-naive" : publisher == null ? "lsgd" : publisher.publish(h, m);
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
        levels.daily.clear();
        if (lastTrain != Integer.MIN_VALUE) {
            lastTrain = (int) Math.max(Integer.MIN_VALUE + 1L, (long) lastTrain - n);
        }
    }

    /** Writes the learned state (weights, schedule, recent errors, model version). */
    public void writeState(DataOutput out) throws IOException {
        out.writeInt(h);
        out.writeInt(lastTrain);
        correction.write(out);
        guard.write(out);
        interval.write(out);
        out.writeUTF(modelVersion);
    }

    /**
     * Reads what {@link #writeState} wrote, or a state of {@link SeriesForecaster}'s format 4 (whose guard is
     * skipped: it starts afresh); throws IOException if it was written for another horizon.
     */
    void readState(DataInput in, int format) throws IOException {
        int hh = in.readInt();
        if (hh != h) {
            throw new IOException("state is for horizon " + hh + " steps, not " + h);
        }
        lastTrain = in.readInt();
        correction.read(in);
        if (format == 4) {
            NaiveGuard.skipFormat4(in);
        } else {
            guard.read(in, format);
        }
        interval.read(in);
        modelVersion = in.readUTF();
    }
}
