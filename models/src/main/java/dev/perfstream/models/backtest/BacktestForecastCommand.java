package dev.perfstream.models.backtest;

import dev.perfstream.models.forecast.HorizonForecaster;
import dev.perfstream.models.forecast.SeriesForecaster;
import dev.perfstream.schemas.config.Settings;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perfstream backtest forecast --input FILE.csv --horizon N [--output OUT.csv]}. */
@Command(name = "forecast", mixinStandardHelpOptions = true,
    description = {"Rolling-origin forecast backtest of one series (CSV timestamp,value): perfstream's forecaster and",
        "the seasonal-naive baselines (same time yesterday, last week; beyond a day or a week ahead, the same time on",
        "the latest day or week before the origin), each forecast using earlier rows only.",
        "Prints NRMSE (RMSE / sd of actuals), NMAE (MAE / mean |actual|) and 90%% interval coverage."})
public final class BacktestForecastCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, description = "CSV file with timestamp,value rows.")
    Path input;

    @Option(names = "--horizon", required = true,
        description = "Horizon: a number of rows (steps of the series' interval) or a duration such as 30m, 2h.")
    String horizon;

    @Option(names = "--output", description = "Write every forecast beside its actual to this CSV.")
    Path output;

    @Option(names = "--history", defaultValue = "default",
        description = {"History the forecaster keeps: 'default' (the scoring topology's: the last 4360 steps at full",
            "resolution, 3 weeks + 4000 steps in all as 10-minute means), a duration (kept in all, e.g. 2d as before",
            "version 3 of the state), or 'full' (the whole series at full resolution) (default: ${DEFAULT-VALUE})."})
    String history;

    @Option(names = "--no-progress", description = "Do not draw the progress bar (drawn for series of more than 20,000 steps).")
    boolean noProgress;

    /**
     * Tribuo logs every training at INFO (two lines per retraining, a retraining a day of rows: 60 lines for a month):
     * the progress bar says how far the backtest is. Held here: java.util.logging keeps loggers weakly.
     */
    private static final Logger TRIBUO_LOG = Logger.getLogger("org.tribuo");

    @Override
    public Integer call() throws Exception {
        TRIBUO_LOG.setLevel(Level.WARNING);
        long[] ts = new long[1024];
        double[] vs = new double[1024];
        int rows = 0;
        int bad = 0;
        try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            SeriesCsv csv = new SeriesCsv(r);
            SeriesCsv.Row row;
            while ((row = csv.next()) != null) {
                if (row.error() != null) {
                    if (++bad <= 10) {
                        System.err.println("warning: " + row.error() + " (row skipped)");
                    }
                    continue;
                }
                if (rows == ts.length) {
                    ts = Arrays.copyOf(ts, rows * 2);
                    vs = Arrays.copyOf(vs, rows * 2);
                }
                ts[rows] = row.timeMillis();
                vs[rows++] = row.value();
            }
        }
        if (rows < 3) {
            System.err.println("not enough rows to backtest (" + rows + ")");
            return 2;
        }
        // Regular grid: the interval is the median gap; rows land on the nearest step (duplicates: last wins).
        long t0 = Long.MAX_VALUE;
        long tMax = Long.MIN_VALUE;
        for (int i = 0; i < rows; i++) {
            t0 = Math.min(t0, ts[i]);
            tMax = Math.max(tMax, ts[i]);
        }
        long[] sorted = Arrays.copyOf(ts, rows);
        Arrays.sort(sorted);
        long[] gaps = new long[rows - 1];
        int g = 0;
        for (int i = 1; i < rows; i++) {
            if (sorted[i] > sorted[i - 1]) {
                gaps[g++] = sorted[i] - sorted[i - 1];
            }
        }
        Arrays.sort(gaps, 0, g);
        long interval = g == 0 ? 60_000 : gaps[g / 2];
        long steps = (tMax - t0) / interval + 1;
        if (steps > 50_000_000L) {
            System.err.println("series too long or too irregular for a grid of " + interval + " ms: " + steps + " steps");
            return 2;
        }
        double[] grid = new double[(int) steps];
        Arrays.fill(grid, Double.NaN);
        for (int i = 0; i < rows; i++) {
            grid[(int) Math.round((ts[i] - t0) / (double) interval)] = vs[i];
        }
        int h = parseHorizon(horizon, interval);
        if (h < 1) {
            System.err.println("--horizon must be at least one step (" + interval + " ms)");
            return 2;
        }
        if (h >= grid.length) {
            System.err.printf("--horizon %s (%d steps) is longer than the series (%d steps of %d s): nothing to forecast%n",
                horizon, h, grid.length, interval / 1000);
            return 2;
        }
        SeriesForecaster.Tiers tiers;
        try {
            tiers = tiers(history, interval, h);
        } catch (IllegalArgumentException e) {
            System.err.println("--history: " + e.getMessage());
            return 2;
        }
        List<ForecastBacktest.Scores> scores;
        int origins = grid.length - h;
        Progress bar = new Progress(System.err, origins, "backtest forecast", "origins", !noProgress && origins > 20_000);
        IntConsumer progress = k -> bar.update(k, k);
        if (output != null) {
            try (Writer w = new BufferedWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8), 1 << 16)) {
                scores = ForecastBacktest.backtest(grid, t0, interval, h, tiers, w, progress).scores();
            }
        } else {
            scores = ForecastBacktest.backtest(grid, t0, interval, h, tiers, null, progress).scores();
        }
        bar.update(origins, origins);
        bar.done();
        System.out.printf("series: %d rows, interval %d s, %d grid steps; horizon %d steps (%s)%n", rows, interval / 1000,
            grid.length, h, java.time.Duration.ofMillis(h * interval));
        int day = ForecastBacktest.day(interval);
        if (h > day) {
            int days = HorizonForecaster.lag(h, day) / day;
            int weeks = HorizonForecaster.lag(h, 7 * day) / (7 * day);
            System.out.printf("beyond a day ahead the seasonal-naive baselines are the same time %d days back and %s back"
                + " (the latest day and week before the origin)%n", days, weeks == 1 ? "a week" : weeks + " weeks");
        }
        if (scores.get(0).n() == 0) {
            System.out.println("no origin has an actual and both seasonal-naive baselines (history shorter than a week"
                + " plus the horizon?): nothing to score");
            return 0;
        }
        System.out.printf("%-26s %8s %8s %10s %8s%n", "method", "NRMSE", "NMAE", "coverage90", "points");
        for (ForecastBacktest.Scores s : scores) {
            System.out.printf("%-26s %8.3f %8.3f %10s %8d%n", s.method(), s.nrmse(), s.nmae(),
                Double.isNaN(s.coverage()) ? "-" : String.format("%.3f", s.coverage()), s.n());
        }
        if (Double.isNaN(scores.get(0).nrmse())) {
            System.out.println("the scored actuals do not vary: NRMSE (RMSE over their standard deviation) is undefined;"
                + " NMAE compares the methods");
            return 0;
        }
        double best = Math.min(scores.get(1).nrmse(), scores.get(2).nrmse());
        System.out.printf("perfstream NRMSE vs best seasonal-naive: %+.1f %%%n", 100 * (scores.get(0).nrmse() / best - 1));
        return 0;
    }

    /** 'default', 'full' (null: the whole series) or a duration kept in all. */
    static SeriesForecaster.Tiers tiers(String history, long interval, int h) {
        String s = history.trim();
        if (s.equals("full")) {
            return null;
        }
        if (s.equals("default")) {
            return ForecastBacktest.defaultTiers(interval, h);
        }
        long ms = Settings.parseDuration(s).toMillis();
        if (ms < 2 * interval) {
            throw new IllegalArgumentException(s + " is shorter than two steps of " + interval + " ms");
        }
        return SeriesForecaster.Tiers.of(interval, h, ForecastBacktest.trainRows(interval), ms, 0,
            SeriesForecaster.Tiers.DEFAULT_BLOCK_MS);
    }

    static int parseHorizon(String s, long intervalMs) {
        String t = s.trim();
        if (t.chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(t);
        }
        return (int) Math.round(Settings.parseDuration(t).toMillis() / (double) intervalMs);
    }
}
