package dev.perfstream.ingest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.config.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadgenConfigTest {
    static final Instant NOW = Instant.parse("2026-11-26T19:00:00Z");

    @Test
    void shouldEndTheSimulatedWindowWhenTheRunEndsSoNoEventIsInTheFuture() {
        LoadgenConfig c = LoadgenConfig.from(Settings.of(Map.of("loadgen.duration", "10m", "loadgen.speedup", "60")));
        Instant[] w = c.window(NOW);
        assertThat(Duration.between(w[0], w[1])).isEqualTo(Duration.ofHours(10));
        assertThat(w[1]).isEqualTo(NOW.plus(Duration.ofMinutes(10)));
        // Simulated time at wall time NOW + x is w[0] + 60x; never after NOW + x.
        for (long x = 0; x <= 600; x += 30) {
            assertThat(w[0].plusSeconds(60 * x)).isBeforeOrEqualTo(NOW.plusSeconds(x));
        }
        assertThat(c.simulatedRate()).isEqualTo(200 / 60.0);
    }

    @Test
    void shouldRejectAWindowReachingPastWhatTheStatsStageAccepts() {
        assertThatThrownBy(() -> LoadgenConfig.from(Settings.of(Map.of("loadgen.duration", "1h", "loadgen.speedup", "1000",
            "loadgen.rate", "-3"))))
            .hasMessageContaining("loadgen.duration x loadgen.speedup").hasMessageContaining("loadgen.rate");
    }

    @Test
    void shouldSimulateTheSpanEndingNowWhenUnpaced() {
        LoadgenConfig c = LoadgenConfig.from(Settings.of(Map.of("loadgen.duration", "2h", "loadgen.speedup", "0")));
        assertThat(c.window(NOW)).containsExactly(NOW.minus(Duration.ofHours(2)), NOW);
        assertThat(c.simulatedRate()).isEqualTo(200);
    }
}
