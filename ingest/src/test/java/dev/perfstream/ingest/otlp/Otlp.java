package dev.perfstream.ingest.otlp;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.Arrays;
import java.util.List;

/** Builders of OTLP messages for tests. */
final class Otlp {
    private Otlp() {
    }

    static KeyValue attr(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    static KeyValue attr(String k, long v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setIntValue(v)).build();
    }

    static Resource resource(KeyValue... attrs) {
        return Resource.newBuilder().addAllAttributes(Arrays.asList(attrs)).build();
    }

    static Resource service(String name) {
        return resource(attr("service.name", name), attr("service.instance.id", "pod-1"));
    }

    static ExportTraceServiceRequest traces(Resource r, Span... spans) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().setResource(r)
            .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))).build();
    }

    static ExportMetricsServiceRequest metrics(Resource r, Metric... metrics) {
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder().setResource(r)
            .addScopeMetrics(ScopeMetrics.newBuilder().addAllMetrics(List.of(metrics)))).build();
    }

    static Span.Builder serverSpan(long startNanos, double durationMs, KeyValue... attrs) {
        return Span.newBuilder().setName("GET /api/orders/{id}").setKind(Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(startNanos).setEndTimeUnixNano(startNanos + Math.round(durationMs * 1e6))
            .addAllAttributes(Arrays.asList(attrs));
    }
}
