package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka stops under a running collector that has a small (1 MiB) producer buffer.
 *
 * <p>Beacons ({@code /rum}, answered once buffered): every one is answered 202 or 503 with
 * Retry-After, none left hanging (the timeout would catch that); 60 beacons of 200 events are about
 * four times the buffer, so the collector must refuse some; and every event it answered 202 for and
 * Kafka then could not store is counted in {@code perfstream_collector_send_failures}: accepted +
 * refused events add up, nothing is lost unaccounted. Which refusal the producer gives (buffer full,
 * or topic metadata gone once the broker is unreachable) depends on timing; the test prints both.
 *
 * <p>Batches ({@code /v1/metrics}, answered after acks=all): with the broker down a batch is never
 * answered 202, only 503 with Retry-After.
 */
class CollectorBackpressureIT {
    private static final int ITEMS = 200;

    @Test
    @Timeout(150)
    void shouldRefuseWith503AndAccountForEveryBufferedEventWhenKafkaStopsUnderARunningCollector() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(1, "it-bp-rum", "it-bp-metrics");
            try (CollectorApp app = CollectorApp.start(Settings.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                "collector.port", "0", "topic.rum", "it-bp-rum", "topic.metrics", "it-bp-metrics",
                "collector.producer.buffer.bytes", "1048576", "collector.send.timeout", "4s", "collector.api.keys", "it-key",
                "collector.ratelimit.per.second", "100000", "collector.ratelimit.burst", "100000")))) {
                String base = "http://127.0.0.1:" + app.port();
                HttpClient http = HttpClient.newHttpClient();
                StringBuilder metrics = new StringBuilder();
                for (int i = 0; i < ITEMS; i++) {
                    metrics.append(i == 0 ? "" : ",").append("{\"name\":\"LCP\",\"value\":").append(1000 + i).append('}');
                }
                String body = "{\"app\":\"it-bp\",\"page\":\"/p\",\"session\":\"" + "x".repeat(100) + "\",\"metrics\":[" + metrics + "]}";
                HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/rum")).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(body)).build();
                assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(202);
                Poll.until(Duration.ofSeconds(30), "the first beacon's events to be acknowledged",
                    () -> app.metrics().acknowledged() >= ITEMS ? Boolean.TRUE : null);

                kafka.kit().brokers().values().forEach(b -> b.shutdown());
                List<CompletableFuture<HttpResponse<String>>> rs = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    rs.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
                }
                int ok = 0;
                int refused = 0;
                int full = 0;
                long buffered = 0;
                for (CompletableFuture<HttpResponse<String>> f : rs) {
                    HttpResponse<String> r = f.get();
                    JsonNode j = JsonBodies.MAPPER.readTree(r.body());
                    if (r.statusCode() == 202) {
                        ok++;
                        assertThat(j.get("accepted").asInt()).isEqualTo(ITEMS);
                    } else {
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                        assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
                        assertThat(j.get("accepted").asInt() + j.get("refused").asInt()).isEqualTo(ITEMS);
                        refused++;
                        full += r.body().contains("buffer is full") ? 1 : 0;
                    }
                    buffered += j.get("accepted").asLong();
                }
                System.out.printf("after the broker stopped: %d beacons answered 202, %d answered 503 (%d of them 'buffer is full'), "
                    + "%d events buffered%n", ok, refused, full, buffered);
                assertThat(refused).as("the collector must refuse once Kafka cannot take more").isPositive();
                assertThat(app.metrics().rejects("rum", "kafka_buffer_full") + app.metrics().rejects("rum", "kafka_unavailable"))
                    .isEqualTo(refused);
                long expected = buffered;
                Poll.until(Duration.ofSeconds(30), "every buffered event to be counted as a failed send ("
                    + expected + ")", () -> app.metrics().sendFailures("it-bp-rum") == expected ? Boolean.TRUE : null);
                assertThat(app.metrics().acknowledged()).isEqualTo(ITEMS);

                long ts = System.currentTimeMillis();
                HttpResponse<String> batch = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/metrics"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json").header("Authorization", "Bearer it-key")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"events\":[{\"timestamp\":" + ts + ",\"service\":\"it-bp\","
                        + "\"metric\":\"http.server.duration\",\"value\":12}]}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(batch.statusCode()).as(batch.body()).isEqualTo(503);
                assertThat(batch.headers().firstValue("Retry-After")).hasValue("5");
                assertThat(batch.body()).contains("\"accepted\":0");
                Poll.until(Duration.ofSeconds(30), "readiness to turn false", () -> app.ready() ? null : Boolean.TRUE);
            }
        }
    }
}
