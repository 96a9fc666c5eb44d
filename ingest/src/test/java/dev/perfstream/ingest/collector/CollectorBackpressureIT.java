package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.testkit.KafkaTestCluster;
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
 * Kafka stops under a running collector that has a small (1 MiB) producer buffer: every beacon is
 * answered 503 with Retry-After (none 202, none left hanging; the test's timeout would catch that),
 * and each is counted as a Kafka reject. Observed: once the broker is gone the producer drops the
 * topic's metadata, so sends fail at once with "not present in metadata" rather than filling the
 * buffer; the buffer-full branch (BufferExhaustedException) is therefore not exercised here.
 */
class CollectorBackpressureIT {
    @Test
    @Timeout(150)
    void shouldAnswer503WithRetryAfterToEveryBeaconWhenKafkaStopsUnderARunningCollector() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(1, "it-bp-rum", "it-bp-metrics");
            try (CollectorApp app = CollectorApp.start(Settings.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                "collector.port", "0", "topic.rum", "it-bp-rum", "topic.metrics", "it-bp-metrics",
                "collector.producer.buffer.bytes", "1048576", "collector.send.timeout", "4s",
                "collector.ratelimit.per.second", "100000", "collector.ratelimit.burst", "100000")))) {
                String url = "http://127.0.0.1:" + app.port() + "/rum";
                HttpClient http = HttpClient.newHttpClient();
                StringBuilder metrics = new StringBuilder();
                for (int i = 0; i < 200; i++) {
                    metrics.append(i == 0 ? "" : ",").append("{\"name\":\"LCP\",\"value\":").append(1000 + i).append('}');
                }
                String body = "{\"app\":\"it-bp\",\"page\":\"/p\",\"session\":\"" + "x".repeat(100) + "\",\"metrics\":[" + metrics + "]}";
                HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(body)).build();
                assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(202);

                kafka.kit().brokers().values().forEach(b -> b.shutdown());
                List<CompletableFuture<HttpResponse<String>>> rs = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    rs.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
                }
                int full = 0;
                java.util.Set<String> bodies = new java.util.TreeSet<>();
                for (CompletableFuture<HttpResponse<String>> f : rs) {
                    HttpResponse<String> r = f.get();
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                    assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
                    full += r.body().contains("buffer is full") ? 1 : 0;
                    bodies.add(r.body().replaceAll("[0-9]+", "N"));
                }
                System.out.println("503 bodies: " + bodies + ", buffer full: " + full);
                assertThat(app.metrics().rejects("rum", "kafka_buffer_full") + app.metrics().rejects("rum", "kafka_unavailable"))
                    .isEqualTo(60);
                dev.perfstream.schemas.testkit.Poll.until(Duration.ofSeconds(30), "readiness to turn false",
                    () -> app.ready() ? null : Boolean.TRUE);
            }
        }
    }
}
