package dev.perfstream.ingest;

import dev.perfstream.ingest.collector.CollectorConfig;
import dev.perfstream.ingest.loadgen.LoadgenConfig;
import dev.perfstream.ingest.source.OtlpSourceConfig;
import dev.perfstream.schemas.config.ConfigDeclarations;
import dev.perfstream.schemas.config.ConfigGroup;
import java.util.List;

/** The keys of the collector, the load generator and the OTLP Kafka source. */
public final class IngestConfigDeclarations implements ConfigDeclarations {
    @Override
    public List<ConfigGroup> groups() {
        return List.of(
            ConfigGroup.of("collector", "Collector (browser beacons and service batches over HTTP)", 80, CollectorConfig.class),
            ConfigGroup.of("loadgen", "Load generator", 90, LoadgenConfig.class),
            ConfigGroup.of("otlp", "OTLP Kafka source (batches of the OpenTelemetry Collector's Kafka exporter)", 85,
                OtlpSourceConfig.class));
    }
}
