package dev.perfstream.ingest.source;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import java.util.List;

/**
 * Configuration of the OTLP Kafka source ({@code perfstream run otlp}).
 *
 * @param spansTopic   where the OpenTelemetry Collector's Kafka exporter writes traces
 * @param metricsIn    where it writes metrics
 * @param json         {@code otlp_json} instead of {@code otlp_proto}
 * @param metricsTopic perfstream's metrics topic, where the events go
 */
public record OtlpSourceConfig(String spansTopic, String metricsIn, boolean json, String groupId, String metricsTopic,
                               String deadletterTopic, int routesPerService, int maxStreams) {
    public static final ConfigKey<String> SPANS_TOPIC = ConfigKey.string("otlp.topic.spans", "otlp_spans")
        .doc("Topic of OTLP trace batches (the OpenTelemetry Collector Kafka exporter's traces topic)");
    public static final ConfigKey<String> METRICS_TOPIC = ConfigKey.string("otlp.topic.metrics", "otlp_metrics")
        .doc("Topic of OTLP metric batches (the OpenTelemetry Collector Kafka exporter's metrics topic)");
    public static final ConfigKey<String> ENCODING = ConfigKey.string("otlp.encoding", "otlp_proto")
        .doc("Encoding of the batches, as the exporter's 'encoding': otlp_proto or otlp_json");
    public static final ConfigKey<String> GROUP_ID = ConfigKey.string("otlp.group.id", "perfstream-otlp")
        .doc("Consumer group of the source");
    public static final ConfigKey<Integer> ROUTES_PER_SERVICE = ConfigKey.integer("otlp.routes.per.service", 500, 1, 1_000_000)
        .doc("Distinct routes per service, then __overflow__ (the cardinality guard)");
    public static final ConfigKey<Integer> STREAMS_MAX = ConfigKey.integer("otlp.streams.max", 100_000, 1, 10_000_000)
        .doc("Cumulative streams remembered to turn cumulative sums and histograms into deltas (least recently used "
            + "forgotten first)");

    public static OtlpSourceConfig from(Settings s) {
        String encoding = s.get(ENCODING);
        if (!List.of("otlp_proto", "otlp_json").contains(encoding)) {
            s.problem("otlp.encoding: must be otlp_proto or otlp_json, got \"" + encoding + "\"");
        }
        OtlpSourceConfig c = new OtlpSourceConfig(s.get(SPANS_TOPIC), s.get(METRICS_TOPIC), "otlp_json".equals(encoding),
            s.get(GROUP_ID), s.get(TopicKeys.METRICS), s.get(TopicKeys.DEADLETTER), s.get(ROUTES_PER_SERVICE), s.get(STREAMS_MAX));
        s.throwIfInvalid("otlp");
        return c;
    }
}
