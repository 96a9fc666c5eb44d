package dev.perfstream.sink.influx;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
        CountDownLatch stopped = new CountDownLatch(1);
        SinkApp app;
        try {
            app = SinkApp.start(settings);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Thread hook = new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "perfstream-sink-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        while (app.isRunning() && !stopped.await(1, TimeUnit.SECONDS)) {
            // Foreground until Ctrl-C, or until the loop ends on its own.
        }
        if (app.failure() != null) {
            Runtime.getRuntime().removeShutdownHook(hook);
            app.close();
            System.err.println("sink failed: " + app.failure());
            return 1;
        }
        return 0;
    }
}
