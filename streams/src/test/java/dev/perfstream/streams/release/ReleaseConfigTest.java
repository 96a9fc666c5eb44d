package dev.perfstream.streams.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which of the stats stage's window sizes the per-version windows take ({@code release.window}). */
class ReleaseConfigTest {
    private static final long[] SIZES = {10_000, 60_000, 300_000};

    private static long window(String w) {
        return ReleaseConfig.from(Settings.of(Map.of("release.window", w))).windowMillis(SIZES);
    }

    @Test
    void shouldTakeTheSmallestStatsWindowAtLeastAsLongElseTheLargest() {
        assertThat(ReleaseConfig.defaults().windowMillis(SIZES)).isEqualTo(60_000); // 1m by default
        assertThat(window("10s")).isEqualTo(10_000);
        assertThat(window("1s")).isEqualTo(10_000);
        assertThat(window("30s")).isEqualTo(60_000);
        assertThat(window("2m")).isEqualTo(300_000);
        assertThat(window("1h")).isEqualTo(300_000); // longer than every size: the largest
        assertThat(ReleaseConfig.defaults().windowMillis(new long[] {5_000, 30_000})).isEqualTo(30_000);
    }
}
