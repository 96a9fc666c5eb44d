package dev.perfstream.bench.eval;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perfstream eval impact}. */
@Command(name = "impact", mixinStandardHelpOptions = true,
    description = {
        "Speed vs conversion on the load generator's standard traffic (ImpactEval): per",
        "seed one window, whose sessions on shop-web /checkout convert by their LCP",
        "bucket (6 / 4.5 / 3 %%), joined and estimated in process by the stats stage's",
        "own code; prints each window's estimated gain from moving the p75 into the",
        "next bucket with its interval against the truth, and the coverage.", ""})
public final class EvalImpactCommand implements Callable<Integer> {
    @Option(names = "--seeds", defaultValue = "1..50", description = "Seeds: a..b or a list (default: ${DEFAULT-VALUE}).")
    String seeds;

    @Option(names = "--window", defaultValue = "1h", description = "The impact window (default: ${DEFAULT-VALUE}).")
    String window;

    @Option(names = "--from", defaultValue = "2026-11-26T10:00:00Z",
        description = "Start of each window (default: ${DEFAULT-VALUE}).")
    String from;

    @Option(names = "--rate", defaultValue = "200", description = "Load generator events/s (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--confidence", defaultValue = "0.95", description = "Interval level (default: ${DEFAULT-VALUE}).")
    double confidence;

    @Override
    public Integer call() {
        Duration w = dev.perfstream.schemas.config.Settings.parseDuration(window);
        ImpactEval.Report r = ImpactEval.run(EvalForecastCommand.parseSeeds(seeds), Instant.parse(from), w, rate, confidence);
        System.out.print(r.format());
        return 0;
    }
}
