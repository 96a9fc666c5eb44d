package dev.perfstream.streams.stats;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import dev.perfstream.runtime.StageRunner;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perfstream stats}: runs the windowed statistics stage in the foreground until Ctrl-C. */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = {"Run the windowed statistics stage: perf.metrics and perf.rum in, one WindowStats per series and "
        + "closed window (10 s, 1 min, 5 min and hourly by default) out to perf.stats; bad and late records to "
        + "perf.deadletter. Runs until Ctrl-C."})
public final class StatsCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions options;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (kafka.bootstrap.servers).")
    String bootstrap;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.load(bootstrap == null ? Map.of() : Map.of("kafka.bootstrap.servers", bootstrap));
        return StageRunner.run(StatsProcessor.STAGE, settings, StatsApp::start,
            app -> "stats stage running (application.id " + StatsConfig.from(settings).applicationId() + ")", System.out);
    }
}
