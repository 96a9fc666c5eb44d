package dev.perfstream.bench.eval;

import dev.perfstream.models.backtest.ForecastBacktest;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;

/**
 * Forecast accuracy on the {@link Corpus} (no injected anomalies): every kind at every cadence, backtested
 * online through {@link ForecastBacktest#backtest} with the scoring topology's default history, at horizons
 * of 1, 6 and 24 steps by default ({@code --steps-ahead}). Per series the ratio of perfstream's NRMSE to the better
 * seasonal-naive baseline's (same time yesterday, same time last week) and the 90 % interval coverage; the table
 * aggregates them per cadence and horizon, separately for kinds with a daily pattern and without.
 */
public final class ForecastCorpusEval {
    /**
     * One series at one horizon: NRMSEs (NaN where the scored actuals do not vary) and the RMSEs the ratios are taken
     * of, which are the same ratios where NRMSE is defined and stay defined where it is not.
     */
    public record Row(Corpus.Kind kind, long stepMs, long seed, int horizon, double nrmse, double bestNaive,
                      double coverage, double rmse, double bestNaiveRmse, double oracleRmse, double level) {
        /** perfstream / the better seasonal-naive: +Infinity where the naive forecast is exact and perfstream's is not. */
        public double ratio() {
            return rmse / bestNaiveRmse;
        }

        /**
         * Whether perfstream's forecasts are exact but for floating-point rounding: an RMSE below {@value #ROUNDING} of
         * the series' level (the mean absolute actual). A noise-free flat stretch forecast as 100.0000005 for 100 is
         * not worse than the seasonal-naive forecast in any sense that matters, and is named apart.
         */
        public boolean exactButRounding() {
            return rmse <= ROUNDING * level;
        }

        /** The oracle's ratio ({@link Corpus.Series#oracle}): the lowest ratio a forecaster can expect here. */
        public double oracleRatio() {
            return oracleRmse / bestNaiveRmse;
        }
    }

    /** perfstream's RMSE at most this share of the level counts as exact ({@link Row#exactButRounding}). */
    static final double ROUNDING = 1e-6;

    private ForecastCorpusEval() {
    }

    /**
     * Backtests the given kinds at the given cadences for every seed at these horizons (steps), {@code threads} series at
     * a time.
     */
    public static List<Row> run(List<Long> seeds, long[] cadences, int[] horizons, List<Corpus.Kind> kinds, int threads,
                                PrintStream progress) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        List<Future<List<Row>>> futures = new ArrayList<>();
        try {
            for (long seed : seeds) {
                for (long step : cadences) {
                    for (Corpus.Kind k : kinds) {
                        futures.add(pool.submit(() -> evaluate(Corpus.generate(k, step, seed, Corpus.forecastDays(step),
                            false), horizons)));
                    }
                }
            }
            List<Row> rows = new ArrayList<>();
            int done = 0;
            for (Future<List<Row>> f : futures) { // in submission order: the output does not depend on --threads
                rows.addAll(f.get());
                progress.printf("\reval forecast --corpus: %d/%d series", ++done, futures.size());
            }
            progress.println();
            return rows;
        } finally {
            pool.shutdownNow();
        }
    }

    static List<Row> evaluate(Corpus.Series s, int[] horizons) throws java.io.IOException {
        List<Row> out = new ArrayList<>();
        for (int h : horizons) {
            ForecastBacktest.Result r = ForecastBacktest.backtest(s.values(), s.t0(), s.stepMs(), h,
                ForecastBacktest.defaultTiers(s.stepMs(), h), null);
            List<ForecastBacktest.Scores> sc = r.scores();
            int[] target = r.points().target();
            double[] oracle = new double[target.length];
            for (int i = 0; i < target.length; i++) {
                oracle[i] = s.oracle(target[i] - h, target[i]);
            }
            double oracleRmse = ForecastBacktest.score("oracle", r.points().actual(), oracle, null, null).rmse();
            double level = Arrays.stream(r.points().actual()).map(Math::abs).average().orElse(0);
            out.add(new Row(s.kind(), s.stepMs(), s.seed(), h, sc.get(0).nrmse(),
                Math.min(sc.get(1).nrmse(), sc.get(2).nrmse()), sc.get(0).coverage(), sc.get(0).rmse(),
                Math.min(sc.get(1).rmse(), sc.get(2).rmse()), oracleRmse, level));
        }
        return out;
    }

    /**
     * Per cadence and horizon (steps): mean and worst ratio for seasonal and other kinds, mean and lowest coverage.
     */
    public static void print(List<Row> rows, long[] cadences, int[] horizons, boolean perSeries, PrintStream out) {
        out.println("ratio = RMSE (= NRMSE) of perfstream / that of the better seasonal-naive baseline of the same series"
            + " (same time yesterday / last week; beyond a day (week) ahead the same time on the latest day (week) before"
            + " the origin; scored on the same points); target <= 0.8 on seasonal kinds, <= 1.0 everywhere");
        out.println("oracle = the same ratio for a forecast that knows the generator's noise-free shape and each change"
            + " once it has begun: the lowest ratio a forecaster can expect on that series");
        out.printf("%-5s %3s | %-30s | %-30s | %-22s | %-26s%n", "step", "h", "seasonal: mean ratio, worst",
            "other: mean ratio, worst", "cover90: mean, min..max", "oracle seasonal: mean, max");
        for (long step : cadences) {
            for (int h : horizons) {
                List<Row> r = rows.stream().filter(x -> x.stepMs() == step && x.horizon() == h && Double.isFinite(x.ratio()))
                    .toList();
                if (r.isEmpty()) {
                    continue;
                }
                List<Row> seasonal = r.stream().filter(x -> x.kind().seasonal).toList();
                out.printf("%-5s %3d | %-30s | %-30s | %-22s | %-26s%n", Corpus.cadence(step), h,
                    summary(seasonal, Row::ratio),
                    summary(r.stream().filter(x -> !x.kind().seasonal).toList(), Row::ratio),
                    String.format("%.3f, %.3f..%.3f", r.stream().mapToDouble(Row::coverage).average().orElse(Double.NaN),
                        r.stream().mapToDouble(Row::coverage).min().orElse(Double.NaN),
                        r.stream().mapToDouble(Row::coverage).max().orElse(Double.NaN)),
                    summary(seasonal, Row::oracleRatio));
            }
        }
        // Not in the means above, so named here: where the seasonal-naive forecast is exact (a flat stretch) the ratio is
        // infinite if perfstream's is not (above 1.0), undefined if both are exact; exact but for rounding is named apart.
        for (Unscored u : Unscored.values()) {
            List<String> named = rows.stream().filter(x -> Unscored.of(x) == u)
                .map(x -> x.kind() + " " + Corpus.cadence(x.stepMs()) + " seed " + x.seed() + " h " + x.horizon()
                    + (u == Unscored.ROUNDING ? String.format(" (RMSE %.2g, level %.3g)", x.rmse(), x.level()) : ""))
                .toList();
            if (!named.isEmpty()) {
                out.println(u.heading + String.join(", ", named));
            }
        }
        if (perSeries) {
            for (Row x : rows) {
                out.printf("  %-16s %-4s seed %-4d h %-3d ratio %.3f (ps %.3f naive %.3f, RMSE %.3g / %.3g) cover %.3f"
                    + " oracle %.3f%n", x.kind(), Corpus.cadence(x.stepMs()), x.seed(), x.horizon(), x.ratio(), x.nrmse(),
                    x.bestNaive(), x.rmse(), x.bestNaiveRmse(), x.coverage(), x.oracleRatio());
            }
        }
    }

    /** Why a row has no finite ratio (seasonal-naive exact), as the table names it. */
    private enum Unscored {
        ABOVE("ratio infinite, above 1.0 (seasonal-naive exact, perfstream not): "),
        ROUNDING("ratio infinite, but perfstream exact within rounding (RMSE at most " + ForecastCorpusEval.ROUNDING
            + " of the level; seasonal-naive exact): "),
        BOTH_EXACT("no ratio (seasonal-naive and perfstream both exact): ");

        final String heading;

        Unscored(String heading) {
            this.heading = heading;
        }

        /** The row's reason, null where its ratio is finite. */
        static Unscored of(Row x) {
            if (Double.isFinite(x.ratio())) {
                return null;
            }
            return !(x.ratio() > 0) ? BOTH_EXACT : x.exactButRounding() ? ROUNDING : ABOVE;
        }
    }

    /** Mean and worst of a ratio over the rows, with the worst row's kind. */
    private static String summary(List<Row> r, ToDoubleFunction<Row> ratio) {
        if (r.isEmpty()) {
            return "-";
        }
        Row worst = r.stream().max(java.util.Comparator.comparingDouble(ratio)).orElseThrow();
        return String.format("%.3f, %.3f %s", r.stream().mapToDouble(ratio).average().orElse(Double.NaN),
            ratio.applyAsDouble(worst), worst.kind());
    }
}
