package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.config.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsConfigTest {
    @Test
    void shouldDefaultToTenSecondsOneAndFiveMinutesWithAnHourlyRollup() {
        StatsConfig c = StatsConfig.from(Settings.of(Map.of()));
        assertThat(c.windows()).containsExactly(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5));
        assertThat(c.sizesMillis()).containsExactly(10_000L, 60_000L, 300_000L, 3_600_000L);
        assertThat(c.grace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.applicationId()).isEqualTo("perfstream-stats");
        assertThat(c.statsTopic()).isEqualTo("perf.stats");
        assertThat(StatsApp.properties(c)).containsEntry("producer.compression.type", "lz4");
    }

    @Test
    void shouldSettleAnInputReadToItsEndForTwoFetchRoundsOfItsConsumerAndASecond() {
        StatsConfig c = StatsConfig.from(Settings.of(Map.of()));
        assertThat(StatsApp.settleMillis(StatsApp.properties(c))).as("fetch.max.wait.ms 500 by default").isEqualTo(2_000);
        assertThat(StatsApp.settleMillis(StatsApp.properties(c, Settings.of(Map.of(
            "kafka.client.fetch.max.wait.ms", "100"))))).isEqualTo(1_200);
        assertThat(StatsApp.settleMillis(StatsApp.properties(c, Settings.of(Map.of(
            "kafka.consumer.fetch.max.wait.ms", "1000"))))).isEqualTo(3_000);
    }

    @Test
    void shouldReportEveryProblemAtOnceNamingTheKeys() {
        Settings s = Settings.of(Map.of("stats.windows", "10s,25s", "stats.rollup", "7m", "stats.store", "disk",
            "stats.route.cap", "0", "stats.compression", "brotli"));
        assertThatThrownBy(() -> StatsConfig.from(s))
            .hasMessageContaining("stats.windows")
            .hasMessageContaining("stats.rollup")
            .hasMessageContaining("stats.store")
            .hasMessageContaining("stats.route.cap")
            .hasMessageContaining("stats.compression: brotli is not one of none, gzip, snappy, lz4, zstd");
    }

    @Test
    void shouldDisableTheRollupWithOff() {
        StatsConfig c = StatsConfig.from(Settings.of(Map.of("stats.rollup", "off", "stats.windows", "10s,1m")));
        assertThat(c.hasRollup()).isFalse();
        assertThat(c.sizesMillis()).containsExactly(10_000L, 60_000L);
    }
}
