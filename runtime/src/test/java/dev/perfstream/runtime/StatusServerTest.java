package dev.perfstream.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StatusServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static StageStatus status(AtomicReference<String> notReady, AtomicReference<String> notAlive) {
        return new StageStatus() {
            @Override
            public String stage() {
                return "stats";
            }

            @Override
            public Optional<String> notAlive() {
                return Optional.ofNullable(notAlive.get());
            }

            @Override
            public Optional<String> notReady() {
                return Optional.ofNullable(notReady.get());
            }
        };
    }

    @Test
    void shouldAnswerProbesFromTheStageAndServeTheRegistryInPrometheusTextFormat() throws Exception {
        AtomicReference<String> notReady = new AtomicReference<>("Kafka Streams is REBALANCING");
        AtomicReference<String> notAlive = new AtomicReference<>();
        PerfstreamMetrics.DEAD_LETTERS.labelValues("stats", "parse").inc();
        try (StatusServer s = StatusServer.start("127.0.0.1", 0, status(notReady, notAlive))) {
            HttpResponse<String> ready = get(s.port(), "/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"reason\":\"Kafka Streams is REBALANCING\"");
            assertThat(get(s.port(), "/healthz").statusCode()).isEqualTo(200);
            notReady.set(null);
            assertThat(get(s.port(), "/readyz").statusCode()).isEqualTo(200);
            notAlive.set("a stream thread failed");
            assertThat(get(s.port(), "/healthz").statusCode()).isEqualTo(503);

            HttpResponse<String> metrics = get(s.port(), "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/plain; version=0.0.4"));
            assertThat(metrics.body()).contains("perfstream_dead_letters_total{reason=\"parse\",stage=\"stats\"}",
                "jvm_memory_used_bytes", "# HELP perfstream_dead_letters_total");
            assertThat(get(s.port(), "/nothing").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void shouldRefuseAPortInUseNamingTheKey() {
        AtomicReference<String> none = new AtomicReference<>();
        try (StatusServer first = StatusServer.start("127.0.0.1", 0, status(none, none))) {
            assertThatThrownBy(() -> StatusServer.start("127.0.0.1", first.port(), status(none, none)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port " + first.port())
                .hasMessageContaining("stats.http.port");
        }
    }
}
