package dev.perfstream.ingest.loadgen;

import com.google.protobuf.ByteString;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The load generator's metric events as an instrumented service would send them with OpenTelemetry
 * ({@code loadgen.format=otlp}): request latencies ({@code http.server.duration}) as SERVER spans with the
 * HTTP semantic-convention attributes, everything else (DB and cache durations, CPU, memory) as gauge
 * points (with {@code db.query.summary}, {@code cache.name} and {@code cache.hit}), grouped per resource ({@code service.name}, {@code service.instance.id}, {@code cloud.region},
 * {@code service.version}, {@code deployment.environment.name})
 * into {@code ExportTraceServiceRequest} / {@code ExportMetricsServiceRequest} batches, as the
 * OpenTelemetry Collector's Kafka exporter writes them ({@code otlp_proto}). Values survive the trip:
 * a span lasts exactly the event's milliseconds, a gauge carries the value in the event's unit.
 *
 * <p>Not thread-safe: one generator thread adds and flushes.
 */
final class OtlpBatcher {
    static final String REQUEST_METRIC = "http.server.duration";

    private final int maxBatch;
    private final long maxWaitNanos;
    private final Sink send;
    private final List<MetricEvent> pending = new ArrayList<>();
    private final Random ids = new Random(7);
    private long firstPendingNanos;

    /** Where the batches go. */
    interface Sink {
        /** @param trace true for a trace export, false for a metrics export; {@code events} the events it holds */
        void send(boolean trace, byte[] protobuf, int events);
    }

    OtlpBatcher(int maxBatch, long maxWaitNanos, Sink send) {
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWaitNanos;
        this.send = send;
    }

    void add(MetricEvent e) {
        if (pending.isEmpty()) {
            firstPendingNanos = System.nanoTime();
        }
        pending.add(e);
        if (pending.size() >= maxBatch || System.nanoTime() - firstPendingNanos >= maxWaitNanos) {
            flush();
        }
    }

    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        Map<String, ScopeSpans.Builder> spans = new LinkedHashMap<>();
        Map<String, Map<String, Metric.Builder>> gauges = new LinkedHashMap<>();
        Map<String, Resource> resources = new LinkedHashMap<>();
        int spanCount = 0;
        for (MetricEvent e : pending) {
            String rk = e.getService() + '\u0000' + e.getInstance() + '\u0000' + e.getRegion() + '\u0000' + e.getServiceVersion()
                + '\u0000' + e.getDeploymentEnvironment();
            resources.computeIfAbsent(rk, k -> resource(e));
            if (e.getMetric().equals(REQUEST_METRIC) && "ms".equals(e.getUnit())) {
                spans.computeIfAbsent(rk, k -> ScopeSpans.newBuilder()).addSpans(span(e));
                spanCount++;
            } else {
                gauges.computeIfAbsent(rk, k -> new LinkedHashMap<>())
                    .computeIfAbsent(e.getMetric() + '\u0000' + e.getUnit(), k -> Metric.newBuilder().setName(e.getMetric())
                        .setUnit(ucum(e.getUnit())).setGauge(Gauge.newBuilder()))
                    .getGaugeBuilder().addDataPoints(point(e));
            }
        }
        int pointCount = pending.size() - spanCount;
        pending.clear();
        if (!spans.isEmpty()) {
            ExportTraceServiceRequest.Builder t = ExportTraceServiceRequest.newBuilder();
            spans.forEach((rk, s) -> t.addResourceSpans(ResourceSpans.newBuilder().setResource(resources.get(rk)).addScopeSpans(s)));
            send.send(true, t.build().toByteArray(), spanCount);
        }
        if (!gauges.isEmpty()) {
            ExportMetricsServiceRequest.Builder m = ExportMetricsServiceRequest.newBuilder();
            gauges.forEach((rk, byName) -> {
                ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
                byName.values().forEach(scope::addMetrics);
                m.addResourceMetrics(ResourceMetrics.newBuilder().setResource(resources.get(rk)).addScopeMetrics(scope));
            });
            send.send(false, m.build().toByteArray(), pointCount);
        }
    }

    private Span span(MetricEvent e) {
        long end = e.getTimestamp().toEpochMilli() * 1_000_000L;
        long start = end - Math.round(e.getValue() * 1_000_000.0);
        byte[] trace = new byte[16];
        byte[] id = new byte[8];
        ids.nextBytes(trace);
        ids.nextBytes(id);
        Span.Builder s = Span.newBuilder().setTraceId(ByteString.copyFrom(trace)).setSpanId(ByteString.copyFrom(id))
            .setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(start).setEndTimeUnixNano(end)
            .setName((e.getMethod() == null ? "" : e.getMethod() + " ") + (e.getRoute() == null ? "" : e.getRoute()));
        if (e.getRoute() != null) {
            s.addAttributes(attr("http.route", e.getRoute()));
        }
        if (e.getMethod() != null) {
            s.addAttributes(attr("http.request.method", e.getMethod()));
        }
        if (e.getStatus() != null) {
            s.addAttributes(KeyValue.newBuilder().setKey("http.response.status_code")
                .setValue(AnyValue.newBuilder().setIntValue(e.getStatus())));
        }
        if (e.getOutcome() == Outcome.ERROR) {
            s.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
        }
        return s.build();
    }

    private static NumberDataPoint point(MetricEvent e) {
        NumberDataPoint.Builder p = NumberDataPoint.newBuilder().setTimeUnixNano(e.getTimestamp().toEpochMilli() * 1_000_000L)
            .setAsDouble(e.getValue());
        if (e.getRoute() != null) {
            p.addAttributes(attr("http.route", e.getRoute()));
        }
        if (e.getDbStatement() != null) {
            p.addAttributes(attr("db.query.summary", e.getDbStatement()));
        }
        if (e.getCache() != null) {
            p.addAttributes(attr("cache.name", e.getCache()));
        }
        if (e.getCacheHit() != null) {
            p.addAttributes(KeyValue.newBuilder().setKey("cache.hit").setValue(AnyValue.newBuilder().setBoolValue(e.getCacheHit())));
        }
        if (e.getOutcome() == Outcome.ERROR) {
            p.addAttributes(attr("error.type", "error"));
        }
        return p.build();
    }

    private static Resource resource(MetricEvent e) {
        Resource.Builder r = Resource.newBuilder().addAttributes(attr("service.name", e.getService()));
        if (e.getInstance() != null) {
            r.addAttributes(attr("service.instance.id", e.getInstance()));
        }
        if (e.getRegion() != null) {
            r.addAttributes(attr("cloud.region", e.getRegion()));
        }
        if (e.getServiceVersion() != null) {
            r.addAttributes(attr("service.version", e.getServiceVersion()));
        }
        if (e.getDeploymentEnvironment() != null) {
            r.addAttributes(attr("deployment.environment.name", e.getDeploymentEnvironment()));
        }
        return r.build();
    }

    /** perfstream's units as UCUM, the inverse of what the receiver maps. */
    static String ucum(String unit) {
        return switch (unit) {
            case "ms" -> "ms";
            case "s" -> "s";
            case "us" -> "us";
            case "percent" -> "%";
            case "bytes" -> "By";
            case "ratio" -> "1";
            default -> "{" + unit + "}";
        };
    }

    private static KeyValue attr(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }
}
