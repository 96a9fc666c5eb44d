package dev.perfstream.bench.eval;

import dev.perfstream.models.backtest.ForecastBacktest;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.ingest.loadgen.Incident;
import dev.perfstream.ingest.loadgen.LoadGenerator;
import dev.perfstream.ingest.loadgen.TrafficModel;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Forecast accuracy over many labelled series: runs the online rolling-origin backtest
 * ({@link ForecastBacktest}, the code of {@code perfstream backtest forecast}) on each series and horizon
 * and keeps every per-series score, so the command can aggregate over series and seeds.
 */
public final class ForecastEval {
    /** One forecast target: a statistic of one series (or a service total), values on a 1-minute grid. */
    public record Target(long seed, String name, String statistic, double[] values, double[] expected, long t0) {
    }

    /** Scores of one target at one horizon: perfstream and the two seasonal-naive baselines. */
    public record Row(long seed, String name, String statistic, int horizon, ForecastBacktest.Scores perfstream,
                      ForecastBacktest.Scores yesterday, ForecastBacktest.Scores lastWeek, double oracleNrmse) {
        /** NRMSE of the better baseline on this series. */
        public double bestNaiveNrmse() {
            return Math.min(yesterday.nrmse(), lastWeek.nrmse());
        }

        /** NMAE of the baseline with the better NRMSE on this series. */
        public double bestNaiveNmae() {
            return yesterday.nrmse() <= lastWeek.nrmse() ? yesterday.nmae() : lastWeek.nmae();
        }
    }

    private static final long MIN = 60_000L;

    private ForecastEval() {
    }

    /**
     * Targets of one load-generator seed: the request rate (req/s) and the p95 of every HTTP and DB series,
     * and the total request rate of every service (what a service's capacity limit is compared with).
     */
    public static List<Target> targets(long seed, int days, Instant start) {
        List<SyntheticTraffic.Series> series = LoadgenTraffic.generate(seed, days, start);
        TrafficModel m = TrafficModel.standard();
        List<Incident> incidents = LoadGenerator.scriptedIncidents(start, start.plusSeconds(days * 86_400L), seed);
        List<Target> out = new ArrayList<>();
        Map<String, double[][]> serviceTotals = new LinkedHashMap<>();
        long t0 = start.toEpochMilli();
        for (SyntheticTraffic.Series s : series) {
            String name = s.key().substring(0, s.key().indexOf('#'));
            WindowStats first = s.windows().get(0);
            boolean db = first.getName().equals(TrafficModel.DB);
            TrafficModel.Route route = m.routes().stream()
                .filter(r -> r.service().equals(first.getService()) && r.path().equals(first.getRoute())).findFirst().orElseThrow();
            int n = s.windows().size();
            double[] rate = values(s.windows(), WindowStats::getRate);
            double[] expRate = new double[n];
            double[] expP95 = new double[n];
            for (int w = 0; w < n; w++) {
                // The noise-free value the sampled window scatters around (LoadgenTraffic samples at mid-window).
                Instant t = Instant.ofEpochMilli(t0 + w * MIN + MIN / 2);
                expRate[w] = m.requestRate(route, t, incidents) * (db ? route.dbShare() : 1);
                expP95[w] = (db ? m.dbLatency(route, t, incidents) : m.latency(route, t, incidents)).quantile(0.95);
            }
            out.add(new Target(seed, name, "rate", rate, expRate, t0));
            out.add(new Target(seed, name, "p95", values(s.windows(), WindowStats::getP95), expP95, t0));
            if (!db) {
                double[][] tot = serviceTotals.computeIfAbsent(first.getService(), k -> new double[2][n]);
                for (int i = 0; i < n; i++) {
                    tot[0][i] += rate[i];
                    tot[1][i] += expRate[i];
                }
            }
        }
        serviceTotals.forEach((svc, v) -> out.add(new Target(seed, "service|" + svc, "rate", v[0], v[1], t0)));
        return out;
    }

    private static double[] values(List<WindowStats> w, ToDoubleFunction<WindowStats> f) {
        double[] v = new double[w.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(w.get(i));
        }
        return v;
    }

    /** Backtests one target at one horizon (in 1-minute steps). */
    public static Row evaluate(Target t, int horizon) throws IOException {
        List<ForecastBacktest.Scores> s = ForecastBacktest.run(t.values(), t.t0(), MIN, horizon, null);
        // The oracle knows the noise-free value (incidents included) on the points the backtest scores:
        // no forecaster can do better than its NRMSE, which is the sampling noise alone.
        int n = t.values().length;
        int week = 7 * 1440;
        int m = 0;
        double[] y = new double[n];
        double[] p = new double[n];
        for (int k = 0; k + horizon < n; k++) {
            int target = k + horizon;
            if (target - week >= 0 && target - week <= k && !Double.isNaN(t.values()[target])) {
                y[m] = t.values()[target];
                p[m++] = t.expected()[target];
            }
        }
        double oracle = ForecastBacktest.score("oracle", Arrays.copyOf(y, m), Arrays.copyOf(p, m), null, null).nrmse();
        return new Row(t.seed(), t.name(), t.statistic(), horizon, s.get(0), s.get(1), s.get(2), oracle);
    }
}
