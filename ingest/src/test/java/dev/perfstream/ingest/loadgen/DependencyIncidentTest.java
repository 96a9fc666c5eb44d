package dev.perfstream.ingest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.schemas.avro.MetricEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dependency-caused slowdowns of the load generator: each raises its route's latency by what its dependency adds
 * (consistently, so that attribution has something true to find), and each is labelled with its true cause.
 */
class DependencyIncidentTest {
    static final Instant T0 = Instant.parse("2026-11-26T14:00:00Z");
    static final Instant IS = T0.plusSeconds(300);
    static final Instant IE = T0.plusSeconds(600);

    @TempDir
    Path tmp;

    @Test
    void shouldMakeEachRequestPayTheMissesOfAColdCacheAndLeaveTheCalmTrafficAsItWas() {
        Incident cold = new Incident(IncidentKind.COLD_CACHE, "catalog", "/api/products/{id}", IS, IE, 0.2);
        List<MetricEvent> with = LoadGeneratorTest.run(TrafficModel.demo(), List.of(cold), 7, T0, IE).metrics();
        List<MetricEvent> without = LoadGeneratorTest.run(TrafficModel.demo(), List.of(), 7, T0, IE).metrics();
        Predicate<MetricEvent> route = e -> "catalog".equals(e.getService()) && "/api/products/{id}".equals(e.getRoute());
        Predicate<MetricEvent> http = route.and(e -> TrafficModel.HTTP.equals(e.getMetric()));
        Predicate<MetricEvent> lookups = route.and(e -> TrafficModel.CACHE.equals(e.getMetric()));
        Predicate<MetricEvent> during = e -> !e.getTimestamp().isBefore(IS);

        // the route's extra latency is the extra time of its lookups (one per request), within the noise
        double routeRise = mean(with, http.and(during)) - mean(without, http.and(during));
        double cacheRise = mean(with, lookups.and(during)) - mean(without, lookups.and(during));
        assertThat(cacheRise).as("0.94 -> 0.2 hit ratio, misses 6 ms against 0.4").isCloseTo(0.74 * 5.6 * 1.045, within(0.4));
        assertThat(routeRise).isCloseTo(cacheRise, within(0.05 * cacheRise));
        // before the incident, every event is the same with or without it
        assertThat(with.stream().filter(during.negate()).toList()).isEqualTo(without.stream().filter(during.negate()).toList());
    }

    @Test
    void shouldSaturateTheServicesCpuAndSlowItsRoutesButNotItsDatabase() {
        Incident cpu = new Incident(IncidentKind.CPU_SATURATION, "checkout", null, IS, IE, 2);
        List<MetricEvent> es = LoadGeneratorTest.run(TrafficModel.demo(), List.of(cpu), 7, T0, IE).metrics();
        Predicate<MetricEvent> during = e -> !e.getTimestamp().isBefore(IS);
        Predicate<MetricEvent> cpuOf = e -> TrafficModel.CPU.equals(e.getMetric()) && "checkout".equals(e.getService());
        assertThat(es.stream().filter(cpuOf.and(during)).mapToDouble(MetricEvent::getValue)).allSatisfy(v ->
            assertThat(v).isBetween(96.0, 100.0));
        assertThat(mean(es, cpuOf.and(during.negate()))).isCloseTo(25 * 1.62, within(2.0)); // 14:00 on a weekday
        assertThat(mean(es, e -> TrafficModel.CPU.equals(e.getMetric()) && "catalog".equals(e.getService()) && during.test(e)))
            .as("another service").isLessThan(50);
        Predicate<MetricEvent> cart = e -> "/api/cart/{id}".equals(e.getRoute());
        Predicate<MetricEvent> http = cart.and(e -> TrafficModel.HTTP.equals(e.getMetric()));
        Predicate<MetricEvent> db = cart.and(e -> TrafficModel.DB.equals(e.getMetric()));
        assertThat(mean(es, http.and(during)) / mean(es, http.and(during.negate()))).isCloseTo(2, within(0.15));
        assertThat(mean(es, db.and(during)) / mean(es, db.and(during.negate()))).isCloseTo(1, within(0.15));
    }

    @Test
    void shouldLabelEachDependencyIncidentWithItsTrueCauseAndWriteItToTheIncidentFile() throws Exception {
        TrafficModel m = TrafficModel.demo();
        assertThat(IncidentLabels.causes(m, new Incident(IncidentKind.SLOW_QUERY, "catalog", "/api/products", IS, IE, 15)))
            .containsExactly("db_statement|catalog|/api/products|SELECT * FROM products ORDER BY rank LIMIT ?");
        assertThat(IncidentLabels.causes(m, new Incident(IncidentKind.COLD_CACHE, "catalog", null, IS, IE, 0.4)))
            .containsExactly("cache|catalog|/api/products/{id}|product-cache");
        assertThat(IncidentLabels.causes(m, new Incident(IncidentKind.CPU_SATURATION, "users", null, IS, IE, 2)))
            .containsExactly("cpu|users|/api/login|cpu.utilization", "cpu|users|/api/users/{id}|cpu.utilization");
        assertThat(IncidentLabels.causes(m, new Incident(IncidentKind.SLOW_DATABASE, "payments", null, IS, IE, 8)))
            .containsExactly("db|payments|/api/payments/{id}|db.query.duration"); // POST /api/payments has no DB
        assertThat(IncidentLabels.causes(m, new Incident(IncidentKind.LATENCY_SPIKE, "users", "/api/login", IS, IE, 5))).isEmpty();
        assertThat(IncidentLabels.affectedSeries(m, new Incident(IncidentKind.CPU_SATURATION, "users", "/api/login", IS, IE, 2)))
            .containsExactly("http.server.duration|users|/api/login", "cpu.utilization|users|");

        Incident slow = new Incident(IncidentKind.SLOW_QUERY, "catalog", "/api/products", IS, IE, 15);
        assertThat(IncidentFile.toJsonLine(slow, m)).endsWith(
            "\"causes\":[\"db_statement|catalog|/api/products|SELECT * FROM products ORDER BY rank LIMIT ?\"]}");
        Path f = tmp.resolve("incidents.jsonl");
        IncidentFile.write(f, List.of(slow, new Incident(IncidentKind.CPU_SATURATION, "users", null, IS, IE, 2)), m);
        assertThat(IncidentFile.read(f)).extracting(Incident::kind).containsExactly(IncidentKind.SLOW_QUERY,
            IncidentKind.CPU_SATURATION);
    }

    private static double mean(List<MetricEvent> es, Predicate<MetricEvent> p) {
        return es.stream().filter(p).mapToDouble(MetricEvent::getValue).average().orElseThrow();
    }
}
