package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.KafkaTestCluster;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleGauge;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The collector's OTLP/HTTP receiver over real HTTP against a real Kafka broker, with the real
 * OpenTelemetry Java SDK and its OTLP/HTTP exporters (protobuf and JSON, gzip) as the client, and the
 * bad inputs of issue 15 sent by hand.
 */
@Timeout(180)
class OtlpCollectorIT {
    static final String TOPIC = "it-otlp-metrics";
    static KafkaTestCluster kafka;
    static CollectorApp app;
    static String base;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final RecordCodec<MetricEvent> CODEC = Codecs.create(MetricEvent.getClassSchema(), Settings.of(Map.of()));

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaTestCluster.start();
        kafka.createTopics(3, "it-otlp-rum", TOPIC);
        Map<String, String> m = new HashMap<>(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
            "collector.port", "0", "topic.rum", "it-otlp-rum", "topic.metrics", TOPIC,
            "collector.api.keys", "k1", "collector.ratelimit.per.second", "100000", "collector.ratelimit.burst", "100000",
            "collector.otlp.body.max.bytes", "1048576", "collector.routes.per.app", "50"));
        app = CollectorApp.start(Settings.of(m));
        base = "http://127.0.0.1:" + app.port();
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldTakeServerSpansOfTheSdkOverProtobufWithGzipAsExactDurations() throws Exception {
        checkSdkSpans("it-otel-proto", false);
    }

    @Test
    void shouldTakeServerSpansOfTheSdkOverOtlpJson() throws Exception {
        checkSdkSpans("it-otel-json", true);
    }

    /** 1,200 SERVER spans (more than two of the SDK's 512-span batches), 300 CLIENT spans, known durations. */
    private void checkSdkSpans(String service, boolean json) throws Exception {
        OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces")
            .addHeader("Authorization", "Bearer k1").setCompression("gzip");
        if (json) {
            exportAsJson(b);
        }
        SdkTracerProvider tp = SdkTracerProvider.builder().setResource(resource(service))
            .addSpanProcessor(BatchSpanProcessor.builder(b.build()).build()).build();
        List<Double> expected = new ArrayList<>();
        int errors = 0;
        try {
            Tracer t = tp.get("it");
            long t0 = TimeUnit.MILLISECONDS.toNanos(Instant.now().minusSeconds(30).toEpochMilli());
            for (int i = 0; i < 1500; i++) {
                boolean server = i % 5 != 4;
                long dur = 250_000L * (1 + i % 400); // 0.25 ms .. 100 ms
                Span s = t.spanBuilder("GET /api/orders/{id}").setSpanKind(server ? SpanKind.SERVER : SpanKind.CLIENT)
                    .setStartTimestamp(t0 + i * 1_000_000L, TimeUnit.NANOSECONDS)
                    .setAttribute("http.route", "/api/orders/{id}").setAttribute("http.request.method", "GET")
                    .setAttribute("http.response.status_code", i % 50 == 0 ? 503L : 200L).startSpan();
                if (i % 50 == 0) {
                    s.setStatus(StatusCode.ERROR);
                }
                s.end(t0 + i * 1_000_000L + dur, TimeUnit.NANOSECONDS);
                if (server) {
                    expected.add(dur / 1e6);
                    errors += i % 50 == 0 ? 1 : 0;
                }
            }
            CompletableResultCode r = tp.forceFlush().join(60, TimeUnit.SECONDS);
            assertThat(r.isSuccess()).as("every export answered 200").isTrue();
        } finally {
            tp.shutdown().join(10, TimeUnit.SECONDS);
        }
        List<MetricEvent> got = readAll(service);
        assertThat(got).hasSize(expected.size());
        assertThat(got).extracting(MetricEvent::getValue).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(got).allSatisfy(e -> {
            assertThat(e.getMetric()).isEqualTo("http.server.request.duration");
            assertThat(e.getUnit()).isEqualTo("ms");
            assertThat(e.getRoute()).isEqualTo("/api/orders/{id}");
            assertThat(e.getInstance()).isEqualTo("pod-7");
        });
        assertThat(got.stream().filter(e -> e.getOutcome() == Outcome.ERROR).count()).isEqualTo(errors);
    }

    @Test
    void shouldTakeCumulativeCountersAsDeltasAndGaugesFromTheSdk() throws Exception {
        String service = "it-otel-metrics";
        OtlpHttpMetricExporter exp = OtlpHttpMetricExporter.builder().setEndpoint(base + "/v1/metrics")
            .addHeader("Authorization", "Bearer k1").build();
        SdkMeterProvider mp = SdkMeterProvider.builder().setResource(resource(service))
            .registerMetricReader(PeriodicMetricReader.builder(exp).setInterval(Duration.ofHours(1)).build()).build();
        try {
            LongCounter orders = mp.get("it").counterBuilder("orders.placed").setUnit("{order}").build();
            DoubleGauge cpu = mp.get("it").gaugeBuilder("process.cpu.utilization").setUnit("1").build();
            Attributes route = Attributes.of(AttributeKey.stringKey("http.route"), "/api/orders");
            orders.add(5, route);
            cpu.set(0.42);
            assertThat(mp.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
            orders.add(7, route);
            assertThat(mp.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        } finally {
            mp.shutdown().join(10, TimeUnit.SECONDS);
        }
        List<MetricEvent> got = readAll(service);
        assertThat(got.stream().filter(e -> e.getMetric().equals("orders.placed")).map(MetricEvent::getValue))
            .as("the first cumulative point whole (its start is after the collector's), then the increase, then the "
                + "unchanged total that the SDK exports once more at shutdown: no increase")
            .containsExactly(5.0, 7.0, 0.0);
        assertThat(got.stream().filter(e -> e.getMetric().equals("orders.placed"))).allSatisfy(e -> {
            assertThat(e.getUnit()).isEqualTo("count");
            assertThat(e.getRoute()).isEqualTo("/api/orders");
        });
        assertThat(got.stream().filter(e -> e.getMetric().equals("process.cpu.utilization")).map(MetricEvent::getValue).toList())
            .isNotEmpty().containsOnly(0.42);
    }

    @Test
    void shouldAnswerPartialSuccessNamingEachRejectedSpan() throws Exception {
        ExportTraceServiceRequest req = ExportTraceServiceRequest.newBuilder()
            .addResourceSpans(spans(Resource.newBuilder().addAttributes(attr("service.name", "it-partial")).build(),
                span(5, 0), span(5, 1), span(-1, 0)))
            .addResourceSpans(spans(Resource.getDefaultInstance(), span(3, 0)))
            .build();
        HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", req.toByteArray(), false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/x-protobuf");
        ExportTraceServiceResponse resp = ExportTraceServiceResponse.parseFrom(r.body());
        assertThat(resp.getPartialSuccess().getRejectedSpans()).isEqualTo(2);
        assertThat(resp.getPartialSuccess().getErrorMessage()).contains("resourceSpans[0].scopeSpans[0].spans[2]")
            .contains("resourceSpans[1]: the resource has no service.name");
        assertThat(readAll("it-partial")).hasSize(2);
    }

    @Test
    void shouldRefuseTruncatedProtobufAndJsonThatIsNotOtlpWith400AndAStatus() throws Exception {
        byte[] good = ExportTraceServiceRequest.newBuilder().addResourceSpans(spans(Resource.newBuilder()
            .addAttributes(attr("service.name", "it-trunc")).build(), span(5, 0))).build().toByteArray();
        HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf", java.util.Arrays.copyOf(good, good.length - 5), false);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(text(r)).contains("not a valid OTLP protobuf message");
        r = post("/v1/traces", "application/json", "{\"spans\":[1,2,3]}".getBytes(StandardCharsets.UTF_8), false);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(text(r)).contains("\"code\":3").contains("not an OTLP ExportTraceServiceRequest");
        assertThat(readAll("it-trunc")).isEmpty();
    }

    @Test
    void shouldRejectBadHistogramsAndUnknownMetricTypesInPartialSuccessAndTakeTheGoodOnes() throws Exception {
        long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
        Metric bad = Metric.newBuilder().setName("http.server.request.duration").setUnit("s").setHistogram(Histogram.newBuilder()
            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)
            .addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(now).setCount(10).addExplicitBounds(0.1)
                .addBucketCounts(3).addBucketCounts(4))
            .addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(now).setCount(7).addExplicitBounds(Double.NaN)
                .addBucketCounts(3).addBucketCounts(4))
            .addDataPoints(HistogramDataPoint.newBuilder().setTimeUnixNano(now).setCount(7).addExplicitBounds(0.1)
                .addBucketCounts(3).addBucketCounts(4))).build();
        Metric unknown = Metric.newBuilder().setName("mystery").build();
        Metric ok = Metric.newBuilder().setName("memory.used").setUnit("By").setGauge(Gauge.newBuilder()
            .addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(now).setAsInt(1 << 20))).build();
        ExportMetricsServiceRequest req = metrics("it-hist", bad, unknown, ok);
        HttpResponse<byte[]> r = post("/v1/metrics", "application/x-protobuf", req.toByteArray(), false);
        assertThat(r.statusCode()).isEqualTo(200);
        ExportMetricsServiceResponse resp = ExportMetricsServiceResponse.parseFrom(r.body());
        assertThat(resp.getPartialSuccess().getRejectedDataPoints()).isEqualTo(3);
        assertThat(resp.getPartialSuccess().getErrorMessage()).contains("count 10 is not the sum of bucket_counts (7)")
            .contains("explicit_bounds[0] is NaN").contains("unknown metric type");
        List<MetricEvent> got = readAll("it-hist");
        assertThat(got).extracting(MetricEvent::getMetric).containsExactlyInAnyOrder("http.server.request.duration", "memory.used");
        MetricEvent h = got.stream().filter(e -> e.getHistogram() != null).findFirst().orElseThrow();
        assertThat(h.getHistogram().getCounts()).containsExactly(3L, 4L);
        assertThat(h.getHistogram().getValues()).containsExactly(0.0, 100.0);
    }

    @Test
    void shouldTakeOtlpJsonAndPerfstreamBatchesOnTheSameEndpoint() throws Exception {
        long nowMs = System.currentTimeMillis();
        String otlp = "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"it-both\"}}]},"
            + "\"scopeMetrics\":[{\"metrics\":[{\"name\":\"users.concurrent\",\"unit\":\"{user}\",\"gauge\":{\"dataPoints\":[{\"timeUnixNano\":\""
            + nowMs * 1_000_000 + "\",\"asInt\":\"17\"}]}}]}]}]}";
        HttpResponse<byte[]> r = post("/v1/metrics", "application/json", otlp.getBytes(StandardCharsets.UTF_8), false);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(text(r)).isEqualTo("{}");
        String batch = "[{\"timestamp\":" + nowMs + ",\"service\":\"it-both\",\"metric\":\"cpu.utilization\",\"value\":55,\"unit\":\"percent\"}]";
        r = post("/v1/metrics", "application/json", batch.getBytes(StandardCharsets.UTF_8), false);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(202);
        assertThat(readAll("it-both")).extracting(MetricEvent::getMetric, MetricEvent::getValue).containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("users.concurrent", 17.0), org.assertj.core.groups.Tuple.tuple("cpu.utilization", 55.0));
    }

    @Test
    void shouldAnswer413ForAMillionPointBatchAndAGzipBomb() throws Exception {
        long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
        Gauge.Builder g = Gauge.newBuilder();
        NumberDataPoint p = NumberDataPoint.newBuilder().setTimeUnixNano(now).setAsDouble(1).build();
        for (int i = 0; i < 1_000_000; i++) {
            g.addDataPoints(p);
        }
        byte[] million = metrics("it-big", Metric.newBuilder().setName("m").setGauge(g).build()).toByteArray();
        assertThat(million.length).isGreaterThan(1 << 20);
        HttpResponse<byte[]> r = post("/v1/metrics", "application/x-protobuf", million, false);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(text(r)).contains("collector.otlp.body.max.bytes");
        byte[] bomb = gzip(million);
        assertThat(bomb.length).isLessThan(1 << 20);
        r = post("/v1/metrics", "application/x-protobuf", bomb, true);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(text(r)).contains("inflates to more than 1048576 bytes");
        assertThat(readAll("it-big")).isEmpty();
    }

    @Test
    void shouldSendTenThousandRoutesBeyondTheCapToTheOverflowRoute() throws Exception {
        ResourceSpans.Builder rs = spans(Resource.newBuilder().addAttributes(attr("service.name", "it-card")).build());
        for (int i = 0; i < 10_000; i++) {
            rs.getScopeSpansBuilder(0).addSpans(span(1, 0).toBuilder().clearAttributes()
                .addAttributes(attr("http.route", "/item/" + Integer.toString(i, 36) + "x")));
        }
        HttpResponse<byte[]> r = post("/v1/traces", "application/x-protobuf",
            gzip(ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build().toByteArray()), true);
        assertThat(r.statusCode()).isEqualTo(200);
        List<MetricEvent> got = readAll("it-card");
        assertThat(got).hasSize(10_000);
        Map<String, Long> byRoute = got.stream().collect(Collectors.groupingBy(MetricEvent::getRoute, Collectors.counting()));
        assertThat(byRoute).hasSize(51).containsEntry("__overflow__", 10_000L - 50);
    }

    @Test
    void shouldRefuseMissingKeysAndWrongContentTypesInOtlpForm() throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/traces")).header("Content-Type", "application/x-protobuf")
            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[0]));
        HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(text(r)).contains("missing or unknown API key");
        r = post("/v1/traces", "text/plain", "x".getBytes(StandardCharsets.UTF_8), false);
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(text(r)).contains("application/x-protobuf");
    }

    // --- helpers ---

    /** The SDK's OTLP/HTTP JSON encoding is internal (HttpExporterBuilder.exportAsJson); reached by reflection. */
    static void exportAsJson(OtlpHttpSpanExporterBuilder b) throws Exception {
        Field f = OtlpHttpSpanExporterBuilder.class.getDeclaredField("delegate");
        f.setAccessible(true);
        Object delegate = f.get(b);
        Method m = delegate.getClass().getMethod("exportAsJson");
        m.invoke(delegate);
    }

    static io.opentelemetry.sdk.resources.Resource resource(String service) {
        return io.opentelemetry.sdk.resources.Resource.getDefault().merge(io.opentelemetry.sdk.resources.Resource.create(
            Attributes.of(AttributeKey.stringKey("service.name"), service, AttributeKey.stringKey("service.instance.id"), "pod-7")));
    }

    static KeyValue attr(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(AnyValue.newBuilder().setStringValue(v)).build();
    }

    static ResourceSpans.Builder spans(Resource r, io.opentelemetry.proto.trace.v1.Span... spans) {
        return ResourceSpans.newBuilder().setResource(r).addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)));
    }

    /** A SERVER span ending now that lasted {@code ms} (negative: ends before it starts). */
    static io.opentelemetry.proto.trace.v1.Span span(double ms, int n) {
        long end = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()) - n;
        return io.opentelemetry.proto.trace.v1.Span.newBuilder().setName("GET /x").setKind(
                io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(end - Math.round(ms * 1e6)).setEndTimeUnixNano(end).addAttributes(attr("http.route", "/x")).build();
    }

    static ExportMetricsServiceRequest metrics(String service, Metric... ms) {
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(attr("service.name", service)))
            .addScopeMetrics(ScopeMetrics.newBuilder().addAllMetrics(List.of(ms)))).build();
    }

    static HttpResponse<byte[]> post(String path, String contentType, byte[] body, boolean gzip) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
            .header("Content-Type", contentType).header("Authorization", "Bearer k1")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (gzip) {
            b.header("Content-Encoding", "gzip");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(b);
        }
        return bos.toByteArray();
    }

    /** Every event of {@code service} on the topic, read to the end offsets (all acknowledged before the answer). */
    static List<MetricEvent> readAll(String service) throws Exception {
        return kafka.clients().drain(TOPIC, CODEC::decode).stream().filter(e -> e.getService().equals(service)).toList();
    }
}
