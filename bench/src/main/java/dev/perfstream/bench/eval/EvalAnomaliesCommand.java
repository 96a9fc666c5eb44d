package dev.perfstream.bench.eval;

import dev.perfstream.models.anomaly.DetectorConfig;
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
        "Score labelled series (1-minute windows, daily and weekly seasonality, sampling noise,",
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

    @Option(names = "--config", description = "Properties file with anomaly.* keys.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a key, e.g. --set anomaly.z.alert=8")
    Map<String, String> overrides = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        Settings settings = Settings.load(config, System.getenv(), overrides);
        DetectorConfig cfg = DetectorConfig.from(settings);
        settings.throwIfInvalid("eval anomalies");
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

    private void print(AnomalyEval.Result r, List<Statistic> stats) {
        System.out.printf("data: %s, seeds %s, %d series x %d days of 1-min windows%n",
            source.equals("loadgen") ? "load generator model (TrafficModel.standard + scriptedIncidents), window stats sampled"
                : "bench SyntheticTraffic", seeds, r.series, days);
        System.out.println("incidents are counted per affected series (an incident on a service counts once per series it moves)");
        System.out.printf("statistics scored: %s; alarm: window score >= %.2f%n",
            stats.stream().map(Statistic::label).toList(), threshold);
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
        System.out.printf("calm traffic: %.1f series-days, %d alarm windows, %d alarm episodes = %.3f false alarms per series per day%n",
            r.calmWindows / 1440.0, r.calmAlarmWindows, r.calmEpisodes, r.falseEpisodesPerSeriesDay());
        System.out.printf("scoring: %d observations in %.2f s (%.0f per second, single thread)%n",
            r.observations, r.seconds, r.observations / Math.max(r.seconds, 1e-9));
    }
}
