package dev.perfstream.bench.eval;

import dev.perfstream.models.capacity.CapacityEstimate;
import dev.perfstream.schemas.config.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perfstream eval capacity}. */
@Command(name = "capacity", mixinStandardHelpOptions = true,
    description = {
        "Scaling advice on a simulated service (CapacitySimulation): the load",
        "generator's traffic shape (daily and weekly seasonality) with a surge on",
        "day 5, a hidden capacity per instance drawn per seed, p95 from a",
        "multi-server queue curve with noise. The first days run on a static count;",
        "then, step by step and from the past only, each method sets the instance",
        "count (new instances serve after --startup):",
        "  advisor      CapacityModel (refitted on its own history) + SeriesForecaster",
        "               rate forecast + ScalingAdvisor",
        "  reactive     the current rate over the same learned capacity",
        "  reactive-headroom  as the HPA does: 20 %% headroom (a target of 83 %% of the",
        "               capacity), scale-down stabilised over 5 min",
        "  static-peak  a fixed count for the week's peak rate (hindsight) at the",
        "               capacity learned from the history",
        "  static-mean  the same for the week's mean rate",
        "Prints, per method, the share of steps with p95 under the KPI and the",
        "instance-hours against static-peak. Development seeds 1-5; 101-110 are",
        "held out.", ""})
public final class EvalCapacityCommand implements Callable<Integer> {
    private static final java.util.logging.Logger TRIBUO_LOG = java.util.logging.Logger.getLogger("org.tribuo");

    @Option(names = "--seeds", defaultValue = "1..5", description = "Seeds: a..b or a list (default: ${DEFAULT-VALUE}).")
    String seeds;

    @Option(names = "--days", defaultValue = "7", description = "Simulated days, at least 6 (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--history-days", defaultValue = "2",
        description = "Days on the static count before the methods take over (default: ${DEFAULT-VALUE}).")
    int historyDays;

    @Option(names = "--step", defaultValue = "1m", description = "Simulation step = window (default: ${DEFAULT-VALUE}).")
    String step;

    @Option(names = "--startup", defaultValue = "3m",
        description = "Time from a scale-out decision until the new instance serves (default: ${DEFAULT-VALUE}).")
    String startup;

    @Option(names = "--surge", defaultValue = "2.5", description = "Traffic multiplier of the surge (default: ${DEFAULT-VALUE}).")
    double surge;

    @Option(names = "--kpi", defaultValue = "200", description = "p95 KPI in ms (default: ${DEFAULT-VALUE}).")
    double kpi;

    @Option(names = "--hold", defaultValue = "15m", description = "Advisor: scale-in hold (default: ${DEFAULT-VALUE}).")
    String hold;

    @Option(names = "--lookahead", defaultValue = "5m",
        description = "Advisor: forecast horizons up to this decide a scale-out (default: ${DEFAULT-VALUE}).")
    String lookahead;

    @Option(names = "--horizons", defaultValue = "5m,15m,30m", split = ",",
        description = "Rate forecast horizons, multiples of --step (default: ${DEFAULT-VALUE}).")
    List<String> horizons;

    @Option(names = "--price", defaultValue = "0.10", description = "Price per instance-hour (default: ${DEFAULT-VALUE}).")
    double price;

    @Option(names = "--refit", defaultValue = "6h",
        description = "The capacity model is refitted on the method's own history this often (default: ${DEFAULT-VALUE}).")
    String refit;

    @Option(names = "--ramp-t", defaultValue = "3",
        description = {"Advisor: also the rate's 15-step linear trend carried over --startup plus a step, when its",
            "slope's t statistic is at least this (0: off) (default: ${DEFAULT-VALUE})."})
    double rampT;

    @Option(names = "--threads", defaultValue = "1", description = "Seeds run in parallel (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--per-seed", description = "Also print one line per seed and method.")
    boolean perSeed;

    @Override
    public Integer call() throws Exception {
        TRIBUO_LOG.setLevel(java.util.logging.Level.WARNING);
        long stepMs = ms(step);
        long[] hs = horizons.stream().mapToLong(h -> ms(h.trim())).toArray();
        List<String> bad = new ArrayList<>();
        if (days < 6 || historyDays < 1 || historyDays > days - 3) {
            bad.add("--days must be >= 6 and --history-days in 1..days-3 (the surge is on day 5)");
        }
        if (stepMs < 60_000 || 86_400_000L % stepMs != 0) {
            bad.add("--step must be at least 1m and divide a day");
        }
        for (long h : hs) {
            if (h <= 0 || h % stepMs != 0) {
                bad.add("--horizons: " + h / 1000 + " s is not a positive multiple of --step");
            }
        }
        if (!(surge >= 1) || !(kpi > CapacitySimulation.BASE_MS * 1.5) || !(price >= 0)) {
            bad.add("--surge must be >= 1, --kpi above " + CapacitySimulation.BASE_MS * 1.5 + " ms, --price >= 0");
        }
        if (!bad.isEmpty()) {
            bad.forEach(System.err::println);
            return 2;
        }
        CapacitySimulation.Settings s = new CapacitySimulation.Settings(days, historyDays, stepMs, ms(startup), surge, kpi,
            ms(hold), ms(lookahead), hs, price, ms(refit), rampT);
        List<Long> seedList = EvalForecastCommand.parseSeeds(seeds);
        long began = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        List<CapacitySimulation.Outcome> outcomes = new ArrayList<>();
        try {
            List<Future<CapacitySimulation.Outcome>> fs = new ArrayList<>();
            for (long seed : seedList) {
                fs.add(pool.submit(() -> new CapacitySimulation(s, seed).run(p -> System.err.printf(
                    "\reval capacity: seed %d, %.0f %% of the online days, %.0f s   ", seed, 100 * p,
                    (System.nanoTime() - began) / 1e9))));
            }
            for (Future<CapacitySimulation.Outcome> f : fs) {
                outcomes.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        System.err.printf("%neval capacity: %d seeds in %.0f s%n", seedList.size(), (System.nanoTime() - began) / 1e9);
        print(s, seedList, outcomes);
        return 0;
    }

    private static long ms(String d) {
        return Settings.parseDuration(d.trim()).toMillis();
    }

    private void print(CapacitySimulation.Settings s, List<Long> seedList, List<CapacitySimulation.Outcome> outcomes) {
        System.out.printf("data: simulated service, seeds %s, %d days at a %s step, first %d on a static count; surge %.1fx"
            + " on day 5; p95 KPI %.0f ms; new instances serve after %s; advisor: hold %s, look-ahead %s, horizons %s, ramp t %s%n",
            seedList, s.days(), step, s.historyDays(), s.surge(), s.kpiMs(), startup, hold, lookahead, horizons,
            rampT > 0 ? rampT : "off");
        System.out.println("coverage = share of online steps with p95 <= KPI (target >= 0.95); instance-hours over the online"
            + " days, paid from the decision; vs peak = instance-hours / static-peak's");
        System.out.printf("%-18s %9s %9s %12s %8s %11s %9s %9s%n", "method", "coverage", "worst", "inst-hours", "vs peak",
            "surge cover", "mean inst", "changes");
        for (CapacitySimulation.Method m : CapacitySimulation.Method.values()) {
            double cov = 0;
            double worst = 1;
            double ih = 0;
            double peak = 0;
            int ss = 0;
            int sc = 0;
            double mean = 0;
            int ch = 0;
            for (CapacitySimulation.Outcome o : outcomes) {
                CapacitySimulation.Result r = o.results().get(m.ordinal());
                CapacitySimulation.Result p = o.results().get(CapacitySimulation.Method.STATIC_PEAK.ordinal());
                cov += r.coverage();
                worst = Math.min(worst, r.coverage());
                ih += r.instanceHours();
                peak += p.instanceHours();
                ss += r.surgeSteps();
                sc += r.surgeCovered();
                mean += r.meanInstances();
                ch += r.changes();
            }
            int n = outcomes.size();
            System.out.printf("%-18s %9.4f %9.4f %12.1f %7.1f%% %11.4f %9.1f %9.1f%n", m.name().toLowerCase().replace('_', '-'),
                cov / n, worst, ih / n, 100 * ih / peak, (double) sc / Math.max(1, ss), mean / n, (double) ch / n);
        }
        System.out.println();
        System.out.println("capacity per instance (req/s): true = where the noise-free p95 reaches the KPI; learned from the"
            + " history (crossing, safe rate used, status), and the advisor's last refit");
        for (CapacitySimulation.Outcome o : outcomes) {
            CapacitySimulation.Truth t = o.truth();
            CapacityEstimate a = t.firstEstimate();
            CapacityEstimate b = t.lastEstimate();
            System.out.printf("  seed %-4d true %6.2f | history: crossing %6.2f (%+5.1f %%) safe %6.2f %-12s | last: crossing"
                    + " %6.2f (%+5.1f %%) safe %6.2f %-12s | history count %d%n", t.seed(), t.trueCapacity(), a.crossing(),
                100 * (a.crossing() / t.trueCapacity() - 1), a.perInstance(), a.status(), b.crossing(),
                100 * (b.crossing() / t.trueCapacity() - 1), b.perInstance(), b.status(), t.historyInstances());
            if (perSeed) {
                for (CapacitySimulation.Result r : o.results()) {
                    System.out.printf("    %-18s coverage %.4f inst-hours %8.1f surge %d/%d changes %d%n",
                        r.method().name().toLowerCase().replace('_', '-'), r.coverage(), r.instanceHours(), r.surgeCovered(), r.surgeSteps(),
                        r.changes());
                }
                t.sampleAdvice().forEach(x -> System.out.println("    advice: " + x));
            }
        }
    }
}
