package dev.perfstream.bench.eval;

import dev.perfstream.models.anomaly.DetectorConfig;
import dev.perfstream.models.anomaly.MultivariateConfig;
import dev.perfstream.models.anomaly.ServiceVitals;
import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.schemas.config.Settings;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perfstream eval anomalies}. */
@Command(name = "anomalies", mixinStandardHelpOptions = true,
    description = {
        "Score labelled series (or, with --detector multivariate, each service's joint vector) (1-minute windows, daily and weekly seasonality, sampling noise,",
        "incidents of every kind; from the load generator model or bench's own generator) with the scoring topology's detector and print recall within 3 windows,",
        "recall during the incident, detection delay per incident kind, and false alarms per series per",
        "day of calm traffic."})
public final class EvalAnomaliesCommand implements Callable<Integer> {
    @Option(names = "--seeds", defaultValue = "1,2,3,4,5", split = ",", description = "Seeds (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--series", defaultValue = "12", description = "Series per seed (default: ${DEFAULT-VALUE}).")
    int seriesPerSeed;

    @Option(names = "--days", defaultValue = "7", description = "Days of 1-minute windows per series (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--statistics", defaultValue = "p95,error_rate,rate", split = ",",
        description = "Statistics scored per series (default: ${DEFAULT-VALUE}).")
    List<String> statistics;

    @Option(names = "--threshold", defaultValue = "0.9", description = "Alarm score (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--source", defaultValue = "loadgen",
        description = "loadgen: the project's load generator model and scripted incidents (all its HTTP and DB series); "
            + "synthetic: bench's own generator with --series random series per seed (default: ${DEFAULT-VALUE}).")
    String source;

    @Option(names = "--detector", defaultValue = "series",
        description = "series: the per-series detector on every HTTP and DB series; multivariate: the per-service "
            + "one-class SVM on the joint vector (latency, error rate, throughput, CPU, memory), --source loadgen only "
            + "(default: ${DEFAULT-VALUE}).")
    String detector;

    @Option(names = "--corpus",
        description = "Score the generated corpus (bench Corpus: 12 series kinds at 1 min, 5 min, 30 min and 1 h steps, labelled "
            + "anomalies of 6 kinds) instead of traffic series, as 'backtest anomalies' does, and print calm high-score share per "
            + "kind and cadence, recall per anomaly kind and points to acceptance. Development seeds 1-20; held-out sets are "
            + "named in bench/README.md.")
    boolean corpus;

    @Option(names = "--per-kind", description = "With --corpus: also print recall per series kind and cadence.")
    boolean perKind;

    @Option(names = "--config", description = "Properties file with anomaly.* / multivariate.* keys.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a key, e.g. --set anomaly.p.alert=1e-6")
    Map<String, String> overrides = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        Settings settings = Settings.load(config, System.getenv(), overrides);
        DetectorConfig cfg = DetectorConfig.from(settings);
        MultivariateConfig mvCfg = MultivariateConfig.from(settings);
        settings.throwIfInvalid("eval anomalies");
        if (corpus) {
            AnomalyCorpusEval eval = new AnomalyCorpusEval(cfg, threshold);
            AnomalyCorpusEval.Result r = new AnomalyCorpusEval.Result();
            for (long seed : seeds) {
                for (Corpus.Series s : Corpus.anomalySeries(seed)) {
                    eval.evaluate(s, r);
                }
                System.err.print("\reval anomalies --corpus: seed " + seed + " done");
            }
            System.err.println();
            System.out.printf("data: generated corpus, seeds %s; detector %s%n", seeds, cfg);
            AnomalyCorpusEval.print(r, threshold, System.out);
            if (perKind) {
                AnomalyCorpusEval.printPerKind(r, System.out);
            }
            return 0;
        }
        if (detector.equals("multivariate")) {
            if (!source.equals("loadgen")) {
                System.err.println("--detector multivariate needs --source loadgen (services with CPU and memory)");
                return 2;
            }
            return multivariate(mvCfg);
        }
        if (!detector.equals("series")) {
            System.err.println("--detector must be series or multivariate, not " + detector);
            return 2;
        }
        List<Statistic> stats = statistics.stream().map(Statistic::ofLabel).toList();
        AnomalyEval eval = new AnomalyEval(cfg, stats, threshold);
        AnomalyEval.Result r = new AnomalyEval.Result();
        Instant start = Instant.parse("2026-01-05T00:00:00Z");
        int done = 0;
        boolean loadgen = source.equals("loadgen");
        if (!loadgen && !source.equals("synthetic")) {
            System.err.println("--source must be loadgen or synthetic, not " + source);
            return 2;
        }
        int total = seeds.size() * (loadgen ? 17 : seriesPerSeed);
        for (long seed : seeds) {
            List<SyntheticTraffic.Series> series = loadgen ? LoadgenTraffic.generate(seed, days, start)
                : SyntheticTraffic.generate(seed, seriesPerSeed, days, start);
            for (SyntheticTraffic.Series s : series) {
                eval.evaluate(s, r);
                System.err.print("\reval anomalies: " + (++done) + "/" + total + " series");
            }
        }
        System.err.println();
        print(r, stats);
        return 0;
    }

    private int multivariate(MultivariateConfig mvCfg) {
        MultivariateEval eval = new MultivariateEval(mvCfg, threshold);
        AnomalyEval.Result r = new AnomalyEval.Result();
        Instant start = Instant.parse("2026-01-05T00:00:00Z");
        int done = 0;
        int total = seeds.size() * 4;
        for (long seed : seeds) {
            for (LoadgenTraffic.ServiceWindows s : LoadgenTraffic.services(seed, days, start)) {
                eval.evaluate(s, r);
                System.err.print("\reval anomalies: " + (++done) + "/" + total + " service-seeds");
            }
        }
        System.err.println();
        System.out.printf("data: load generator model (TrafficModel.standard + scriptedIncidents), window stats sampled, "
            + "CPU and memory as the load generator emits them; seeds %s, %d days of 1-min windows%n", seeds, days);
        System.out.printf("detector: multivariate one-class SVM per service on %s; %s; alarm: score >= %.2f%n",
            ServiceVitals.ALL, mvCfg, threshold);
        System.out.println("an incident counts once for the service it names; the first day is the detector's warm-up "
            + "(scores capped at 0.5) and the load generator puts no incident in the first fifth of the run");
        printKinds(r);
        System.out.printf("%-10s %9s %16s %10s %12s %22s%n", "service", "incidents", "detected<=3 win", "calm days",
            "false alarms", "false alarms/svc/day");
        eval.byService.forEach((svc, s) -> System.out.printf("%-10s %9d %16d %10.1f %12d %22.3f%n", svc, s.incidents,
            s.detectedWithin, s.calmWindows / 1440.0, s.episodes, s.calmWindows == 0 ? Double.NaN
                : s.episodes / (s.calmWindows / 1440.0)));
        System.out.printf("calm traffic: %.1f service-days, %d alarm windows, %d alarm episodes = %.3f false alarms per service per day%n",
            r.calmWindows / 1440.0, r.calmAlarmWindows, r.calmEpisodes, r.falseEpisodesPerSeriesDay());
        System.out.printf("scoring: %d vectors in %.2f s (%.0f per second incl. training, single thread)%n",
            r.observations, r.seconds, r.observations / Math.max(r.seconds, 1e-9));
        return 0;
    }

    private static void printKinds(AnomalyEval.Result r) {
        System.out.printf("%-14s %9s %16s %16s %14s%n", "kind", "incidents", "recall<=3 windows", "recall during", "mean delay");
        int inc = 0;
        int within = 0;
        int during = 0;
        for (var e : r.byKind.entrySet()) {
            AnomalyEval.KindResult k = e.getValue();
            inc += k.incidents;
            within += k.detectedWithin;
            during += k.detectedDuring;
            System.out.printf("%-14s %9d %16.3f %16.3f %14.2f%n", e.getKey(), k.incidents, k.recallWithin(),
                k.recallDuring(), k.meanDelay());
        }
        System.out.printf("%-14s %9d %16.3f %16.3f%n", "ALL", inc, (double) within / Math.max(inc, 1),
            (double) during / Math.max(inc, 1));
    }

    private void print(AnomalyEval.Result r, List<Statistic> stats) {
        System.out.printf("data: %s, seeds %s, %d series x %d days of 1-min windows%n",
            source.equals("loadgen") ? "load generator model (TrafficModel.standard + scriptedIncidents), window stats sampled"
                : "bench SyntheticTraffic", seeds, r.series, days);
        System.out.println("incidents are counted per affected series (an incident on a service counts once per series it moves)");
        System.out.printf("statistics scored: %s; alarm: window score >= %.2f%n",
            stats.stream().map(Statistic::label).toList(), threshold);
        printKinds(r);
        System.out.printf("calm traffic: %.1f series-days, %d alarm windows, %d alarm episodes = %.3f false alarms per series per day%n",
            r.calmWindows / 1440.0, r.calmAlarmWindows, r.calmEpisodes, r.falseEpisodesPerSeriesDay());
        System.out.printf("scoring: %d observations in %.2f s (%.0f per second, single thread)%n",
            r.observations, r.seconds, r.observations / Math.max(r.seconds, 1e-9));
    }
}
