package dev.perfstream.bench.eval;

import dev.perfstream.models.backtest.ForecastBacktest;
import dev.perfstream.models.forecast.SeriesForecaster;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.ingest.loadgen.Incident;
import dev.perfstream.ingest.loadgen.IncidentSchedules;
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
    /**
     * One forecast target: a statistic of one series (or a service total), values on a 1-minute grid, the
     * noise-free expected value, and per window whether an incident changes that expected value.
     */
    public record Target(long seed, String name, String statistic, double[] values, double[] expected, boolean[] incident,
                         double[] expectedCalm, long t0) {
    }

    /**
     * When a scored point falls, relative to the incidents that change this target's expected value.
     * INCIDENT: an incident is active anywhere from 60 steps before the origin (the longest window the
     * forecaster's level looks back on) to the target; ECHO: otherwise, the target is one day or one week
     * after an incident step (what seasonal-naive copies and what a seasonal profile may remember);
     * CALM: the rest.
     */
    public enum Regime { CALM, INCIDENT, ECHO }

    /**
     * Per regime: number of scored points and sums of squared errors of perfstream / yesterday / last
     * week, each divided by the variance of the target's actuals (so sums over targets pool to an NRMSE).
     */
    public record RegimeSums(long[] n, double[] perfstream, double[] yesterday, double[] lastWeek) {
    }

    /** Scores of one target at one horizon: perfstream and the two seasonal-naive baselines. */
    public record Row(long seed, String name, String statistic, int horizon, ForecastBacktest.Scores perfstream,
                      ForecastBacktest.Scores yesterday, ForecastBacktest.Scores lastWeek, double oracleNrmse,
                      double calmOracleNrmse, RegimeSums regimes) {
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
     * the error rate (failed share) of every HTTP series (DB series have none), and the total request rate
     * of every service (what a service's capacity limit is compared with).
     */
    public static List<Target> targets(long seed, int days, Instant start) {
        List<SyntheticTraffic.Series> series = LoadgenTraffic.generate(seed, days, start);
        TrafficModel m = TrafficModel.standard();
        List<Incident> incidents = IncidentSchedules.scripted(start, start.plusSeconds(days * 86_400L), seed);
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
            double[] expErr = new double[n];
            double[] calmRate = new double[n];
            double[] calmP95 = new double[n];
            double[] calmErr = new double[n];
            boolean[] incRate = new boolean[n];
            boolean[] incP95 = new boolean[n];
            boolean[] incErr = new boolean[n];
            for (int w = 0; w < n; w++) {
                // The noise-free value the sampled window scatters around (LoadgenTraffic samples at mid-window);
                // an incident step is one where the incidents change it.
                Instant t = Instant.ofEpochMilli(t0 + w * MIN + MIN / 2);
                expRate[w] = m.requestRate(route, t, incidents) * (db ? route.dbShare() : 1);
                calmRate[w] = m.requestRate(route, t, List.of()) * (db ? route.dbShare() : 1);
                incRate[w] = expRate[w] != calmRate[w];
                expP95[w] = (db ? m.dbLatency(route, t, incidents) : m.latency(route, t, incidents)).quantile(0.95);
                calmP95[w] = (db ? m.dbLatency(route, t, List.of()) : m.latency(route, t, List.of())).quantile(0.95);
                incP95[w] = expP95[w] != calmP95[w];
                if (!db) {
                    expErr[w] = m.errorShare(route, t, incidents);
                    calmErr[w] = m.errorShare(route, t, List.of());
                    incErr[w] = expErr[w] != calmErr[w];
                }
            }
            out.add(new Target(seed, name, "rate", rate, expRate, incRate, calmRate, t0));
            out.add(new Target(seed, name, "p95", values(s.windows(), WindowStats::getP95), expP95, incP95, calmP95, t0));
            if (!db) {
                out.add(new Target(seed, name, "error_rate", values(s.windows(), WindowStats::getErrorRate), expErr, incErr,
                    calmErr, t0));
                double[][] tot = serviceTotals.computeIfAbsent(first.getService(), k -> new double[4][n]);
                for (int i = 0; i < n; i++) {
                    tot[0][i] += rate[i];
                    tot[1][i] += expRate[i];
                    tot[2][i] += incRate[i] ? 1 : 0;
                    tot[3][i] += calmRate[i];
                }
            }
        }
        serviceTotals.forEach((svc, v) -> {
            boolean[] inc = new boolean[v[2].length];
            for (int i = 0; i < inc.length; i++) {
                inc[i] = v[2][i] > 0;
            }
            out.add(new Target(seed, "service|" + svc, "rate", v[0], v[1], inc, v[3], t0));
        });
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
        return evaluate(t, horizon, ForecastBacktest.defaultTiers(MIN, horizon));
    }

    /** As {@link #evaluate(Target, int)} with the history the forecaster keeps (null: the whole series). */
    public static Row evaluate(Target t, int horizon, SeriesForecaster.Tiers tiers) throws IOException {
        ForecastBacktest.Result res = ForecastBacktest.backtest(t.values(), t.t0(), MIN, horizon, tiers, null);
        List<ForecastBacktest.Scores> s = res.scores();
        // The oracle knows the noise-free value (incidents included) on the points the backtest scores:
        // no forecaster can do better than its NRMSE, which is the sampling noise alone.
        int n = t.values().length;
        int week = 7 * 1440;
        int m = 0;
        double[] y = new double[n];
        double[] p = new double[n];
        double[] pc = new double[n];
        for (int k = 0; k + horizon < n; k++) {
            int target = k + horizon;
            if (target - week >= 0 && target - week <= k && !Double.isNaN(t.values()[target])) {
                y[m] = t.values()[target];
                pc[m] = t.expectedCalm()[target];
                p[m++] = t.expected()[target];
            }
        }
        double oracle = ForecastBacktest.score("oracle", Arrays.copyOf(y, m), Arrays.copyOf(p, m), null, null).nrmse();
        // The calm oracle knows the noise-free value without incidents: the best a forecaster that cannot
        // foresee an incident's onset can do (it may still beat it at short horizons by following one).
        double calmOracle = ForecastBacktest.score("calm", Arrays.copyOf(y, m), Arrays.copyOf(pc, m), null, null).nrmse();
        return new Row(t.seed(), t.name(), t.statistic(), horizon, s.get(0), s.get(1), s.get(2), oracle, calmOracle,
            regimes(res.points(), t.incident(), horizon));
    }

    /** Squared errors per {@link Regime}, each divided by the variance of the scored actuals. */
    static RegimeSums regimes(ForecastBacktest.Points p, boolean[] incident, int horizon) {
        int m = p.actual().length;
        int r = Regime.values().length;
        RegimeSums out = new RegimeSums(new long[r], new double[r], new double[r], new double[r]);
        if (m == 0) {
            return out;
        }
        double mean = 0;
        for (double a : p.actual()) {
            mean += a;
        }
        mean /= m;
        double var = 0;
        for (double a : p.actual()) {
            var += (a - mean) * (a - mean);
        }
        var /= m;
        if (!(var > 0)) {
            return out;
        }
        int n = incident.length;
        int[] prefix = new int[n + 1]; // incident steps before index i
        for (int i = 0; i < n; i++) {
            prefix[i + 1] = prefix[i] + (incident[i] ? 1 : 0);
        }
        int day = 1440;
        for (int i = 0; i < m; i++) {
            int t = p.target()[i];
            int from = Math.max(0, t - horizon - 60);
            Regime g;
            if (prefix[t + 1] - prefix[from] > 0) {
                g = Regime.INCIDENT;
            } else if (t - day >= 0 && incident[t - day] || t - 7 * day >= 0 && incident[t - 7 * day]) {
                g = Regime.ECHO;
            } else {
                g = Regime.CALM;
            }
            int j = g.ordinal();
            double y = p.actual()[i];
            out.n()[j]++;
            out.perfstream()[j] += sq(y - p.perfstream()[i]) / var;
            out.yesterday()[j] += sq(y - p.yesterday()[i]) / var;
            out.lastWeek()[j] += sq(y - p.lastWeek()[i]) / var;
        }
        return out;
    }

    private static double sq(double x) {
        return x * x;
    }
}
