package dev.perfstream.ingest.collector;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Random;

/**
 * The OTLP/HTTP protobuf bodies {@code bench collector --otlp} posts: what an OpenTelemetry SDK's batch
 * exporter sends, built with the same generated classes (so the bench measures the receiver, not a
 * hand-written encoding). Spans are SERVER spans over 20 routes with lognormal durations; metric points
 * are delta explicit-bucket histograms of {@code http.server.request.duration} (the SDK's default bounds,
 * in seconds), one per route and status.
 */
final class OtlpBenchBodies {
    private static final List<Double> BOUNDS = List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5,
        5.0, 7.5, 10.0);

    private OtlpBenchBodies() {
    }

    /** A trace export of {@code spans} SERVER spans ending around {@code nowNanos}. */
    static byte[] traces(int spans, long nowNanos, long seed) {
        Random r = new Random(seed);
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        for (int i = 0; i < spans; i++) {
            long dur = (long) (Math.exp(3 + 0.6 * r.nextGaussian()) * 1e6);
            long end = nowNanos - r.nextInt(1_000_000_000);
            byte[] id = new byte[8];
            r.nextBytes(id);
            byte[] trace = new byte[16];
            r.nextBytes(trace);
            scope.addSpans(Span.newBuilder().setTraceId(ByteString.copyFrom(trace)).setSpanId(ByteString.copyFrom(id))
                .setName("GET /api/items/{id}").setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(end - dur).setEndTimeUnixNano(end)
                .addAttributes(attr("http.route", "/api/r" + (i % 20) + "/{id}"))
                .addAttributes(attr("http.request.method", "GET"))
                .addAttributes(KeyValue.newBuilder().setKey("http.response.status_code")
                    .setValue(AnyValue.newBuilder().setIntValue(i % 50 == 0 ? 500 : 200))));
        }
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
            .setResource(resource()).addScopeSpans(scope)).build().toByteArray();
    }

    /** A metrics export of {@code points} delta histogram points of the 10 s ending at {@code nowNanos}. */
    static byte[] metrics(int points, long nowNanos, long seed) {
        Random r = new Random(seed);
        Histogram.Builder h = Histogram.newBuilder()
            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
        for (int i = 0; i < points; i++) {
            HistogramDataPoint.Builder p = HistogramDataPoint.newBuilder()
                .setStartTimeUnixNano(nowNanos - 10_000_000_000L).setTimeUnixNano(nowNanos).addAllExplicitBounds(BOUNDS)
                .addAttributes(attr("http.route", "/api/r" + (i % 20) + "/{id}"))
                .addAttributes(attr("http.request.method", "GET"))
                .addAttributes(KeyValue.newBuilder().setKey("http.response.status_code")
                    .setValue(AnyValue.newBuilder().setIntValue(200 + i / 20)));
            long count = 0;
            double sum = 0;
            for (int b = 0; b <= BOUNDS.size(); b++) {
                long c = b < 3 || b > 9 ? 0 : 1 + r.nextInt(20);
                p.addBucketCounts(c);
                count += c;
                sum += c * (b < BOUNDS.size() ? BOUNDS.get(b) : 10.0) * 0.8;
            }
            h.addDataPoints(p.setCount(count).setSum(sum));
        }
        Metric m = Metric.newBuilder().setName("http.server.request.duration").setUnit("s").setHistogram(h).build();
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
            .setResource(resource()).addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(m))).build().toByteArray();
    }

    private static Resource resource() {
        return Resource.newBuilder().addAttributes(attr("service.name", "bench-otlp"))
            .addAttributes(attr("service.instance.id", "bench-1")).build();
    }

    private static KeyValue attr(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }
}
