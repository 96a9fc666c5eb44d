package dev.perfstream.models.forecast;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Online forecaster of one series on a regular grid, for the streaming topology: keeps the series' past in a
 * {@link TieredHistory} (recent values at full resolution, older ones as block means, see {@link Tiers}), one
 * {@link HorizonForecaster} per horizon (the same code as {@code perfstream backtest forecast}), and the
 * forecasts still waiting for their actual, whose errors feed the 90 % intervals. Values arrive once per
 * step (window); gaps become missing values; a value not after the last one (duplicate, out of order) is
 * ignored. The whole state round-trips through {@link #encode()} / {@link #decode}.
 */
public final class SeriesForecaster {
    /**
     * State format. 7: the guard also keeps the last value's running errors (read from 6 and 5: it starts comparing the
     * last value afresh); 6: the guard also keeps the model's and yesterday's squared errors over the outcomes that last
     * week's forecast has (read from 5: its errors over all outcomes stand for them); 5: the guard keeps running squared
     * errors and its blend weight; 4: format 3 plus the model's
     * own prediction per pending forecast and the seasonal-naive guard's running errors (read: its guard starts
     * afresh); 3: tiered history, float values; 2: a flat array of doubles. A state of format 3 or older is
     * refused: the caller starts the forecaster afresh.
     */
    private static final int FORMAT = 7;
    private static final int TREND_POINTS = 15;
    private static final int NONE = Integer.MIN_VALUE;

    /**
     * How much past is kept, in steps.
     *
     * @param fineSteps  values kept at full resolution: the recent level, noise and training features need
     *                   {@code trainRows + 4 h of steps (at least 12) + the longest horizon}
     * @param totalSteps steps kept in all; the weekly factor needs 3 weeks plus the training origins
     * @param blockSteps steps per block mean beyond the fine tier (1..127)
     */
    public record Tiers(int fineSteps, int totalSteps, int blockSteps) {
        /**
         * Default block length beyond the fine tier: 10 minutes (as accurate as 5 on {@code eval forecast},
         * 47 instead of 62 KB of state per series and statistic). Used by the topology's configuration and the
         * offline backtest alike.
         */
        public static final long DEFAULT_BLOCK_MS = 600_000L;

        public Tiers {
            if (fineSteps < 2 || totalSteps < fineSteps || blockSteps < 1 || blockSteps > 127) {
                throw new IllegalArgumentException("bad history tiers " + fineSteps + "/" + totalSteps + "/" + blockSteps);
            }
        }

        /** Every step at full resolution, no block means (what formats 1 and 2 kept). */
        public static Tiers flat(int steps) {
            return new Tiers(Math.max(2, steps), Math.max(2, steps), 1);
        }

        /**
         * What the forecaster uses, for a step of {@code intervalMs}: the last {@code trainRows + 4 h of steps +
         * longest horizon} values at full resolution (3 days + 4 h where that is at most a quarter more; at least a
         * day and a step, for the guard's "same time yesterday"), and 3 weeks + {@code trainRows} + 2 h in all as means
         * of {@code blockMs} blocks (never less than the fine tier; flat when the blocks would be one step).
         */
        public static Tiers needed(long intervalMs, int longestHorizon, int trainRows, long blockMs) {
            return of(intervalMs, longestHorizon, trainRows, 0, 0, blockMs);
        }

        /**
         * Tiers from durations (the {@code forecast.history*} keys): {@code historyMs} in all (0: 3 weeks +
         * {@code trainRows} steps + 2 h, what the weekly factor of the oldest training origin needs),
         * {@code fineMs} at full resolution (0: {@code trainRows + 4 h of steps + longestHorizon}; never more
         * than the history), older steps as means of {@code blockMs} blocks.
         */
        public static Tiers of(long intervalMs, int longestHorizon, int trainRows, long historyMs, long fineMs,
                               long blockMs) {
            long total = historyMs > 0 ? historyMs / intervalMs : (21 * 86_400_000L + 7_200_000L) / intervalMs + trainRows;
            // the longest level feature spans 4 h (240 steps at 1 min, at least 12 steps)
            long fine = fineMs > 0 ? fineMs / intervalMs
                : (long) trainRows + Math.max(12, 14_400_000L / intervalMs) + longestHorizon;
            // Three days and 4 h at full resolution where that is at most a quarter more: the daily profile takes
            // medians of windows of the last three days (SeasonalProfile.sharpAt), which block means cannot give.
            long threeDays = (3 * 86_400_000L + 14_400_000L) / intervalMs;
            if (fineMs <= 0 && threeDays > fine && threeDays <= fine * 5 / 4) {
                fine = threeDays;
            }
            // At least a day and a step: the guard scores and issues "same time yesterday", a single value (at 10 s the
            // default fine tier is 15 h).
            long dayAndStep = 86_400_000L / intervalMs + 1;
            if (fineMs <= 0 && fine < dayAndStep) {
                fine = dayAndStep;
            }
            total = Math.max(2, Math.min(Integer.MAX_VALUE / 4, total));
            fine = Math.max(2, Math.min(fine, total));
            return new Tiers((int) fine, (int) total, (int) Math.max(1, Math.min(127, blockMs / intervalMs)));
        }
    }

    private final long intervalMs;
    private final int[] steps;
    private final HorizonForecaster[] fcs;
    private final Tiers tiers;
    private TieredHistory v;
    private long base = Long.MIN_VALUE;
    private final int[][] pendStep;
    private final double[][] pendPred;
    private final double[][] pendModel;

    /** One forecast made at the latest value. */
    public record Point(int horizonSteps, double predicted, double lower, double upper, String modelVersion) {
    }

    /** Recent linear trend: value fitted at the latest step, slope per step and its t statistic. */
    public record Trend(double fitted, double slope, double t) {
    }

    /** Keeps the last {@code historySteps} values at full resolution, nothing older. */
    public SeriesForecaster(long intervalMs, int[] horizonSteps, int historySteps, int retrainEvery, int trainRows) {
        this(intervalMs, horizonSteps, Tiers.flat(historySteps), retrainEvery, trainRows);
    }

    public SeriesForecaster(long intervalMs, int[] horizonSteps, Tiers tiers, int retrainEvery, int trainRows) {
        this.intervalMs = intervalMs;
        this.steps = horizonSteps.clone();
        this.tiers = tiers;
        this.fcs = new HorizonForecaster[steps.length];
        this.pendStep = new int[steps.length][];
        this.pendPred = new double[steps.length][];
        this.pendModel = new double[steps.length][];
        for (int i = 0; i < steps.length; i++) {
            fcs[i] = new HorizonForecaster(steps[i], intervalMs, retrainEvery, trainRows);
            pendStep[i] = new int[steps[i] + 1];
            Arrays.fill(pendStep[i], NONE);
            pendPred[i] = new double[steps[i] + 1];
            pendModel[i] = new double[steps[i] + 1];
        }
        this.v = new TieredHistory(tiers.fineSteps(), tiers.totalSteps(), tiers.blockSteps());
    }

    /**
     * Adds the value of the step starting at {@code timeMs} and returns the forecasts made from it (empty
     * when the value was a duplicate / out of order, or no recent value exists).
     */
    public List<Point> observe(long timeMs, double value, HorizonForecaster.ModelPublisher publisher) {
        long abs = Math.floorDiv(timeMs, intervalMs);
        if (base == Long.MIN_VALUE) {
            base = abs;
        }
        long kl = abs - base;
        if (kl < v.end()) {
            return List.of();
        }
        if (kl >= Integer.MAX_VALUE / 2) { // 2^30 steps after the first value: re-base (the history starts over)
            long drop = kl;
            base = abs;
            kl = 0;
            v = new TieredHistory(tiers.fineSteps(), tiers.totalSteps(), tiers.blockSteps());
            for (int i = 0; i < steps.length; i++) {
                fcs[i].shift((int) Math.min(Integer.MAX_VALUE, drop));
                Arrays.fill(pendStep[i], NONE);
            }
        }
        int k = (int) kl;
        v.put(k, value);
        long t0 = base * intervalMs;
        List<Point> out = new ArrayList<>(steps.length);
        for (int i = 0; i < steps.length; i++) {
            int h = steps[i];
            int origin = k - h;
            int slot = Math.floorMod(origin, h + 1);
            if (origin >= 0 && pendStep[i][slot] == origin) {
                fcs[i].outcome(v, origin, t0, new HorizonForecaster.Forecast(pendPred[i][slot], Double.NaN, Double.NaN,
                    pendModel[i][slot]));
            }
            fcs[i].publisher(publisher);
            HorizonForecaster.Forecast fc = fcs[i].forecast(v, k, t0);
            fcs[i].publisher(null);
            int mine = Math.floorMod(k, h + 1);
            if (fc == null || !Double.isFinite(fc.predicted())) {
                pendStep[i][mine] = NONE;
                continue;
            }
            pendStep[i][mine] = k;
            pendPred[i][mine] = fc.predicted();
            pendModel[i][mine] = fc.model();
            out.add(new Point(h, fc.predicted(), fc.lower(), fc.upper(), fcs[i].modelVersion()));
        }
        return out;
    }

    /**
     * Least-squares line through the last 15 present values (hand-written: 10 lines, no library on this
     * module's class path offers an online simple regression without pulling in a new dependency).
     *
     * @return null with fewer than 5 values
     */
    public Trend trend() {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int m = 0;
        double[] xs = new double[TREND_POINTS];
        double[] ys = new double[TREND_POINTS];
        int n = v.end();
        for (int i = n - 1; i >= 0 && i >= n - 4 * TREND_POINTS && m < TREND_POINTS; i--) {
            if (!Double.isNaN(v.at(i))) {
                xs[m] = i - (n - 1);
                ys[m] = v.at(i);
                sx += xs[m];
                sy += ys[m];
                sxx += xs[m] * xs[m];
                sxy += xs[m] * ys[m];
                m++;
            }
        }
        if (m < 5) {
            return null;
        }
        double den = m * sxx - sx * sx;
        if (den <= 0) {
            return null;
        }
        double slope = (m * sxy - sx * sy) / den;
        double icpt = (sy - slope * sx) / m;
        double sse = 0;
        for (int i = 0; i < m; i++) {
            double e = ys[i] - (icpt + slope * xs[i]);
            sse += e * e;
        }
        double se = Math.sqrt(sse / (m - 2) / (sxx - sx * sx / m));
        double t = se > 0 ? slope / se : (slope == 0 ? 0 : Math.copySign(Double.MAX_VALUE, slope));
        return new Trend(icpt, slope, t);
    }

    /** The latest value (NaN if missing or none). */
    public double last() {
        return v.at(v.end() - 1);
    }

    public long intervalMs() {
        return intervalMs;
    }

    public Tiers tiers() {
        return tiers;
    }

    /**
     * The state: format, interval, tiers, horizons, the first step, the history (fine values as float, block
     * means as float + count byte), per horizon the pending forecasts (step offset int + double) and the
     * {@link HorizonForecaster} state.
     */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + v.encodedBytes());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeLong(intervalMs);
            out.writeInt(tiers.fineSteps());
            out.writeInt(tiers.totalSteps());
            out.writeInt(tiers.blockSteps());
            out.writeInt(steps.length);
            for (int s : steps) {
                out.writeInt(s);
            }
            out.writeLong(base);
            v.write(out);
            for (int i = 0; i < steps.length; i++) {
                for (int j = 0; j < pendStep[i].length; j++) {
                    out.writeInt(pendStep[i][j]);
                    out.writeDouble(pendPred[i][j]);
                    out.writeDouble(pendModel[i][j]);
                }
                fcs[i].writeState(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Restores a forecaster configured like {@code fresh} from {@code bytes}.
     *
     * @throws IllegalArgumentException if the bytes are unreadable or were written with another format,
     *                                  interval, history tiers or horizons (the caller then starts afresh)
     */
    public static SeriesForecaster decode(byte[] bytes, SeriesForecaster fresh) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readInt();
            if (format < 4 || format > FORMAT) {
                throw new IllegalArgumentException("forecaster state of format " + format + ", this version reads 4 to " + FORMAT);
            }
            if (in.readLong() != fresh.intervalMs || in.readInt() != fresh.tiers.fineSteps()
                || in.readInt() != fresh.tiers.totalSteps() || in.readInt() != fresh.tiers.blockSteps()) {
                throw new IllegalArgumentException("forecaster state written with another interval or history");
            }
            int ns = in.readInt();
            if (ns != fresh.steps.length) {
                throw new IllegalArgumentException("forecaster state has other horizons");
            }
            for (int s : fresh.steps) {
                if (in.readInt() != s) {
                    throw new IllegalArgumentException("forecaster state has other horizons");
                }
            }
            fresh.base = in.readLong();
            fresh.v.read(in);
            for (int i = 0; i < ns; i++) {
                for (int j = 0; j < fresh.pendStep[i].length; j++) {
                    fresh.pendStep[i][j] = in.readInt();
                    fresh.pendPred[i][j] = in.readDouble();
                    fresh.pendModel[i][j] = in.readDouble();
                }
                fresh.fcs[i].readState(in, format);
            }
            return fresh;
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable forecaster state: " + e.getMessage(), e);
        }
    }
}
