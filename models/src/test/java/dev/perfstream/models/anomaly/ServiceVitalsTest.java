package dev.perfstream.models.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The instances a service's windows counted: the most of any window, unknown once one window saw too many to count. */
class ServiceVitalsTest {
    private static final ServiceVitals.Metrics M = ServiceVitals.Metrics.defaults();

    private static WindowStats window(String metric, String route, Integer instances, Boolean overflow) {
        double nan = Double.NaN;
        return new WindowStats(SeriesKind.METRIC, metric, "shop", route, null, Instant.EPOCH, Instant.ofEpochSecond(60),
            100L, 1L, 0.01, 1.6, 1.0, 90.0, 20.0, 18.0, nan, nan, 40.0, nan, nan, null, null, null, "ms", 0L, null, null,
            null, instances, overflow);
    }

    @Test
    void shouldTakeTheMostInstancesAnyWindowCounted() {
        ServiceVitals v = new ServiceVitals();
        v.add(M, window(M.request(), "/a", 12, null));
        v.add(M, window(M.cpu(), "", 40, null));
        v.add(M, window(M.request(), "/b", null, null));
        assertThat(v.instances()).isEqualTo(40);
        assertThat(v.instancesOverflowed()).isFalse();
        ServiceVitals back = ServiceVitals.decode(v.encode());
        assertThat(back.instances()).isEqualTo(40);
        assertThat(back.instancesOverflowed()).isFalse();
    }

    @Test
    void shouldReportNoCountWhenOneWindowSawMoreThanItCounts() {
        ServiceVitals v = new ServiceVitals();
        v.add(M, window(M.request(), "/a", 300, null)); // a route served by part of the fleet
        v.add(M, window(M.cpu(), "", null, true)); // every instance reports its CPU: more than a window counts
        assertThat(v.instances()).as("300 would understate the fleet").isZero();
        assertThat(v.instancesOverflowed()).isTrue();
        ServiceVitals back = ServiceVitals.decode(v.encode());
        assertThat(back.instances()).isZero();
        assertThat(back.instancesOverflowed()).isTrue();
    }
}
