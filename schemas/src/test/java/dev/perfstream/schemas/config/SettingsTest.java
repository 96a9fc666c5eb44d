package dev.perfstream.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    @Test
    void shouldLayerFileEnvAndOverrides(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.properties");
        Files.writeString(f, "kafka.bootstrap.servers=file:9092\nstats.grace=30s\nsink.batch.size=10\n");
        ConfigCatalog catalog = ConfigCatalog.of(List.of(new ConfigGroup("t", "test", 1, List.of(
            ConfigKey.string("kafka.bootstrap.servers", "x"), ConfigKey.duration("stats.grace", Duration.ZERO),
            ConfigKey.integer("sink.batch.size", 1, 1, 100)))), Map.of());
        Settings s = Settings.load(catalog, f, Map.of("PERFSTREAM_STATS_GRACE", "1m", "HOME", "/root"),
            Map.of("sink.batch.size", "20"));
        assertThat(s.string("kafka.bootstrap.servers", "x")).isEqualTo("file:9092");
        assertThat(s.duration("stats.grace", Duration.ZERO)).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.integer("sink.batch.size", 1, 1, 100)).isEqualTo(20);
        assertThat(s.problems()).isEmpty();
    }

    @Test
    void shouldWarnOfAnUnknownVariableButNotOfTheLaunchersOwn() throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Settings.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen = new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        log.addAppender(seen);
        try {
            ConfigCatalog catalog = ConfigCatalog.of(List.of(new ConfigGroup("t", "test", 1, List.of(
                ConfigKey.duration("stats.grace", Duration.ZERO)))), Map.of());
            Settings.load(catalog, null, Map.of("PERFSTREAM_HOME", "/opt/perfstream", "PERFSTREAM_T0", "1", "PERFSTREAM_JAVA_OPTS",
                "-Xmx1g", "PERFSTREAM_STATS_GRACEE", "1m"), Map.of());
        } finally {
            log.detachAppender(seen);
        }
        assertThat(seen.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
            .singleElement().asString().contains("PERFSTREAM_STATS_GRACEE sets no perfstream key");
    }

    @Test
    void shouldReportEveryProblemAtOnceNamingTheKey() {
        Settings s = Settings.of(Map.of("a", "x", "b", "500", "c", "10 parsecs", "d", "maybe"));
        s.integer("a", 1, 0, 10);
        s.integer("b", 1, 0, 10);
        s.duration("c", Duration.ZERO);
        s.bool("d", false);
        assertThat(s.problems()).hasSize(4);
        assertThatThrownBy(() -> s.throwIfInvalid("test"))
            .hasMessageContaining("a: \"x\" is not a number")
            .hasMessageContaining("b: 500 is out of range [0, 10]")
            .hasMessageContaining("c: \"10 parsecs\" has unknown unit")
            .hasMessageContaining("d: \"maybe\" is not a boolean");
    }

    @Test
    void shouldParseDurationLists() {
        Settings s = Settings.of(Map.of("w", "10s, 1m,5m"));
        assertThat(s.durations("w", List.of())).containsExactly(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5));
    }
}
