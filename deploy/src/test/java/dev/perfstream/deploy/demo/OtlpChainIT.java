package dev.perfstream.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.ingest.collector.CollectorApp;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.testkit.InfluxTestServer;
import dev.perfstream.schemas.testkit.KafkaTestCluster;
import dev.perfstream.schemas.testkit.Poll;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.streams.window.StatsApp;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenTelemetry in, end to end on real components: the OpenTelemetry Java SDK records SERVER spans with
 * known latencies and exports them with its OTLP/HTTP exporter (one service over protobuf with gzip, one
 * over JSON) to the collector; the events go through a real Kafka broker, the stats stage and the sink into
 * a real influxd, where the one-minute window of each service has the exact count and error count, and
 * percentiles within the sketch's 1 % relative accuracy of the exact quantiles (spans are raw durations,
 * so the sketch is the only error).
 */
@Timeout(300)
class OtlpChainIT {
    private static final long MIN = 60_000;
    private static final String ROUTE = "/api/orders/{id}";
    private static final double[] QS = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
    private static final String[] FIELDS = {"p50", "p75", "p90", "p95", "p99", "p999"};

    @TempDir
    Path tmp;

    @Test
    void shouldLandSdkSpansAsExactCountsAndPercentilesWithinOnePercentInInfluxDb() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start()) {
            kafka.createTopics(1, "oc-metrics", "oc-rum", "oc-stats", "oc-dlq");
            Map<String, String> m = new HashMap<>();
            m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            m.put("topic.metrics", "oc-metrics");
            m.put("topic.rum", "oc-rum");
            m.put("topic.stats", "oc-stats");
            m.put("topic.deadletter", "oc-dlq");
            m.put("stats.windows", "1m");
            m.put("stats.rollup", "off");
            m.put("stats.grace", "5s");
            m.put("stats.commit.interval", "200ms");
            m.put("state.dir", tmp.resolve("state").toString());
            m.put("influx.url", influx.url());
            m.put("influx.database", "otlpchain");
            m.put("sink.topics", "oc-stats");
            m.put("sink.linger", "200ms");
            m.put("collector.port", "0");
            m.put("collector.api.keys", "chain-key");
            m.put("collector.session.salt", "chain");
            Settings settings = Settings.of(m);

            long t0 = (System.currentTimeMillis() / MIN) * MIN - 5 * MIN;
            try (StatsApp stats = StatsApp.start(settings); SinkApp sink = SinkApp.start(settings);
                 CollectorApp collector = CollectorApp.start(settings)) {
                String endpoint = "http://127.0.0.1:" + collector.port() + "/v1/traces";
                Sent proto = record(endpoint, "chain-otel-proto", false, t0, 11);
                Sent json = record(endpoint, "chain-otel-json", true, t0, 12);
                // One span two minutes later moves stream time past the minute's end plus grace (after both
                // services' spans: an earlier one would make the second service's spans late).
                record(endpoint, "chain-otel-closer", false, t0 + 2 * MIN + 10_000, 0, 1);
                for (Sent s : new Sent[] {proto, json}) {
                    Map<String, JsonNode> row = Poll.until(Duration.ofSeconds(150), "the 1-minute window of " + s.service
                        + " in InfluxDB", () -> oneMinuteRow(influx, s.service, t0));
                    System.out.println("otlp chain: " + s.service + " InfluxDB " + row);
                    assertThat(row.get("count").asLong()).as(s.service + " count").isEqualTo(s.values.length);
                    assertThat(row.get("errors").asLong()).as(s.service + " errors").isEqualTo(s.errors);
                    assertThat(row.get("unit").asText()).isEqualTo("ms");
                    for (int i = 0; i < QS.length; i++) {
                        double exact = exact(s.values, QS[i]);
                        assertThat(row.get(FIELDS[i]).asDouble()).as(s.service + " " + FIELDS[i])
                            .isCloseTo(exact, within(exact * 0.01));
                    }
                }
            }
        }
    }

    /** What one service sent: the durations in ms of its spans in the minute from t0, and how many were errors. */
    record Sent(String service, double[] values, int errors) {
    }

    /**
     * {@code n} SERVER spans of one service with lognormal durations, 25 ms apart from {@code t0}, plus a CLIENT
     * span for every tenth (not counted); exported by the SDK's BatchSpanProcessor and OTLP/HTTP exporter.
     */
    private static Sent record(String endpoint, String service, boolean json, long t0, long seed) throws Exception {
        return record(endpoint, service, json, t0, seed, 2000);
    }

    private static Sent record(String endpoint, String service, boolean json, long t0, long seed, int n) throws Exception {
        OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder().setEndpoint(endpoint)
            .addHeader("Authorization", "Bearer chain-key");
        if (json) {
            exportAsJson(b);
        } else {
            b.setCompression("gzip");
        }
        SdkTracerProvider tp = SdkTracerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service))))
            .addSpanProcessor(BatchSpanProcessor.builder(b.build()).build()).build();
        double[] values = new double[n];
        int errors = 0;
        Random r = new Random(seed);
        try {
            Tracer t = tp.get("otlp-chain");
            for (int i = 0; i < n; i++) {
                long durNanos = Math.round(Math.exp(3.5 + 0.8 * r.nextGaussian()) * 1e6);
                long start = TimeUnit.MILLISECONDS.toNanos(t0 + i * 25L);
                boolean error = i % 100 == 7;
                span(t, SpanKind.SERVER, start, durNanos, error);
                if (i % 10 == 0) {
                    span(t, SpanKind.CLIENT, start, durNanos / 2, false);
                }
                values[i] = durNanos / 1e6;
                errors += error ? 1 : 0;
            }
            assertThat(tp.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()).as("every export of " + service + " answered 200").isTrue();
        } finally {
            tp.shutdown().join(10, TimeUnit.SECONDS);
        }
        return new Sent(service, values, errors);
    }

    private static void span(Tracer t, SpanKind kind, long startNanos, long durNanos, boolean error) {
        Span s = t.spanBuilder("GET " + ROUTE).setSpanKind(kind).setStartTimestamp(startNanos, TimeUnit.NANOSECONDS)
            .setAttribute("http.route", ROUTE).setAttribute("http.request.method", "GET")
            .setAttribute("http.response.status_code", error ? 500L : 200L).startSpan();
        if (error) {
            s.setStatus(StatusCode.ERROR);
        }
        s.end(startNanos + durNanos, TimeUnit.NANOSECONDS);
    }

    /** The SDK's OTLP/HTTP JSON encoding is internal (HttpExporterBuilder.exportAsJson); reached by reflection. */
    private static void exportAsJson(OtlpHttpSpanExporterBuilder b) throws Exception {
        Field f = OtlpHttpSpanExporterBuilder.class.getDeclaredField("delegate");
        f.setAccessible(true);
        Object delegate = f.get(b);
        delegate.getClass().getMethod("exportAsJson").invoke(delegate);
    }

    /** The service's 1-minute window of the route starting at t0 as column -> value, or null while it is not in InfluxDB. */
    private static Map<String, JsonNode> oneMinuteRow(InfluxTestServer influx, String service, long t0) {
        String q = "SELECT \"count\", \"errors\", \"unit\", p50, p75, p90, p95, p99, p999 FROM metric_stats WHERE service = '"
            + service + "' AND route = '" + ROUTE + "' AND metric = 'http.server.request.duration' AND \"window\" = '1m' AND time = "
            + t0 + "ms";
        JsonNode series;
        try {
            series = new ObjectMapper().readTree(influx.query("otlpchain", q)).path("results").path(0).path("series");
        } catch (java.io.IOException | RuntimeException e) {
            return null; // the sink has not created the database yet
        }
        if (!series.isArray() || series.isEmpty()) {
            return null;
        }
        JsonNode cols = series.get(0).path("columns");
        JsonNode values = series.get(0).path("values").get(0);
        Map<String, JsonNode> row = new HashMap<>();
        for (int i = 0; i < cols.size(); i++) {
            row.put(cols.get(i).asText(), values.get(i));
        }
        return row;
    }

    private static double exact(double[] values, double q) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[(int) Math.floor(q * (s.length - 1))];
    }
}
