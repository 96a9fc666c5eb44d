package dev.perfstream.sink.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.config.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkConfigTest {
    @Test
    void shouldUseTheDocumentedDefaults() {
        SinkConfig c = SinkConfig.from(Settings.of(Map.of()));
        assertThat(c.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(c.groupId()).isEqualTo("perfstream-sink");
        assertThat(c.topics()).containsExactly("perf.stats", "perf.anomalies", "perf.forecasts", "perf.alerts",
            "perf.queries", "perf.cache", "perf.impact", "perf.recommendations", "perf.rum.elements");
        assertThat(c.deadLetterTopic()).isEqualTo("perf.deadletter");
        assertThat(c.influxUrl()).isEqualTo("http://127.0.0.1:8086");
        assertThat(c.api()).isEqualTo(SinkConfig.Api.V1);
        assertThat(c.database()).isEqualTo("perfstream");
        assertThat(c.bucket()).isEqualTo("perfstream");
        assertThat(c.batchSize()).isEqualTo(1000);
        assertThat(c.linger()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.backoffMin()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.backoffMax()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.username()).isNull();
    }

    @Test
    void shouldReportEveryBadKeyAtOnce() {
        Settings s = Settings.of(Map.of("influx.api", "v3", "sink.batch.size", "0", "influx.url", "localhost:8086",
            "influx.username", "bob", "sink.topics", "perf.stats,perf.metrics", "sink.retry.backoff.min", "10s",
            "sink.retry.backoff.max", "1s"));
        assertThatThrownBy(() -> SinkConfig.from(s)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("influx.api").hasMessageContaining("sink.batch.size")
            .hasMessageContaining("influx.url").hasMessageContaining("influx.username/influx.password")
            .hasMessageContaining("perf.metrics").hasMessageContaining("sink.retry.backoff");
    }

    @Test
    void shouldFollowRenamedTopicsAndNeverPrintSecrets() {
        SinkConfig c = SinkConfig.from(Settings.of(Map.of("topic.stats", "s2", "sink.topics", "s2",
            "influx.api", "V2", "influx.token", "secret-token", "influx.password", "pw", "influx.username", "u")));
        assertThat(c.topics()).isEqualTo(List.of("s2"));
        assertThat(c.statsTopic()).isEqualTo("s2");
        assertThat(c.api()).isEqualTo(SinkConfig.Api.V2);
        assertThat(c.toString()).doesNotContain("secret-token").doesNotContain("=pw");
    }

    @Test
    void shouldDoubleTheBackoffUpToTheMaximum() {
        Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(3));
        assertThat(List.of(b.next(), b.next(), b.next(), b.next(), b.next())).containsExactly(500L, 1000L, 2000L, 3000L, 3000L);
        b.reset();
        assertThat(b.next()).isEqualTo(500L);
    }
}
