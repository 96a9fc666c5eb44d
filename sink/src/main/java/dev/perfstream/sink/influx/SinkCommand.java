package dev.perfstream.sink.influx;

import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code perfstream run sink}: runs the sink in the foreground until Ctrl-C. */
@Command(name = "sink", mixinStandardHelpOptions = true,
    description = {"Writes the result topics (perf.stats, perf.anomalies, perf.forecasts, perf.alerts) into InfluxDB.",
        "Commits Kafka offsets only after InfluxDB acknowledged a batch; while InfluxDB is down it holds the batch "
            + "and retries with backoff. Undecodable records go to perf.deadletter. Runs until Ctrl-C."})
public final class SinkCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions options;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.load();
        return StageRunner.run("sink", settings, SinkApp::start, app -> "sink running (group " + app.config().groupId() + ")", System.out);
    }
}
