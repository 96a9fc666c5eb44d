package dev.perfstream.schemas.validate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EventValidatorTest {
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    private final EventValidator v = EventValidator.withDefaults(Clock.fixed(NOW, ZoneOffset.UTC));

    private static MetricEvent.Builder metric() {
        return MetricEvent.newBuilder().setTimestamp(NOW).setService("checkout").setMetric("http.server.duration").setValue(10);
    }

    @Test
    void shouldAcceptAValidEvent() {
        assertThat(v.check(metric().build())).isEmpty();
        assertThat(v.check(metric().setValue(0).build())).isEmpty();
        assertThat(v.check(metric().setValue(Double.MIN_VALUE).build())).isEmpty();
        assertThat(v.check(metric().setValue(1e12).build())).isEmpty();
    }

    @Test
    void shouldRejectNegativeNanAndInfiniteDurations() {
        assertThat(v.check(metric().setValue(-1).build())).singleElement().asString().contains("must be >= 0");
        assertThat(v.check(metric().setValue(Double.NaN).build())).singleElement().asString().contains("finite");
        assertThat(v.check(metric().setValue(Double.POSITIVE_INFINITY).build())).singleElement().asString().contains("finite");
    }

    @Test
    void shouldRejectTimestampsDaysAway() {
        assertThat(v.check(metric().setTimestamp(NOW.plus(Duration.ofDays(3))).build()))
            .singleElement().asString().contains("3.0 days in the future");
        assertThat(v.check(metric().setTimestamp(NOW.minus(Duration.ofDays(30))).build()))
            .singleElement().asString().contains("in the past");
    }

    @Test
    void shouldRejectEmptyAndHugeNamesAllAtOnce() {
        assertThat(v.check(metric().setService("").setRoute("").build()))
            .hasSize(2).anySatisfy(p -> assertThat(p).contains("'service' must not be empty"))
            .anySatisfy(p -> assertThat(p).contains("'route' must not be empty"));
        assertThat(v.check(metric().setRoute("/" + "x".repeat(5000)).build()))
            .singleElement().asString().contains("over the limit of 512");
    }

    @Test
    void shouldRejectAbsurdVitals() {
        RumEvent.Builder b = RumEvent.newBuilder().setTimestamp(NOW).setApp("shop").setPage("/").setVital(Vital.CLS).setValue(1000);
        assertThat(v.check(b.build())).singleElement().asString().contains("plausible maximum");
        assertThat(v.check(b.setVital(Vital.LCP).setValue(86_400_000).build())).singleElement().asString().contains("plausible");
        assertThat(v.check(b.setValue(1800).build())).isEmpty();
    }
}
