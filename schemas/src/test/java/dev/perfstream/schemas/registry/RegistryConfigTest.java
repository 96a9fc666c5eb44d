package dev.perfstream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryConfigTest {
    @Test
    void shouldUseDefaultsAndStripTheTrailingSlash() {
        RegistryConfig c = RegistryConfig.from(Settings.of(Map.of("schema.registry.url", "http://127.0.0.1:8081/apis/ccompat/v7/")));

        assertThat(c.urls()).containsExactly(URI.create("http://127.0.0.1:8081/apis/ccompat/v7"));
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.retryTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.username()).isNull();
    }

    @Test
    void shouldReportEveryBadKeyAtOnce() {
        Settings s = Settings.of(Map.of("schema.registry.url", "ftp://x",
            "schema.registry.username", "u",
            "schema.registry.request.timeout", "soon",
            "schema.registry.ssl.truststore.location", "/nonexistent/ts.p12"));

        assertThatThrownBy(() -> RegistryConfig.from(s))
            .hasMessageContaining("schema.registry.url: \"ftp://x\" is not an http(s) URL")
            .hasMessageContaining("set both for basic auth")
            .hasMessageContaining("schema.registry.request.timeout")
            .hasMessageContaining("/nonexistent/ts.p12 is not a readable file");
    }

    @Test
    void shouldNeverPrintThePassword() {
        RegistryConfig c = RegistryConfig.from(Settings.of(Map.of("schema.registry.url", "https://r:8081",
            "schema.registry.username", "u", "schema.registry.password", "s3cret")));
        assertThat(c.toString()).doesNotContain("s3cret");
    }

    @Test
    void shouldRefuseAvroOutputWithoutARegistry() {
        assertThatThrownBy(() -> Codecs.create(MetricEvent.getClassSchema(), Settings.of(Map.of("output.format", "avro"))))
            .hasMessageContaining("output.format=avro needs a schema registry: set schema.registry.url");
        assertThatThrownBy(() -> Codecs.create(MetricEvent.getClassSchema(), Settings.of(Map.of("output.format", "xml"))))
            .hasMessageContaining("\"xml\" is not avro or json");
    }

    @Test
    void shouldRejectConfluentAvroInputWithoutARegistry() {
        var codec = Codecs.create(MetricEvent.getClassSchema(), Settings.of(Map.of()));
        assertThatThrownBy(() -> codec.decode("perf.metrics", new byte[] {0, 0, 0, 0, 1, 2}))
            .hasMessageContaining("no schema registry is configured");
    }
}
