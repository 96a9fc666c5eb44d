package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.Ports;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The collector over real HTTP against a real Kafka broker: every bad input of issue 7, and the good path. */
@Timeout(120)
class CollectorIT {
    static final String ORIGIN = "http://shop.example.test";
    static KafkaTestCluster kafka;
    static CollectorApp app;
    static String base;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaTestCluster.start();
        kafka.createTopics(1, "it-col-rum", "it-col-metrics");
        app = CollectorApp.start(settings(Map.of()));
        base = "http://127.0.0.1:" + app.port();
    }

    static Settings settings(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
            "collector.port", "0", "topic.rum", "it-col-rum", "topic.metrics", "it-col-metrics",
            "collector.cors.origins", ORIGIN, "collector.api.keys", "k1,k2", "collector.session.salt", "it",
            "collector.ratelimit.per.second", "100000", "collector.ratelimit.burst", "100000"));
        m.putAll(extra);
        return Settings.of(m);
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

    static HttpResponse<String> post(String path, String contentType, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> beacon(String json, String... headers) throws Exception {
        return post("/rum", "text/plain;charset=UTF-8", json.getBytes(StandardCharsets.UTF_8), headers);
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every record on {@code topic} once there are at least {@code atLeast}. */
    static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int atLeast) {
        return Poll.until(Duration.ofSeconds(30), atLeast + " records on " + topic, () -> {
            List<ConsumerRecord<byte[], byte[]>> r = kafka.clients().records(topic);
            return r.size() >= atLeast ? r : null;
        });
    }

    @Test
    void shouldAcceptASendBeaconBodyAndPutOneRumEventPerMetricOnTheTopic() throws Exception {
        HttpResponse<String> r = beacon("{\"app\":\"it-good\",\"page\":\"/product/987654\",\"session\":\"s-1\",\"device\":\"desktop\","
            + "\"metrics\":[{\"name\":\"LCP\",\"value\":1800},{\"name\":\"CLS\",\"value\":0.02},{\"name\":\"INP\",\"value\":150}]}",
            "Origin", ORIGIN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(r.body()).contains("\"accepted\":3").contains("\"rejected\":[]");
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
        RecordCodec<RumEvent> codec = Codecs.create(RumEvent.getClassSchema(), Settings.of(Map.of()));
        List<ConsumerRecord<byte[], byte[]>> records = Poll.until(Duration.ofSeconds(30), "3 it-good events on it-col-rum",
            () -> {
                List<ConsumerRecord<byte[], byte[]>> mine = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> rec : kafka.clients().records("it-col-rum")) {
                    if (new String(rec.value(), StandardCharsets.UTF_8).contains("it-good")) {
                        mine.add(rec);
                    }
                }
                return mine.size() >= 3 ? mine : null;
            });
        List<RumEvent> events = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> rec : records) {
            events.add(codec.decode(rec.topic(), rec.value()));
            assertThat(new String(rec.value(), StandardCharsets.UTF_8)).doesNotContain("127.0.0.1").doesNotContain("s-1");
        }
        assertThat(events).extracting(RumEvent::getApp).containsOnly("it-good");
        assertThat(events).extracting(RumEvent::getVital).containsExactlyInAnyOrder(Vital.LCP, Vital.CLS, Vital.INP);
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getPage()).isEqualTo("/product/{id}");
            assertThat(e.getSessionHash()).hasSize(32);
            assertThat(e.getTimestamp()).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(60, java.time.temporal.ChronoUnit.SECONDS));
        });
    }

    @Test
    void shouldAnswer400NamingTheProblemForMalformedJsonAndMissingFields() throws Exception {
        HttpResponse<String> r = beacon("{\"app\":\"x\",\"page\":");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("invalid JSON");
        r = beacon("{\"app\":\"x\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("field 'page' is required");
        r = beacon("{\"app\":\"x\",\"page\":\"/\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("field 'metrics'");
    }

    @Test
    void shouldAcceptValidItemsAndListRejectedOnesForUnknownVitalsAndAbsurdValues() throws Exception {
        HttpResponse<String> r = beacon("{\"app\":\"it-mixed\",\"page\":\"/\",\"metrics\":[{\"name\":\"FID\",\"value\":3},"
            + "{\"name\":\"LCP\",\"value\":86400000},{\"name\":\"CLS\",\"value\":1000},{\"name\":\"FCP\",\"value\":-1},{\"name\":\"TTFB\",\"value\":300}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(r.body()).contains("\"accepted\":1").contains("unknown vital \\\"FID\\\"").contains("\"index\":1")
            .contains("field 'value' of LCP").contains("field 'value' of CLS").contains("\"index\":3");
        r = beacon("{\"app\":\"it-mixed\",\"page\":\"/\",\"metrics\":[{\"name\":\"LCP\",\"value\":86400000}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("no item was valid").contains("plausible maximum");
    }

    @Test
    void shouldRefuseWrongContentTypes() throws Exception {
        HttpResponse<String> r = post("/rum", "multipart/form-data; boundary=x", "--x--".getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(r.body()).contains("text/plain");
        r = post("/v1/metrics", "text/plain", "[]".getBytes(StandardCharsets.UTF_8), "X-API-Key", "k1");
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(r.body()).contains("application/json");
    }

    @Test
    void shouldAnswer413ForATenMegabyteBody() throws Exception {
        byte[] big = new byte[10 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) ' ');
        // Several in a row: answering before the client has sent its body, then closing, made the kernel reset
        // the connection, and the client saw the reset instead of the 413 now and then (Exchange.DRAIN_MAX_BYTES).
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> r = post("/rum", "text/plain", big);
            assertThat(r.statusCode()).as("attempt %d", i).isEqualTo(413);
            assertThat(r.body()).contains("over the limit of 65536 bytes");
        }
    }

    @Test
    void shouldRefuseOriginsNotOnTheAllowList() throws Exception {
        HttpResponse<String> r = beacon("{\"app\":\"x\",\"page\":\"/\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}",
            "Origin", "https://evil.example");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("https://evil.example").contains("collector.cors.origins");
    }

    @Test
    void shouldRequireAnApiKeyForBatchesAndAcceptValidItemsOfAMixedBatch() throws Exception {
        long ts = System.currentTimeMillis();
        String batch = "{\"events\":[{\"timestamp\":" + ts + ",\"service\":\"it-batch\",\"metric\":\"http.server.duration\",\"value\":12,"
            + "\"route\":\"/orders/5\"},{\"timestamp\":" + ts + ",\"service\":\"it-batch\",\"metric\":\"http.server.duration\",\"value\":NaN},"
            + "{\"timestamp\":" + (ts + 3L * 86_400_000) + ",\"service\":\"it-batch\",\"metric\":\"db.query.duration\",\"value\":1}]}";
        byte[] body = batch.getBytes(StandardCharsets.UTF_8);
        assertThat(post("/v1/metrics", "application/json", body).statusCode()).isEqualTo(401);
        assertThat(post("/v1/metrics", "application/json", body, "Authorization", "Bearer nope").statusCode()).isEqualTo(401);
        HttpResponse<String> r = post("/v1/metrics", "application/json", body, "Authorization", "Bearer k2");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(r.body()).contains("\"accepted\":1").contains("events[1]").contains("finite").contains("events[2]").contains("future");
        RecordCodec<MetricEvent> codec = Codecs.create(MetricEvent.getClassSchema(), Settings.of(Map.of()));
        MetricEvent e = codec.decode("it-col-metrics", consume("it-col-metrics", 1).get(0).value());
        assertThat(e.getService()).isEqualTo("it-batch");
        assertThat(e.getRoute()).isEqualTo("/orders/{id}");
    }

    @Test
    void shouldServeTheSnippetHealthReadinessAndPrometheusMetrics() throws Exception {
        HttpResponse<String> js = get("/perfstream-rum.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElse("")).startsWith("application/javascript");
        assertThat(js.body()).contains("sendBeacon").contains("visibilitychange");
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        Poll.until(Duration.ofSeconds(20), "readiness", () -> get0("/readyz").statusCode() == 200 ? true : null);
        beacon("{\"app\":\"x\",\"page\":");
        beacon("{\"app\":\"it-metrics\",\"page\":\"/\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}");
        String m = get("/metrics").body();
        assertThat(m).contains("perfstream_collector_rejects_total{endpoint=\"rum\",reason=\"bad_json\"}")
            .contains("perfstream_collector_requests_total{endpoint=\"rum\",status=\"202\"}")
            .contains("perfstream_collector_kafka_send_seconds_bucket")
            .contains("perfstream_collector_events_total{topic=\"it-col-rum\"}");
    }

    @Test
    void shouldAnswer429WithRetryAfterWhenOneClientFloods() throws Exception {
        try (CollectorApp strict = CollectorApp.start(settings(Map.of("collector.ratelimit.per.second", "1",
            "collector.ratelimit.burst", "5")))) {
            String url = "http://127.0.0.1:" + strict.port() + "/rum";
            int ok = 0;
            int limited = 0;
            String retry = null;
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"app\":\"it-flood\",\"page\":\"/\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 429) {
                    limited++;
                    retry = r.headers().firstValue("Retry-After").orElse(null);
                } else if (r.statusCode() == 202) {
                    ok++;
                }
            }
            // 5 of burst plus at most a few refilled at 1/s while the loop runs.
            assertThat(ok).isBetween(5, 10);
            assertThat(limited).isEqualTo(30 - ok);
            assertThat(retry).isEqualTo("1");
            assertThat(strict.metrics().rejects("rum", "rate_limited")).isEqualTo(limited);
        }
    }

    @Test
    void shouldKeepAKeptAliveConnectionUsableAfterRefusingABeaconWhoseBodyCameLate() throws Exception {
        try (CollectorApp strict = CollectorApp.start(settings(Map.of("collector.ratelimit.per.second", "0.01",
                "collector.ratelimit.burst", "1")));
             java.net.Socket s = new java.net.Socket("127.0.0.1", strict.port())) {
            s.setSoTimeout(10_000);
            byte[] body = "{\"app\":\"it-slow\",\"page\":\"/\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}"
                .getBytes(StandardCharsets.UTF_8);
            byte[] head = ("POST /rum HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
            java.io.OutputStream out = s.getOutputStream();
            java.io.InputStream in = s.getInputStream();
            out.write(head);
            out.write(body);
            assertThat(readStatus(in)).isEqualTo(202);
            // A slow client: the body of the second beacon arrives after its headers (a deliberate pause, not a wait
            // for a result). Had the collector refused it (429) before reading the body, Jetty would close the
            // connection after the answer and the third request below would hit a closed socket.
            out.write(head);
            out.flush();
            Thread.sleep(300);
            out.write(body);
            assertThat(readStatus(in)).isEqualTo(429);
            out.write(head);
            out.write(body);
            assertThat(readStatus(in)).isEqualTo(429);
        }
    }

    /** Reads one HTTP/1.1 response with a Content-Length and returns its status. */
    private static int readStatus(java.io.InputStream in) throws java.io.IOException {
        StringBuilder h = new StringBuilder();
        while (!h.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("connection closed by the collector after: " + h);
            }
            h.append((char) c);
        }
        java.util.regex.Matcher len = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(h);
        assertThat(len.find()).as(h.toString()).isTrue();
        in.readNBytes(Integer.parseInt(len.group(1)));
        return Integer.parseInt(h.substring(9, 12));
    }

    @Test
    void shouldAnswer503WithRetryAfterWhenKafkaIsDown() throws Exception {
        // The Kafka preflight waits kafka.preflight.timeout for a broker, then starts anyway (a warning).
        try (CollectorApp dead = CollectorApp.start(settings(Map.of("kafka.bootstrap.servers", "127.0.0.1:" + Ports.free(),
            "collector.send.timeout", "2s", "kafka.preflight.timeout", "1s")))) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dead.port() + "/rum"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(
                    "{\"app\":\"it-down\",\"page\":\"/\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(r.body()).contains("Kafka");
            HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dead.port() + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(503);
        }
    }

    static HttpResponse<String> get0(String path) {
        try {
            return get(path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
