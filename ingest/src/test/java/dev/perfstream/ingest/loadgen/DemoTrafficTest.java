package dev.perfstream.ingest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.config.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's traffic: healthy between incidents, and incidents that start minutes after the demo does. */
class DemoTrafficTest {
    private static final Instant T = Instant.parse("2026-12-05T12:00:00Z");

    @Test
    void shouldKeepEveryRouteWithinTheDefaultKpisWithMarginWhenCalm() {
        TrafficModel demo = TrafficModel.demo();
        for (TrafficModel.Route r : demo.routes()) {
            double p95 = demo.latency(r, T, List.of()).quantile(0.95);
            assertThat(p95).as(r.path() + " p95 ms").isLessThan(150);
            assertThat(r.errorShare()).as(r.path() + " error share").isLessThan(0.0001);
            if (r.dbShare() > 0) {
                double dbMean = demo.dbLatency(r, T, List.of()).quantile(0.5) * Math.exp(0.6 * 0.6 / 2);
                assertThat(dbMean).as(r.path() + " DB mean ms").isLessThan(50);
            }
        }
        // RUM, sampled: 30 simulated minutes, each vital's p75 per page and device class under its KPI with margin
        Map<String, List<Double>> byKey = new java.util.HashMap<>();
        new LoadGenerator(demo, List.of(), 7).generate(T, T.plus(Duration.ofMinutes(30)), 0, m -> { },
            r -> {
                if (r.getVital() != null) { // not a conversion
                    byKey.computeIfAbsent(r.getVital() + " " + r.getPage() + " " + r.getDeviceClass(),
                        k -> new java.util.ArrayList<>()).add(r.getValue());
                }
            });
        Map<String, Double> kpi = Map.of("PAGE_LOAD", 2000.0, "LCP", 2500.0, "FCP", 1800.0, "INP", 200.0, "TTFB", 800.0,
            "CLS", 0.1);
        assertThat(byKey).hasSizeGreaterThan(50);
        byKey.forEach((k, v) -> {
            double[] sorted = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double p75 = sorted[(int) (0.75 * (sorted.length - 1))];
            assertThat(p75).as(k + " p75 (n=" + sorted.length + ")").isLessThan(0.9 * kpi.get(k.substring(0, k.indexOf(' '))));
        });
        assertThat(demo.routes()).extracting(TrafficModel.Route::path)
            .containsExactlyElementsOf(TrafficModel.standard().routes().stream().map(TrafficModel.Route::path).toList());
        assertThat(TrafficModel.standard().latency(TrafficModel.standard().routes().get(0), T, List.of()).quantile(0.95))
            .as("the evaluations' traffic is unchanged").isGreaterThan(300);
    }

    @Test
    void shouldScheduleTheFirstIncidentMinutesAfterTheStartAndThenEveryTwentyMinutes() {
        List<Incident> is = IncidentSchedules.recurring(T, T.plus(Duration.ofHours(1)), Duration.ofMinutes(4),
            Duration.ofMinutes(20), Duration.ofMinutes(5));
        assertThat(is).extracting(Incident::start).containsExactly(T.plusSeconds(240), T.plusSeconds(840), T.plusSeconds(1440),
            T.plusSeconds(2640));
        assertThat(is).extracting(i -> Duration.between(i.start(), i.end())).containsExactly(Duration.ofMinutes(5),
            Duration.ofMinutes(10), Duration.ofMinutes(5), Duration.ofMinutes(5));
        assertThat(is).extracting(Incident::kind).containsExactly(IncidentKind.LATENCY_SPIKE, IncidentKind.BAD_RELEASE,
            IncidentKind.ERROR_BURST, IncidentKind.SLOW_DATABASE);
        // the spike takes checkout's p95 well over the 200 ms KPI
        TrafficModel demo = TrafficModel.demo();
        TrafficModel.Route checkout = demo.routes().stream().filter(r -> r.path().equals("/api/checkout")).findFirst().orElseThrow();
        assertThat(demo.latency(checkout, T.plusSeconds(300), is).quantile(0.95)).isGreaterThan(500);
    }

    @Test
    void shouldUseTheDemoProfileAndRecurringIncidentsOnlyWhenAsked() {
        LoadgenConfig d = LoadgenConfig.from(Settings.of(Map.of()));
        assertThat(d.profile()).isEqualTo("standard");
        assertThat(d.incidentsEvery()).isNull();
        LoadgenConfig demo = LoadgenConfig.from(Settings.of(Map.of("loadgen.profile", "demo", "loadgen.incidents.every", "20m")));
        assertThat(demo.model().routes().get(0).medianMs()).isLessThan(TrafficModel.standard().routes().get(0).medianMs());
        assertThatThrownBy(() -> LoadgenConfig.from(Settings.of(Map.of("loadgen.profile", "calm"))))
            .hasMessageContaining("loadgen.profile: calm is not one of standard, demo");
    }
}
