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
 * Online forecaster of one series on a regular grid, for the streaming topology: keeps the last
 * {@code historySteps} values, one {@link HorizonForecaster} per horizon (the same code as
 * {@code perfstream backtest forecast}), and the forecasts still waiting for their actual, whose errors
 * feed the 90 % intervals. Values arrive once per step (window); gaps become missing values; a value not
 * after the last one (duplicate, out of order) is ignored. The whole state round-trips through
 * {@link #encode()} / {@link #decode}.
 */
public final class SeriesForecaster {
    private static final int FORMAT = 2; // 2: profile-based features (state of format 1 is refused: the forecaster starts afresh)
    private static final int TREND_POINTS = 15;

    private final long intervalMs;
    private final int[] steps;
    private final HorizonForecaster[] fcs;
    private final double[] v;
    private int n;
    private long base = Long.MIN_VALUE;
    private final long[][] pendStep;
    private final double[][] pendPred;

    /** One forecast made at the latest value. */
    public record Point(int horizonSteps, double predicted, double lower, double upper, String modelVersion) {
    }

    /** Recent linear trend: value fitted at the latest step, slope per step and its t statistic. */
    public record Trend(double fitted, double slope, double t) {
    }

    public SeriesForecaster(long intervalMs, int[] horizonSteps, int historySteps, int retrainEvery, int trainRows) {
        this.intervalMs = intervalMs;
        this.steps = horizonSteps.clone();
        this.fcs = new HorizonForecaster[steps.length];
        this.pendStep = new long[steps.length][];
        this.pendPred = new double[steps.length][];
        for (int i = 0; i < steps.length; i++) {
            fcs[i] = new HorizonForecaster(steps[i], intervalMs, retrainEvery, trainRows);
            pendStep[i] = new long[steps[i] + 1];
            Arrays.fill(pendStep[i], Long.MIN_VALUE);
            pendPred[i] = new double[steps[i] + 1];
        }
        this.v = new double[Math.max(historySteps, 2)];
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
        if (kl < n) {
            return List.of();
        }
        if (kl >= v.length) {
            long drop = kl - v.length + 1;
            int keep = (int) Math.max(0, n - drop);
            System.arraycopy(v, n - keep, v, 0, keep);
            n = keep;
            base += drop;
            kl -= drop;
            for (HorizonForecaster f : fcs) {
                f.shift((int) Math.min(Integer.MAX_VALUE, drop));
            }
        }
        int k = (int) kl;
        while (n < k) {
            v[n++] = Double.NaN;
        }
        v[n++] = Double.isFinite(value) ? value : Double.NaN;
        long t0 = base * intervalMs;
        List<Point> out = new ArrayList<>(steps.length);
        for (int i = 0; i < steps.length; i++) {
            int h = steps[i];
            long origin = abs - h;
            int slot = (int) Math.floorMod(origin, (long) h + 1);
            if (pendStep[i][slot] == origin && origin >= base) {
                fcs[i].outcome(v, (int) (origin - base), t0,
                    new HorizonForecaster.Forecast(pendPred[i][slot], Double.NaN, Double.NaN));
            }
            fcs[i].publisher(publisher);
            HorizonForecaster.Forecast fc = fcs[i].forecast(v, k, t0);
            fcs[i].publisher(null);
            int mine = (int) Math.floorMod(abs, (long) h + 1);
            if (fc == null || !Double.isFinite(fc.predicted())) {
                pendStep[i][mine] = Long.MIN_VALUE;
                continue;
            }
            pendStep[i][mine] = abs;
            pendPred[i][mine] = fc.predicted();
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
        for (int i = n - 1; i >= 0 && i >= n - 4 * TREND_POINTS && m < TREND_POINTS; i--) {
            if (!Double.isNaN(v[i])) {
                xs[m] = i - (n - 1);
                ys[m] = v[i];
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
        return n == 0 ? Double.NaN : v[n - 1];
    }

    public long intervalMs() {
        return intervalMs;
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 8 * n);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeLong(intervalMs);
            out.writeInt(v.length);
            out.writeInt(steps.length);
            for (int s : steps) {
                out.writeInt(s);
            }
            out.writeLong(base);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeDouble(v[i]);
            }
            for (int i = 0; i < steps.length; i++) {
                for (int j = 0; j < pendStep[i].length; j++) {
                    out.writeLong(pendStep[i][j]);
                    out.writeDouble(pendPred[i][j]);
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
     * @throws IllegalArgumentException if the bytes are unreadable or were written with another interval,
     *                                  history length or horizons (the caller then starts afresh)
     */
    public static SeriesForecaster decode(byte[] bytes, SeriesForecaster fresh) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != FORMAT || in.readLong() != fresh.intervalMs || in.readInt() != fresh.v.length) {
                throw new IllegalArgumentException("forecaster state written with another format, interval or history");
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
            int nn = in.readInt();
            if (nn < 0 || nn > fresh.v.length) {
                throw new IllegalArgumentException("forecaster state has " + nn + " values");
            }
            fresh.n = nn;
            for (int i = 0; i < nn; i++) {
                fresh.v[i] = in.readDouble();
            }
            for (int i = 0; i < ns; i++) {
                for (int j = 0; j < fresh.pendStep[i].length; j++) {
                    fresh.pendStep[i][j] = in.readLong();
                    fresh.pendPred[i][j] = in.readDouble();
                }
                fresh.fcs[i].readState(in);
            }
            return fresh;
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable forecaster state: " + e.getMessage(), e);
        }
    }
}
