package dev.perfstream.ingest.otlp;

import dev.perfstream.schemas.validate.EventValidator;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.function.BinaryOperator;

/**
 * OTLP export requests as perfstream events: the one place where OpenTelemetry's data model and
 * semantic conventions are mapped (spans: {@link SpanConverter}, metrics: {@link MetricConverter}).
 * Each span or data point is converted, validated with the same {@link EventValidator} as every other
 * event, and its route passed through the cardinality guard on its own; a bad one is rejected with a
 * reason naming where it is in the request and what is wrong, the rest are kept (OTLP's partial success).
 * Thread-safe when the route guard is.
 */
public final class OtlpConverter {
    private final SpanConverter spans;
    private final MetricConverter metrics;

    /**
     * @param routes  the cardinality guard: (service, route template) to the route to use, or the overflow route
     * @param streams the last points of cumulative streams
     */
    public OtlpConverter(EventValidator validator, BinaryOperator<String> routes, CumulativeStreams streams) {
        this.spans = new SpanConverter(validator, routes);
        this.metrics = new MetricConverter(validator, routes, streams);
    }

    public Converted traces(ExportTraceServiceRequest req) {
        return spans.convert(req);
    }

    public Converted metrics(ExportMetricsServiceRequest req) {
        return metrics.convert(req);
    }
}
