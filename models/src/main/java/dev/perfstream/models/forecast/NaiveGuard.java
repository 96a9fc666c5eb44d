package dev.perfstream.models.forecast;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * How a {@link HorizonForecaster} combines its model's forecast with the better naive one (same time
 * yesterday, same time last week; where three weeks are kept at full resolution the median of the same time 1-3 weeks
 * back, so that last week's holiday is not blended in again: {@code HorizonForecaster#lastWeeks}; or the last value):
 * issued is
 * {@code w model + (1 - w) naive} (the naive value limited to 30 scale units either side of the model's forecast, by
 * {@link HorizonForecaster#forecast}: a burst is not issued again), with the weight that minimises the recent mean
 * squared error of such a blend,
 * <pre>  w = (S_nn - S_mn) / (S_mm + S_nn - 2 S_mn), clamped to 0..1,</pre>
 * where S are running means of the squared errors of the model (m) and of the naive forecast (n) and of their
 * product, over about a day of outcomes (at least {@value #MIN_WINDOW}; a plain mean of the outcomes so far until
 * there are that many). Squared errors because the forecasts are
 * judged by NRMSE; the cross term because the two share the actual's noise: a model that is better by less than
 * that shared part gets all the weight, one that is worse (a level that moved, which yesterday's values already
 * show and the model's weekly profile does not) gets none, and in between the blend beats both. The better naive
 * forecast is yesterday's unless last week's running squared error is below {@value #BETTER} of it (where the two are
 * about as good, the fresher one: after a level shift yesterday's value shows the new level after a day, last week's after
 * a week); last week's counts once it has
 * {@value #MIN_OUTCOMES} outcomes (it is missing where that value is no longer kept at full resolution), and is
 * compared with the model and yesterday's forecast on the outcomes it has only: a burst that all of them missed before
 * last week's values existed would otherwise count against the model alone, and the guard would issue last week's
 * value, a week after the burst the burst itself. The last value (the origin's: the naive forecast of a series without
 * a daily pattern) replaces the seasonal one where its running squared error is below {@value #BETTER} of that one's: on
 * a series that holds its level between rare steps (a configured limit, a replica count) it is exact but across a step,
 * where yesterday's value is wrong for a whole day after each step, and the model's daily profile, a location over
 * days at each time of day, turns steps at random times of day into a spurious daily shape (corpus, development seeds
 * 1-5, flat series with steps, 30-min steps 1 / 6 / 24 ahead: 0.31 / 0.57 / 0.98 x seasonal-naive -> 0.17 / 0.44 /
 * 0.91; no kind worse by more than 0.008; held-out seeds 1201-1205: bursty counts at 1 h 6 ahead 0.748 -> 0.764, series
 * above 1.0 13 -> 8 of 720). Where the horizon is a whole number of days the last value is yesterday's
 * and nothing changes. Until yesterday's has {@value #MIN_OUTCOMES} outcomes the model's forecast is issued alone.
 *
 * <p>Tried and not kept (corpus, development seeds): a switch with a 10 % hysteresis on the same squared errors
 * (worse than the blend on 30-min and 1-h steps), a window of 6 or 12 h (no better on level shifts: a forecast
 * made a day ahead was already issued when the outcomes show the shift, and noisier elsewhere), capped
 * absolute errors in scale units (the previous guard: bursty counts and level shifts stayed above naive), squared
 * errors of at most 3 or 6 scale units (so that outcomes every forecast missed by a step weigh alike: level shifts and
 * bursty counts better, holidays worse, 30 min 24 ahead 0.803 -> 0.836 / 0.822; flat series 1 h 24 ahead still 1.02).
 */
final class NaiveGuard {
    static final int SAME_TIME_YESTERDAY = 1;
    static final int SAME_TIME_LAST_WEEK = 2;
    static final int LAST_VALUE = 3;
    /** Outcomes of yesterday's (last week's) forecast before the guard blends (considers last week's). */
    private static final int MIN_OUTCOMES = 50;
    /**
     * Last week's forecast is blended in only where its squared error is below this share of yesterday's: where the two
     * are about as good (a series without a weekly pattern), yesterday's, which shows a level that moved a week sooner.
     * The last value likewise replaces the seasonal naive forecast only below this share of its squared error: at 1
     * (independent counts, where the two are as good) the guard flipped between them and was worse (corpus, development
     * seeds 1-5, bursty counts at 30-min steps: 0.652 -> 0.675 x seasonal-naive); at 0.6 the flat series with steps
     * kept yesterday's longer after each step (30-min steps 24 ahead 0.912 -> 0.941).
     */
    private static final double BETTER = 0.8;
    /** Fewest outcomes the running means span (a day is 24 at a 1-hour step). */
    private static final int MIN_WINDOW = 48;

    private final double alpha;
    private double mm = Double.NaN;
    private double dd = Double.NaN;
    private double md = Double.NaN;
    private double ww = Double.NaN;
    private double mw = Double.NaN;
    /** The model's and yesterday's squared errors over the outcomes last week's forecast has too. */
    private double mmW = Double.NaN;
    private double ddW = Double.NaN;
    /** The last value's squared error and its product with the model's. */
    private double ll = Double.NaN;
    private double ml = Double.NaN;
    private int nLast;
    private int nDay;
    private int nWeek;
    private int naive = SAME_TIME_YESTERDAY;
    private double weight = 1;

    /** @param day steps per day of the series */
    NaiveGuard(int day) {
        this.alpha = 1.0 / Math.max(MIN_WINDOW, day);
    }

    /** {@link #SAME_TIME_YESTERDAY}, {@link #SAME_TIME_LAST_WEEK} or {@link #LAST_VALUE}: the naive forecast blended in. */
    int naive() {
        return naive;
    }

    /**
     * Whether last week's forecast has been compared with the others ({@value #MIN_OUTCOMES} outcomes): before, every
     * outcome the guard has seen lay in the series' first week, where the model had no weekly factor.
     */
    boolean weekCompared() {
        return nWeek >= MIN_OUTCOMES;
    }

    /** Weight of the model's forecast, 0..1; the rest goes to {@link #naive()}. */
    double modelWeight() {
        return weight;
    }

    /**
     * One outcome {@code y} of the model's forecast {@code model}, the two seasonal-naive ones ({@code lastWeek} NaN when
     * not kept) and the origin's value {@code last} (NaN when missing).
     */
    void outcome(double y, double model, double yesterday, double lastWeek, double last) {
        double em = y - model;
        if (!Double.isNaN(last)) {
            double el = y - last;
            nLast++;
            ll = ewma(ll, el * el, nLast);
            ml = ewma(ml, em * el, nLast);
        }
        double ed = y - yesterday;
        nDay++;
        mm = ewma(mm, em * em, nDay);
        dd = ewma(dd, ed * ed, nDay);
        md = ewma(md, em * ed, nDay);
        if (!Double.isNaN(lastWeek)) {
            double ew = y - lastWeek;
            nWeek++;
            ww = ewma(ww, ew * ew, nWeek);
            mw = ewma(mw, em * ew, nWeek);
            mmW = ewma(mmW, em * em, nWeek);
            ddW = ewma(ddW, ed * ed, nWeek);
        }
        if (nDay < MIN_OUTCOMES) {
            return;
        }
        // Last week's forecast is compared with the model's and yesterday's on the outcomes it has: an error all of
        // them made before last week's values existed (a burst at the target) must not count against the model only.
        boolean week = nWeek >= MIN_OUTCOMES && ww < BETTER * ddW;
        naive = week ? SAME_TIME_LAST_WEEK : SAME_TIME_YESTERDAY;
        double m2 = week ? mmW : mm;
        double nn = week ? ww : dd;
        double mn = week ? mw : md;
        if (nLast >= MIN_OUTCOMES && ll < BETTER * nn) {
            naive = LAST_VALUE;
            m2 = mm;
            nn = ll;
            mn = ml;
        }
        double den = m2 + nn - 2 * mn; // the mean squared difference of the two forecasts
        weight = den <= 0 ? 1 : Math.max(0, Math.min(1, (nn - mn) / den));
    }

    /** Running mean of {@code n} outcomes: the plain mean until it spans the window, then exponential. */
    private double ewma(double avg, double x, int n) {
        return Double.isNaN(avg) ? x : avg + Math.max(alpha, 1.0 / n) * (x - avg);
    }

    void write(DataOutput out) throws IOException {
        out.writeDouble(mm);
        out.writeDouble(dd);
        out.writeDouble(md);
        out.writeDouble(ww);
        out.writeDouble(mw);
        out.writeDouble(mmW);
        out.writeDouble(ddW);
        out.writeDouble(weight);
        out.writeByte(naive);
        out.writeInt(nDay);
        out.writeInt(nWeek);
        out.writeDouble(ll);
        out.writeDouble(ml);
        out.writeInt(nLast);
    }

    /**
     * Reads what {@link #write} wrote (state format 7), or the guard of an older format: 6 did not keep the last value's
     * errors (it starts comparing the last value afresh); 5 also kept the model's and yesterday's squared errors over all
     * outcomes only: they stand for those over the outcomes last week's forecast has too.
     */
    void read(DataInput in, int format) throws IOException {
        boolean format5 = format == 5;
        mm = in.readDouble();
        dd = in.readDouble();
        md = in.readDouble();
        ww = in.readDouble();
        mw = in.readDouble();
        mmW = format5 ? mm : in.readDouble();
        ddW = format5 ? dd : in.readDouble();
        weight = in.readDouble();
        naive = in.readByte();
        nDay = in.readInt();
        nWeek = in.readInt();
        if (format >= 7) {
            ll = in.readDouble();
            ml = in.readDouble();
            nLast = in.readInt();
        }
        if (naive != SAME_TIME_YESTERDAY && naive != SAME_TIME_LAST_WEEK && naive != LAST_VALUE
            || !(weight >= 0 && weight <= 1)) {
            throw new IOException("bad guard state " + naive + "/" + weight);
        }
    }

    /**
     * Skips the guard of state format 4 (running capped absolute errors, not squared ones): this guard starts
     * afresh and issues the model alone for its first {@value #MIN_OUTCOMES} outcomes.
     */
    static void skipFormat4(DataInput in) throws IOException {
        for (int i = 0; i < 3; i++) {
            in.readDouble();
        }
        in.readByte();
        in.readInt();
        in.readInt();
    }
}
