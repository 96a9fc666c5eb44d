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
    void shouldAcceptReleaseLabelsAndRejectEmptyTooLongOrControlCharacters() {
        assertThat(v.check(metric().setServiceVersion("2.4.1-rc.1+build 7").setDeploymentEnvironment("production").build())).isEmpty();
        assertThat(v.check(metric().setServiceVersion("").build()))
            .singleElement().asString().isEqualTo("field 'serviceVersion' must not be empty (omit it instead)");
        assertThat(v.check(metric().setServiceVersion("1".repeat(65)).build()))
            .singleElement().asString().isEqualTo("field 'serviceVersion' is 65 characters, over the limit of 64");
        assertThat(v.check(metric().setServiceVersion("1.0\u0007").build()))
            .singleElement().asString().contains("control character U+0007 at index 3");
        assertThat(v.check(metric().setServiceVersion("1|2").build())).singleElement().asString().contains("a '|' at index 1");
        assertThat(v.check(metric().setDeploymentEnvironment("prod\tuction").build()))
            .singleElement().asString().contains("field 'deploymentEnvironment' has control character U+0009");
    }

    @Test
    void shouldRejectAbsurdVitals() {
        RumEvent.Builder b = RumEvent.newBuilder().setTimestamp(NOW).setApp("shop").setPage("/").setVital(Vital.CLS).setValue(1000);
        assertThat(v.check(b.build())).singleElement().asString().contains("plausible maximum");
        assertThat(v.check(b.setVital(Vital.LCP).setValue(86_400_000).build())).singleElement().asString().contains("plausible");
        assertThat(v.check(b.setValue(1800).build())).isEmpty();
    }

    /** The hand-written name checks agree with the patterns that specify them, on random and edge strings. */
    @Test
    void shouldMatchTheNamePatternsExactly() {
        java.util.Random r = new java.util.Random(7);
        String alphabet = "azAZ09_.:-/ é\t|";
        java.util.List<String> cases = new java.util.ArrayList<>(java.util.List.of("", "a", "A", "0", "_", ".a", "a.",
            "a".repeat(64), "a".repeat(65), "a".repeat(128), "a".repeat(129), "A".repeat(128), "http.server.duration",
            "checkout-svc:8080", "svc_1.eu", "a b", "a-", "Ab"));
        for (int i = 0; i < 200_000; i++) {
            int n = r.nextInt(8) == 0 ? 60 + r.nextInt(75) : r.nextInt(6);
            StringBuilder b = new StringBuilder();
            for (int j = 0; j < n; j++) {
                b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            cases.add(b.toString());
        }
        int[] agreed = new int[4];
        for (String c : cases) {
            boolean metric = EventValidator.METRIC_NAME.matcher(c).matches();
            boolean name = EventValidator.NAME.matcher(c).matches();
            assertThat(EventValidator.isMetricName(c)).as("metric name \"%s\"", c).isEqualTo(metric);
            assertThat(EventValidator.isName(c)).as("name \"%s\"", c).isEqualTo(name);
            agreed[(metric ? 1 : 0) + (name ? 2 : 0)]++;
        }
        // both outcomes of both checks occur, so the agreement is not on trivial input
        assertThat(agreed[0]).isPositive();
        assertThat(agreed[1] + agreed[3]).isPositive();
        assertThat(agreed[2] + agreed[3]).isPositive();
    }

    @Test
    void shouldCheckTheCacheFieldsAndTheStatementLength() {
        MetricEvent.Builder lookup = metric().setMetric("cache.lookup").setCache("product-cache").setCacheHit(true);
        assertThat(v.check(lookup.build())).isEmpty();
        assertThat(v.check(metric().setMetric("cache.hits").setUnit("count").setValue(12).setCache("c").build())).isEmpty();
        assertThat(v.check(metric().setMetric("cache.lookup").build())).as("a lookup without outcome is a latency as before")
            .isEmpty();
        assertThat(v.check(metric().setMetric("cache.lookup").setCacheHit(false).build())).singleElement().asString()
            .contains("field 'cache' is missing");
        assertThat(v.check(metric().setMetric("cache.misses").setUnit("count").setValue(1).build())).singleElement()
            .asString().contains("metric cache.misses must name its cache");
        assertThat(v.check(metric().setCache("c").setCacheHit(true).build())).hasSize(2).anySatisfy(p ->
            assertThat(p).contains("'cacheHit' is for metric cache.lookup only")).anySatisfy(p ->
            assertThat(p).contains("'cache' is for cache.* metrics only"));
        assertThat(v.check(metric().setMetric("cache.hits").setUnit("count").setValue(1.5).setCache("c").build()))
            .singleElement().asString().contains("whole number");
        assertThat(v.check(lookup.setCache("bad name!").build())).singleElement().asString().contains("field 'cache'");
        assertThat(v.check(metric().setMetric("db.query.duration").setDbStatement("x".repeat(2048)).build())).isEmpty();
        assertThat(v.check(metric().setMetric("db.query.duration").setDbStatement("x".repeat(2049)).build()))
            .singleElement().asString().contains("'dbStatement' is 2049 characters, over the limit of 2048");
    }
}
