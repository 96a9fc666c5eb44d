package dev.perfstream.ingest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.validate.EventValidator;
import dev.perfstream.schemas.validate.SqlFingerprint;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The demo traffic's statements and caches, and the two incidents that move them. */
class QueryCacheTrafficTest {
    static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

    @Test
    void shouldSendRawSqlThatFingerprintsToTheModelsStatementsAndValidCacheLookups() {
        TrafficModel m = TrafficModel.demo();
        LoadGeneratorTest.Out o = LoadGeneratorTest.run(m, List.of(), 5, T0, T0.plusSeconds(120));
        EventValidator v = EventValidator.withDefaults(Clock.fixed(T0.plusSeconds(60), ZoneOffset.UTC));
        List<MetricEvent> db = o.metrics().stream().filter(e -> TrafficModel.DB.equals(e.getMetric())).toList();
        assertThat(db).isNotEmpty().allSatisfy(e -> {
            assertThat(e.getDbStatement()).doesNotContain("?");
            assertThat(m.routes()).filteredOn(r -> r.dbStatement() != null).anySatisfy(r -> assertThat(SqlFingerprint.of(e.getDbStatement()))
                .isEqualTo(SqlFingerprint.of(r.dbStatement())));
        });
        List<MetricEvent> lookups = o.metrics().stream().filter(e -> TrafficModel.CACHE.equals(e.getMetric())).toList();
        assertThat(lookups).isNotEmpty().allSatisfy(e -> assertThat(v.check(e)).isEmpty());
        assertThat(lookups).extracting(MetricEvent::getCache).containsOnly("product-cache", "cart-cache", "user-cache");
        Map<String, double[]> ratio = hitRatios(lookups, e -> true);
        assertThat(ratio.get("product-cache")[0]).isCloseTo(0.94, within(0.03));
        assertThat(ratio.get("cart-cache")[0]).isCloseTo(0.90, within(0.03));
    }

    @Test
    void shouldKeepTheStandardTrafficWithoutCaches() {
        LoadGeneratorTest.Out o = LoadGeneratorTest.run(TrafficModel.standard(), List.of(), 5, T0, T0.plusSeconds(60));
        assertThat(o.metrics()).noneMatch(e -> TrafficModel.CACHE.equals(e.getMetric()));
    }

    @Test
    void shouldColdTheCacheAndSlowOneStatementDuringTheirIncidents() {
        Instant is = T0.plusSeconds(300);
        Instant ie = T0.plusSeconds(600);
        List<Incident> inc = List.of(new Incident(IncidentKind.COLD_CACHE, "catalog", null, is, ie, 0.4),
            new Incident(IncidentKind.SLOW_QUERY, "catalog", "/api/products", is, ie, 15));
        LoadGeneratorTest.Out o = LoadGeneratorTest.run(TrafficModel.demo(), inc, 7, T0, T0.plusSeconds(600));
        Predicate<MetricEvent> during = e -> !e.getTimestamp().isBefore(is);
        List<MetricEvent> lookups = o.metrics().stream().filter(e -> TrafficModel.CACHE.equals(e.getMetric())).toList();
        assertThat(hitRatios(lookups, during.negate()).get("product-cache")[0]).isCloseTo(0.94, within(0.03));
        assertThat(hitRatios(lookups, during).get("product-cache")[0]).isCloseTo(0.4, within(0.04));
        assertThat(hitRatios(lookups, during).get("cart-cache")[0]).as("another service's cache").isCloseTo(0.90, within(0.03));
        Predicate<MetricEvent> list = e -> TrafficModel.DB.equals(e.getMetric()) && "/api/products".equals(e.getRoute());
        Predicate<MetricEvent> search = e -> TrafficModel.DB.equals(e.getMetric()) && "/api/search".equals(e.getRoute());
        assertThat(mean(o.metrics(), list.and(during)) / mean(o.metrics(), list.and(during.negate()))).isCloseTo(15, within(2.5));
        assertThat(mean(o.metrics(), search.and(during)) / mean(o.metrics(), search.and(during.negate())))
            .as("the other statements stay put").isCloseTo(1, within(0.15));
    }

    @Test
    void shouldCycleTheDemosIncidentsThroughTheColdCacheAndTheSlowStatement() {
        List<Incident> is = IncidentSchedules.recurring(T0, T0.plus(java.time.Duration.ofHours(2)),
            java.time.Duration.ofMinutes(4), java.time.Duration.ofMinutes(20), java.time.Duration.ofMinutes(5));
        // the bad release (release comparison) comes between the first two of each cycle
        assertThat(is).extracting(Incident::kind).startsWith(IncidentKind.LATENCY_SPIKE, IncidentKind.BAD_RELEASE,
            IncidentKind.ERROR_BURST, IncidentKind.SLOW_DATABASE, IncidentKind.TRAFFIC_SURGE, IncidentKind.COLD_CACHE,
            IncidentKind.SLOW_QUERY);
        Incident cold = is.get(5);
        assertThat(java.time.Duration.between(cold.start(), cold.end())).as("longer than the cache KPI's 10 minutes")
            .isEqualTo(java.time.Duration.ofMinutes(15));
        assertThat(cold.end()).isBefore(is.get(6).start());
        assertThat(is.get(6).route()).isEqualTo("/api/products");
    }

    /** cache -> {hit ratio, lookups}. */
    private static Map<String, double[]> hitRatios(List<MetricEvent> lookups, Predicate<MetricEvent> which) {
        Map<String, double[]> n = new HashMap<>();
        for (MetricEvent e : lookups) {
            if (which.test(e)) {
                double[] c = n.computeIfAbsent(e.getCache(), k -> new double[2]);
                c[0] += e.getCacheHit() ? 1 : 0;
                c[1]++;
            }
        }
        n.values().forEach(c -> c[0] /= c[1]);
        return n;
    }

    private static double mean(List<MetricEvent> es, Predicate<MetricEvent> p) {
        return es.stream().filter(p).mapToDouble(MetricEvent::getValue).average().orElseThrow();
    }
}
