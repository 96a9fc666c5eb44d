package dev.perfstream.streams.scoring;

import dev.perfstream.schemas.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perfstream run scoring}: the anomaly scoring stage in the foreground until Ctrl-C. */
@Command(name = "scoring", mixinStandardHelpOptions = true,
    description = {"Run the anomaly scoring stage: every closed window on perf.stats is scored per series and",
        "statistic (Tribuo models, retrained as history accumulates, stored under models.dir) and written to",
        "perf.anomalies; undecodable windows go to perf.deadletter. Runs until Ctrl-C."})
public final class ScoringCommand implements Callable<Integer> {
    @Option(names = "--config", description = "Properties file (keys as in the README); env PERFSTREAM_* overrides it.")
    Path config;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (kafka.bootstrap.servers).")
    String bootstrap;

    @Option(names = "--set", description = "Override a key, e.g. --set anomaly.z.alert=8", paramLabel = "KEY=VALUE")
    Map<String, String> overrides = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        Map<String, String> o = new HashMap<>(overrides);
        if (bootstrap != null) {
            o.put("kafka.bootstrap.servers", bootstrap);
        }
        Settings settings = Settings.load(config, System.getenv(), o);
        ScoringApp app = ScoringApp.start(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "scoring-shutdown"));
        System.out.println("scoring stage running (application.id " + ScoringConfig.from(settings).applicationId()
            + "); Ctrl-C stops it");
        while (!app.awaitStop(Duration.ofSeconds(10))) {
            // foreground until stopped
        }
        return app.state() == org.apache.kafka.streams.KafkaStreams.State.ERROR ? 1 : 0;
    }
}
