package dev.perfstream.ingest.source;

import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perfstream run otlp}: the OTLP Kafka source in the foreground until Ctrl-C. */
@Command(name = "otlp", mixinStandardHelpOptions = true,
    description = {"Run the OTLP Kafka source: OTLP batches on otlp_spans and otlp_metrics (what the OpenTelemetry",
        "Collector's Kafka exporter writes, otlp_proto or otlp_json, any key or none) become perfstream events on",
        "perf.metrics; unreadable batches and rejected items go to perf.deadletter. Runs until Ctrl-C."})
public final class RunOtlpCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions options;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (kafka.bootstrap.servers).")
    String bootstrap;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.load(bootstrap == null ? Map.of() : Map.of("kafka.bootstrap.servers", bootstrap));
        OtlpSourceConfig c = OtlpSourceConfig.from(settings);
        return StageRunner.run(OtlpSourceApp.STAGE, settings, OtlpSourceApp::start, app -> "otlp source running ("
            + c.spansTopic() + ", " + c.metricsIn() + " -> " + c.metricsTopic() + ")", System.out);
    }
}
