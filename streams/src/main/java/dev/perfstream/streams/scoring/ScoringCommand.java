package dev.perfstream.streams.scoring;

import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perfstream run scoring}: the anomaly scoring stage in the foreground until Ctrl-C. */
@Command(name = "scoring", mixinStandardHelpOptions = true,
    description = {"Run the anomaly scoring stage: every closed window on perf.stats is scored per series and",
        "statistic (Tribuo models, retrained as history accumulates, stored under models.dir) and written to",
        "perf.anomalies; undecodable windows go to perf.deadletter. Runs until Ctrl-C."})
public final class ScoringCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions options;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (kafka.bootstrap.servers).")
    String bootstrap;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.load(bootstrap == null ? Map.of() : Map.of("kafka.bootstrap.servers", bootstrap));
        return StageRunner.run("scoring", settings, ScoringApp::start,
            app -> "scoring stage running (application.id " + ScoringConfig.from(settings).applicationId() + ")", System.out);
    }
}
