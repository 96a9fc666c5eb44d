package dev.perfstream.bench.eval;

import dev.perfstream.models.forecast.SeriesForecaster;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.streams.scoring.forecast.ForecastConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perfstream eval forecast}. */
@Command(name = "forecast", mixinStandardHelpOptions = true,
    description = {
        "Forecast accuracy on the load generator's traffic (TrafficModel.standard: daily and weekly seasonality,",
        "sampling noise, the scripted incidents of each seed), 1-minute windows: for every HTTP and DB series its",
        "request rate and p95, and every service's total request rate. Runs the online rolling-origin backtest",
        "(the code of 'perfstream backtest forecast' and of the scoring topology: SeriesForecaster) per series and horizon and prints, per horizon, NRMSE and",
        "NMAE of perfstream and of the seasonal-naive baselines (same time yesterday, same time last week),",
        "perfstream's improvement over the better baseline, and 90%% interval coverage; over all seeds, and for the worst seed;",
        "then where the error is: per statistic and regime (calm, during an incident, the day / week after one)."})
public final class EvalForecastCommand implements Callable<Integer> {
    /** Tribuo logs every training at INFO (thousands of lines per run); held here so the level sticks. */
    private static final java.util.logging.Logger TRIBUO_LOG = java.util.logging.Logger.getLogger("org.tribuo");

    @Option(names = "--seeds", defaultValue = "1..5",
        description = "Seeds: a range a..b or a list 1,2,3 (default: ${DEFAULT-VALUE}).")
    String seeds;

    @Option(names = "--days", defaultValue = "14",
        description = "Days of 1-minute windows per series; scoring starts after the first week (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--horizons", defaultValue = "5m,30m,2h", split = ",",
        description = "Horizons (default: ${DEFAULT-VALUE}).")
    List<String> horizons;

    @Option(names = "--statistics", defaultValue = "rate,p95", split = ",",
        description = "Statistics forecast: rate (req/s), p95, error_rate (failed share, HTTP series) (default: ${DEFAULT-VALUE}).")
    List<String> statistics;

    @Option(names = "--threads", defaultValue = "1",
        description = "Series backtested in parallel (default: ${DEFAULT-VALUE}; results do not depend on it).")
    int threads;

    @Option(names = "--history", defaultValue = "default",
        description = {"History the forecaster keeps; every target runs through SeriesForecaster as the scoring",
            "topology runs it: 'default' (the topology's default forecast.history* keys), a duration (sets",
            "forecast.history: 2d = the default before the tiered history), or 'full' (the whole series at full",
            "resolution) (default: ${DEFAULT-VALUE})."})
    String history;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
        description = "A forecast.* setting for the topology's configuration (e.g. forecast.history.block=10m); repeatable.")
    Map<String, String> set = new HashMap<>();

    @Option(names = "--corpus",
        description = {"Backtest the generated corpus (bench Corpus: 12 series kinds, no injected anomalies) at --cadences and",
            "horizons of 1, 6 and 24 steps (--steps-ahead) instead of the load generator's series; prints the NRMSE",
            "ratio to the better seasonal-naive baseline and coverage per cadence and horizon. Development seeds 1-20;",
            "held-out sets are named in bench/README.md."})
    boolean corpus;

    @Option(names = "--cadences", defaultValue = "10s,1m,5m,30m,1h", split = ",",
        description = "With --corpus: steps of the series (default: ${DEFAULT-VALUE}).")
    List<String> cadences;

    @Option(names = "--kinds", split = ",",
        description = "With --corpus: only these series kinds (e.g. SQUARE,SAWTOOTH; default: all).")
    List<Corpus.Kind> kinds;

    @Option(names = "--steps-ahead", defaultValue = "1,6,24", split = ",",
        description = "With --corpus: horizons in steps of each series (default: ${DEFAULT-VALUE}).")
    List<Integer> stepsAhead;

    @Option(names = "--per-series", description = "Also print one line per series, seed and horizon.")
    boolean perSeries;

    private String historyLabel;

    @Override
    public Integer call() throws Exception {
        TRIBUO_LOG.setLevel(java.util.logging.Level.WARNING);
        List<Long> seedList = parseSeeds(seeds);
        if (corpus) {
            long[] steps = cadences.stream().mapToLong(c -> Settings.parseDuration(c.trim()).toMillis()).toArray();
            int[] ahead = stepsAhead.stream().mapToInt(Integer::intValue).toArray();
            if (Arrays.stream(ahead).anyMatch(h -> h < 1)) {
                System.err.println("--steps-ahead: horizons must be at least one step: " + stepsAhead);
                return 2;
            }
            List<ForecastCorpusEval.Row> rows = ForecastCorpusEval.run(seedList, steps, ahead,
                kinds == null || kinds.isEmpty() ? List.of(Corpus.Kind.values()) : kinds, threads, System.err);
            System.out.printf("data: generated corpus, seeds %s, cadences %s, steps ahead %s%n", seedList, cadences,
                stepsAhead);
            ForecastCorpusEval.print(rows, steps, ahead, perSeries, System.out);
            return 0;
        }
        if (days < 9) {
            System.err.println("--days must be at least 9: the last-week baseline needs a week of history before scoring");
            return 2;
        }
        for (String st : statistics) {
            if (!List.of("rate", "p95", "error_rate").contains(st)) {
                System.err.println("--statistics: unknown statistic '" + st + "' (rate, p95, error_rate)");
                return 2;
            }
        }
        List<Integer> hs = new ArrayList<>();
        for (String h : horizons) {
            long ms = dev.perfstream.schemas.config.Settings.parseDuration(h.trim()).toMillis();
            if (ms < 60_000 || ms % 60_000 != 0) {
                System.err.println("--horizons: " + h + " is not a positive number of minutes");
                return 2;
            }
            hs.add((int) (ms / 60_000));
        }
        SeriesForecaster.Tiers tiers = null; // full
        if (!history.equals("full")) {
            Map<String, String> keys = new HashMap<>(set);
            keys.put("forecast.horizons", String.join(",", horizons));
            if (!history.equals("default")) {
                keys.put("forecast.history", history);
            }
            Settings settings = Settings.of(keys);
            ForecastConfig cfg = ForecastConfig.from(settings);
            if (!settings.problems().isEmpty()) {
                settings.problems().forEach(p -> System.err.println("--history / --set: " + p));
                return 2;
            }
            if (cfg.retrainEvery() != 1440 || cfg.trainRows() != 4000) {
                System.err.println("--set: forecast.retrain.every / forecast.train.rows are fixed at 1440 / 4000 here");
                return 2;
            }
            tiers = cfg.tiers();
        }
        historyLabel = tiers == null ? "full (whole series at full resolution)"
            : String.format("%s: %d steps at full resolution, %d in all, %d-step blocks", history, tiers.fineSteps(),
                tiers.totalSteps(), tiers.fineSteps() == tiers.totalSteps() ? 1 : tiers.blockSteps());
        System.err.println("eval forecast: history " + historyLabel);
        SeriesForecaster.Tiers useTiers = tiers;
        Instant start = Instant.parse("2026-01-05T00:00:00Z"); // a Monday
        List<ForecastEval.Row> rows = new ArrayList<>();
        long began = System.nanoTime();
        int done = 0;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            for (long seed : seedList) {
                List<ForecastEval.Target> targets = ForecastEval.targets(seed, days, start)
                    .stream().filter(t -> statistics.contains(t.statistic())).toList();
                List<java.util.concurrent.Future<List<ForecastEval.Row>>> futures = new ArrayList<>();
                for (ForecastEval.Target t : targets) {
                    futures.add(pool.submit(() -> {
                        List<ForecastEval.Row> out = new ArrayList<>();
                        for (int h : hs) {
                            out.add(ForecastEval.evaluate(t, h, useTiers));
                        }
                        return out;
                    }));
                }
                for (var f : futures) { // in submission order, so the output does not depend on --threads
                    rows.addAll(f.get());
                    done++;
                    System.err.printf("\reval forecast: seed %d, %d series done, %.0f s", seed, done,
                        (System.nanoTime() - began) / 1e9);
                }
                if (seed != seedList.get(seedList.size() - 1)) { // long runs: the table so far after each seed
                    System.err.println();
                    System.out.printf("%n=== after seed %d of %s ===%n", seed, seedList);
                    print(rows, seedList.subList(0, seedList.indexOf(seed) + 1), hs);
                    System.out.flush();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.err.println();
        print(rows, seedList, hs);
        return 0;
    }

    static List<Long> parseSeeds(String s) {
        List<Long> out = new ArrayList<>();
        if (s.contains("..")) {
            String[] p = s.split("\\.\\.");
            for (long i = Long.parseLong(p[0].trim()); i <= Long.parseLong(p[1].trim()); i++) {
                out.add(i);
            }
        } else {
            for (String x : s.split(",")) {
                out.add(Long.parseLong(x.trim()));
            }
        }
        return out;
    }

    private void print(List<ForecastEval.Row> rows, List<Long> seedList, List<Integer> hs) {
        System.out.printf("data: load generator model, seeds %s, %d days of 1-minute windows, statistics %s;"
            + " %d targets per seed; history %s%n", seedList, days, statistics, rows.size() / hs.size() / seedList.size(),
            historyLabel);
        System.out.println("oracle = NRMSE of the noise-free expected value (knows the future incidents): the sampling noise"
            + " alone; bound = the improvement the oracle would show, the most any forecaster can reach;");
        System.out.println("calm bound = the improvement of the noise-free value without incidents (knows the seasonality"
            + " exactly, foresees no incident): the most a forecaster that cannot foresee incidents reaches at long horizons");
        System.out.println("aggregate = mean over targets (series x statistic x seed) of each score; improvement ="
            + " 1 - mean NRMSE perfstream / mean NRMSE of the better baseline per target");
        for (int h : hs) {
            List<ForecastEval.Row> rh = rows.stream().filter(r -> r.horizon() == h).toList();
            System.out.printf("%nhorizon %s (%d steps), %d targets%n", Duration.ofMinutes(h), h, rh.size());
            System.out.printf("  %-12s %8s %8s %8s %8s %8s %8s %9s %9s %9s %8s %8s %8s%n", "subset", "NRMSE ps", "yday", "lweek",
                "NMAE ps", "yday", "lweek", "impr NRMSE", "impr NMAE", "cover90", "oracle", "bound", "calm bnd");
            line("all", rh);
            for (String st : statistics) {
                line(st, rh.stream().filter(r -> r.statistic().equals(st)).toList());
            }
            line("svc total", rh.stream().filter(r -> r.name().startsWith("service|")).toList());
            line("calm series", rh.stream().filter(r -> r.regimes().n()[ForecastEval.Regime.INCIDENT.ordinal()] == 0
                && r.regimes().n()[ForecastEval.Regime.ECHO.ordinal()] == 0).toList());
            Map<Long, List<ForecastEval.Row>> bySeed = new TreeMap<>();
            rh.forEach(r -> bySeed.computeIfAbsent(r.seed(), k -> new ArrayList<>()).add(r));
            long worst = -1;
            double worstImpr = Double.POSITIVE_INFINITY;
            for (var e : bySeed.entrySet()) {
                double impr = improvement(e.getValue());
                if (impr < worstImpr) {
                    worstImpr = impr;
                    worst = e.getKey();
                }
            }
            line("worst seed " + worst, bySeed.get(worst));
            regimes(rh);
            if (perSeries) {
                for (ForecastEval.Row r : rh) {
                    System.out.printf("    seed %d %-40s %-5s ps %.3f yd %.3f lw %.3f cov %.3f%n", r.seed(), r.name(),
                        r.statistic(), r.perfstream().nrmse(), r.yesterday().nrmse(), r.lastWeek().nrmse(),
                        r.perfstream().coverage());
                }
            }
        }
    }

    /**
     * Where the error is: per statistic and regime, the pooled NRMSE (square root of the mean over points of
     * the squared error divided by its target's variance) of perfstream and of the better baseline of each
     * target, and the improvement.
     */
    private void regimes(List<ForecastEval.Row> rh) {
        System.out.printf("  by regime (pooled over points; calm / incident: active from 60 steps before the origin to the"
            + " target / echo: 1 day or 1 week after an incident step):%n");
        System.out.printf("  %-12s %-9s %7s %9s %9s %9s%n", "subset", "regime", "points", "NRMSE ps", "best naive", "impr");
        Map<String, List<ForecastEval.Row>> subsets = new LinkedHashMap<>();
        for (String st : statistics) {
            subsets.put(st, rh.stream().filter(r -> r.statistic().equals(st) && !r.name().startsWith("service|")).toList());
        }
        subsets.put("svc total", rh.stream().filter(r -> r.name().startsWith("service|")).toList());
        for (var e : subsets.entrySet()) {
            long total = e.getValue().stream().mapToLong(r -> r.perfstream().n()).sum();
            for (ForecastEval.Regime g : ForecastEval.Regime.values()) {
                int j = g.ordinal();
                long n = 0;
                double ps = 0;
                double nv = 0;
                for (ForecastEval.Row r : e.getValue()) {
                    boolean yd = r.yesterday().nrmse() <= r.lastWeek().nrmse();
                    n += r.regimes().n()[j];
                    ps += r.regimes().perfstream()[j];
                    nv += yd ? r.regimes().yesterday()[j] : r.regimes().lastWeek()[j];
                }
                if (n == 0) {
                    continue;
                }
                double a = Math.sqrt(ps / n);
                double b = Math.sqrt(nv / n);
                System.out.printf("  %-12s %-9s %6.1f%% %9.3f %9.3f %8.1f%%%n", e.getKey(), g.name().toLowerCase(),
                    100.0 * n / Math.max(1, total), a, b, 100 * (1 - a / b));
            }
        }
    }

    private static double mean(List<ForecastEval.Row> rows, ToDoubleFunction<ForecastEval.Row> f) {
        return rows.stream().mapToDouble(f).filter(Double::isFinite).average().orElse(Double.NaN);
    }

    private static double improvement(List<ForecastEval.Row> rows) {
        return 1 - mean(rows, r -> r.perfstream().nrmse()) / mean(rows, ForecastEval.Row::bestNaiveNrmse);
    }

    private static void line(String label, List<ForecastEval.Row> rows) {
        if (rows.isEmpty()) {
            return;
        }
        Predicate<ForecastEval.Row> ok = r -> r.perfstream().n() > 0;
        List<ForecastEval.Row> r = rows.stream().filter(ok).toList();
        System.out.printf("  %-12s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.1f%% %8.1f%% %9.3f %8.3f %7.1f%% %7.1f%%%n", label,
            mean(r, x -> x.perfstream().nrmse()), mean(r, x -> x.yesterday().nrmse()), mean(r, x -> x.lastWeek().nrmse()),
            mean(r, x -> x.perfstream().nmae()), mean(r, x -> x.yesterday().nmae()), mean(r, x -> x.lastWeek().nmae()),
            100 * improvement(r), 100 * (1 - mean(r, x -> x.perfstream().nmae()) / mean(r, ForecastEval.Row::bestNaiveNmae)),
            mean(r, x -> x.perfstream().coverage()), mean(r, ForecastEval.Row::oracleNrmse),
            100 * (1 - mean(r, ForecastEval.Row::oracleNrmse) / mean(r, ForecastEval.Row::bestNaiveNrmse)),
            100 * (1 - mean(r, ForecastEval.Row::calmOracleNrmse) / mean(r, ForecastEval.Row::bestNaiveNrmse)));
    }
}
