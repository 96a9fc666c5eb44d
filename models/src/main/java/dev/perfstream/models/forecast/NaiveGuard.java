package dev.perfstream.models.forecast;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Which forecast a {@link HorizonForecaster} issues: its model's, or the better seasonal-naive one (same time
 * yesterday, same time last week) while the model has recently been worse. Running capped absolute errors
 * (exponentially weighted over about two days of outcomes, at least 200) of the three decide: the seasonal-naive
 * forecast with the smaller error is issued while the model's is more than {@value #MARGIN} above it, and the model
 * again once it is that much below. A baseline counts once it has {@value #MIN_OUTCOMES} outcomes.
 */
final class NaiveGuard {
    /** What is issued. */
    static final int MODEL = 0;
    static final int SAME_TIME_YESTERDAY = 1;
    static final int SAME_TIME_LAST_WEEK = 2;
    /** Relative margin by which the model must be worse (better) than the best seasonal-naive to hand over (back). */
    private static final double MARGIN = 0.1;
    /** Absolute errors (scale units) count up to this: incidents, which every method misses, do not decide it. */
    private static final double CAP = 5;
    private static final int MIN_OUTCOMES = 50;

    private final double alpha;
    private double errModel = Double.NaN;
    private double errDay = Double.NaN;
    private double errWeek = Double.NaN;
    private int nDay;
    private int nWeek;
    private int issuing = MODEL;

    /** @param day steps per day of the series */
    NaiveGuard(int day) {
        this.alpha = 1.0 / Math.max(200, 2 * day);
    }

    /** {@link #MODEL}, {@link #SAME_TIME_YESTERDAY} or {@link #SAME_TIME_LAST_WEEK}. */
    int issuing() {
        return issuing;
    }

    /**
     * One outcome {@code y} at scale {@code scale} of the model's forecast {@code model} and the two seasonal-naive
     * ones ({@code lastWeek} NaN when not kept).
     */
    void outcome(double y, double scale, double model, double yesterday, double lastWeek) {
        errModel = ewma(errModel, absErr(y, model, scale));
        errDay = ewma(errDay, absErr(y, yesterday, scale));
        nDay++;
        if (!Double.isNaN(lastWeek)) {
            errWeek = ewma(errWeek, absErr(y, lastWeek, scale));
            nWeek++;
        }
        if (nDay < MIN_OUTCOMES) {
            return;
        }
        int bestNaive = nWeek >= MIN_OUTCOMES && errWeek < errDay ? SAME_TIME_LAST_WEEK : SAME_TIME_YESTERDAY;
        double naiveErr = bestNaive == SAME_TIME_LAST_WEEK ? errWeek : errDay;
        if (issuing == MODEL && errModel > (1 + MARGIN) * naiveErr) {
            issuing = bestNaive;
        } else if (issuing != MODEL && errModel < (1 - MARGIN) * naiveErr) {
            issuing = MODEL;
        } else if (issuing != MODEL) {
            issuing = bestNaive;
        }
    }

    private double ewma(double avg, double x) {
        return Double.isNaN(avg) ? x : avg + alpha * (x - avg);
    }

    /**
     * Absolute error in scale units, capped at {@link #CAP}: squared errors let one incident (missed by the model,
     * then copied a day later by the baseline) decide for days which forecast is issued.
     */
    private static double absErr(double y, double p, double scale) {
        return Math.min(CAP, Math.abs(y - p) / scale);
    }

    void write(DataOutput out) throws IOException {
        out.writeDouble(errModel);
        out.writeDouble(errDay);
        out.writeDouble(errWeek);
        out.writeByte(issuing);
        out.writeInt(nDay);
        out.writeInt(nWeek);
    }

    void read(DataInput in) throws IOException {
        errModel = in.readDouble();
        errDay = in.readDouble();
        errWeek = in.readDouble();
        issuing = in.readByte();
        nDay = in.readInt();
        nWeek = in.readInt();
    }
}
