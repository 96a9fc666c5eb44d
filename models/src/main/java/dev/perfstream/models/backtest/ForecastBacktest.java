package dev.perfstream.models.backtest;

import dev.perfstream.models.forecast.HorizonForecaster;
import dev.perfstream.models.forecast.SeriesForecaster;
import java.io.IOException;
import java.io.Writer;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Rolling-origin forecast backtest on a regular grid: at every origin k (using v[0..k] only, fed to a
 * {@link SeriesForecaster} as the scoring topology feeds it, with the same bounded history) perfstream
 * and the seasonal-naive baselines (same time yesterday, same time last week; at a horizon beyond a day (a week) the
 * same time on the latest day (week) before the origin) forecast v[k+h]. Errors are
 * scored on the origins where the actual and all three forecasts exist, so the methods are compared on
 * the same points.
 */
public final class ForecastBacktest {
    /** Scores of one method; {@code rmse} in the series' units, for ratios of methods where NRMSE is undefined. */
    public record Scores(String method, double nrmse, double nmae, double coverage, long n, double rmse) {
    }

    /**
     * Every scored point: target step, actual, forecasts of perfstream / yesterday / last week, and
     * perfstream's interval (parallel arrays of the scored length), so a caller can break the scores down.
     */
    public record Points(int[] target, double[] actual, double[] perfstream, double[] yesterday, double[] lastWeek,
                         double[] lower, double[] upper) {
    }

    /** Scores of the three methods and the points they were computed on. */
    public record Result(List<Scores> scores, Points points) {
    }

    private ForecastBacktest() {
    }

    /** {@link #backtest} without the points, with the scoring topology's default history. */
    public static List<Scores> run(double[] v, long t0, long intervalMs, int h, Writer out) throws IOException {
        return backtest(v, t0, intervalMs, h, defaultTiers(intervalMs, h), out).scores();
    }

    /** The scoring topology's default history for this step and horizon (10-minute blocks, see ForecastConfig). */
    public static SeriesForecaster.Tiers defaultTiers(long intervalMs, int h) {
        return SeriesForecaster.Tiers.needed(intervalMs, h, trainRows(intervalMs), SeriesForecaster.Tiers.DEFAULT_BLOCK_MS);
    }

    /** Steps per day (at least 1). */
    static int day(long intervalMs) {
        return (int) Math.max(1, Math.round(86_400_000.0 / intervalMs));
    }

    /**
     * Training origins: 4 days, at least 500 (at steps of 30 min and more, 4 days are too few rows for the
     * model: it needs 100), at most 4000 (the topology's default).
     */
    static int trainRows(long intervalMs) {
        return Math.min(Math.max(4 * day(intervalMs), 500), 4000);
    }

    /**
     * Runs the forecaster exactly as the scoring topology does: a {@link SeriesForecaster} fed one value per
     * step (retrained every day, on up to 4000 origins: the topology's defaults on 1-minute windows).
     *
     * @param v          values on the grid (NaN = missing)
     * @param t0         epoch ms of v[0]
     * @param intervalMs grid step
     * @param h          horizon in steps
     * @param tiers      history the forecaster keeps; null: the whole series at full resolution
     * @param out        receives every forecast beside its actual, or null
     */
    public static Result backtest(double[] v, long t0, long intervalMs, int h, SeriesForecaster.Tiers tiers, Writer out)
        throws IOException {
        return backtest(v, t0, intervalMs, h, tiers, out, null);
    }

    /**
     * As {@link #backtest(double[], long, long, int, SeriesForecaster.Tiers, Writer)}, telling {@code progress} the
     * origins done so far every 1000 origins (null: nobody).
     */
    public static Result backtest(double[] v, long t0, long intervalMs, int h, SeriesForecaster.Tiers tiers, Writer out,
                                  IntConsumer progress) throws IOException {
        int n = v.length;
        int day = day(intervalMs);
        // Beyond a day (a week) ahead, the same time on the latest day (week) before the origin (before, nothing was
        // scored beyond a day): the baselines are the guard's seasonal-naive forecasts.
        int dayLag = HorizonForecaster.lag(h, day);
        int weekLag = HorizonForecaster.lag(h, 7 * day);
        SeriesForecaster model = new SeriesForecaster(intervalMs, new int[] {h},
            tiers == null ? SeriesForecaster.Tiers.flat(n) : tiers, Math.max(day, 60), trainRows(intervalMs));
        double[] actual = new double[n];
        double[][] pred = new double[3][n];
        double[] lo = new double[n];
        double[] hi = new double[n];
        int[] tgt = new int[n];
        int m = 0;
        if (out != null) {
            out.write("origin,target,actual,perfstream,lower,upper,yesterday,last_week\n");
        }
        for (int k = 0; k + h < n; k++) {
            if (progress != null && k % 1000 == 0) {
                progress.accept(k);
            }
            List<SeriesForecaster.Point> p = model.observe(t0 + k * intervalMs, v[k], null);
            SeriesForecaster.Point fc = p.isEmpty() ? null : p.get(0);
            int t = k + h;
            double y = v[t];
            double yd = t - dayLag >= 0 ? v[t - dayLag] : Double.NaN;
            double yw = t - weekLag >= 0 ? v[t - weekLag] : Double.NaN;
            if (out != null && fc != null) {
                out.write((t0 + (long) k * intervalMs) + "," + (t0 + (long) t * intervalMs) + "," + y + ","
                    + fc.predicted() + "," + fc.lower() + "," + fc.upper() + "," + yd + "," + yw + "\n");
            }
            if (fc == null || Double.isNaN(y) || Double.isNaN(yd) || Double.isNaN(yw)) {
                continue;
            }
            tgt[m] = t;
            actual[m] = y;
            pred[0][m] = fc.predicted();
            pred[1][m] = yd;
            pred[2][m] = yw;
            lo[m] = fc.lower();
            hi[m] = fc.upper();
            m++;
        }
        if (out != null) {
            out.flush();
        }
        String[] names = {"perfstream", "seasonal-naive yesterday", "seasonal-naive last week"};
        Scores[] s = new Scores[3];
        for (int j = 0; j < 3; j++) {
            s[j] = score(names[j], Arrays.copyOf(actual, m), Arrays.copyOf(pred[j], m),
                j == 0 ? Arrays.copyOf(lo, m) : null, j == 0 ? Arrays.copyOf(hi, m) : null);
        }
        return new Result(List.of(s), new Points(Arrays.copyOf(tgt, m), Arrays.copyOf(actual, m),
            Arrays.copyOf(pred[0], m), Arrays.copyOf(pred[1], m), Arrays.copyOf(pred[2], m), Arrays.copyOf(lo, m),
            Arrays.copyOf(hi, m)));
    }

    /**
     * NRMSE, NMAE and (with lo/hi) coverage of forecasts p of actuals y. NRMSE is NaN where the actuals do not vary (their
     * standard deviation, which it divides by, is 0).
     */
    public static Scores score(String method, double[] y, double[] p, double[] lo, double[] hi) {
        int n = y.length;
        if (n == 0) {
            return new Scores(method, Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN);
        }
        double mean = 0;
        for (double a : y) {
            mean += a;
        }
        mean /= n;
        double var = 0;
        double se = 0;
        double ae = 0;
        double absActual = 0;
        int covered = 0;
        for (int i = 0; i < n; i++) {
            var += (y[i] - mean) * (y[i] - mean);
            se += (y[i] - p[i]) * (y[i] - p[i]);
            ae += Math.abs(y[i] - p[i]);
            absActual += Math.abs(y[i]);
            if (lo != null && y[i] >= lo[i] && y[i] <= hi[i]) {
                covered++;
            }
        }
        double sd = Math.sqrt(var / n);
        // NRMSE = RMSE / sd(actuals); NMAE = MAE / mean |actual| (defined with zeros as long as not all are 0). Actuals
        // that do not vary (a constant stretch; their sd is 0 or rounding, 1e-14 of the level) leave NRMSE undefined: NaN,
        // not an RMSE divided by rounding (1e12 for an error of 0.1).
        boolean constant = sd <= 1e-9 * (absActual / n);
        return new Scores(method, constant ? Double.NaN : Math.sqrt(se / n) / sd, (ae / n) / (absActual / n),
            lo == null ? Double.NaN : (double) covered / n, n, Math.sqrt(se / n));
    }
}
