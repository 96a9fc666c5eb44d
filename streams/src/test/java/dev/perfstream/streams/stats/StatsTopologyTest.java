package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.stats.state.Sketches;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StatsTopologyTest {
    static final long MIN = 60_000;
    /** 11:30, a 5-minute boundary half an hour before the driver's clock. */
    static final long T0 = StatsDriver.NOW.toEpochMilli() - 30 * MIN;
    static final double[] QS = {0.50, 0.75, 0.90, 0.95, 0.99, 0.999};

    private static Map<String, String> keys(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("stats.application.id", "stats-test");
        m.put("stats.store", "memory");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static List<WindowStats> of(List<WindowStats> all, String route, long sizeMs) {
        return all.stream()
            .filter(s -> s.getRoute().equals(route) && s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli() == sizeMs)
            .collect(Collectors.toList());
    }

    private static double pick(WindowStats s, double q) {
        if (q == 0.50) return s.getP50();
        if (q == 0.75) return s.getP75();
        if (q == 0.90) return s.getP90();
        if (q == 0.95) return s.getP95();
        if (q == 0.99) return s.getP99();
        return s.getP999();
    }

    @Test
    void shouldGivePercentilesWithin1PercentForLognormalBimodalParetoAndConstantInputs() {
        Random r = new Random(42);
        Map<String, DoubleSupplier> dists = Map.of(
            "/lognormal", () -> Math.exp(4 + 0.8 * r.nextGaussian()),
            "/bimodal", () -> r.nextDouble() < 0.7 ? 20 + 2 * r.nextGaussian() : 800 + 50 * r.nextGaussian(),
            "/pareto", () -> 5 / Math.pow(1 - r.nextDouble(), 1 / 1.2),
            "/constant", () -> 123.456);
        int n = 4000;
        Map<String, double[]> sent = new HashMap<>();
        try (StatsDriver d = new StatsDriver(keys())) {
            for (String route : dists.keySet()) {
                sent.put(route, new double[n]);
            }
            for (int i = 0; i < n; i++) {
                for (Map.Entry<String, DoubleSupplier> e : dists.entrySet()) {
                    double v = Math.abs(e.getValue().getAsDouble());
                    sent.get(e.getKey())[i] = v;
                    d.sendMetric(StatsDriver.metric(T0 + (i * 59_000L / n), "checkout", e.getKey(), v, "OK"));
                }
            }
            d.sendMetric(StatsDriver.metric(T0 + 10 * MIN, "closer", "/x", 1, "OK"));
            List<WindowStats> out = d.readStats();
            assertThat(d.readDeadLetters()).isEmpty();
            for (Map.Entry<String, double[]> e : sent.entrySet()) {
                for (long size : new long[] {MIN, 5 * MIN}) {
                    List<WindowStats> w = of(out, e.getKey(), size);
                    assertThat(w).as(e.getKey() + " windows of " + size).hasSize(1);
                    WindowStats s = w.get(0);
                    double[] v = e.getValue();
                    assertThat(s.getCount()).isEqualTo(n);
                    assertThat(s.getMin()).isEqualTo(Quantiles.exact(v, 0));
                    assertThat(s.getMax()).isEqualTo(Quantiles.exact(v, 1));
                    assertThat(s.getRate()).isCloseTo(n / (size / 1000.0), within(1e-9));
                    assertThat(s.getLateEvents()).isZero();
                    for (double q : QS) {
                        double exact = Quantiles.exact(v, q);
                        assertThat(pick(s, q)).as(e.getKey() + " q" + q).isCloseTo(exact, within(exact * 0.01));
                    }
                }
                // 10 s windows: six of them, counts add up to the minute
                assertThat(of(out, e.getKey(), 10_000).stream().mapToLong(WindowStats::getCount).sum()).isEqualTo(n);
            }
        }
    }

    @Test
    void shouldMakeTheHourlyRollupEqualToTheSketchOfTheWholeHour() {
        Random r = new Random(7);
        long hour = T0 - 90 * MIN; // 10:00
        Sketches sk = new Sketches(0.01, 2048);
        DDSketch whole = sk.create();
        double[] v = new double[3600];
        try (StatsDriver d = new StatsDriver(keys())) {
            for (int i = 0; i < 3600; i++) {
                v[i] = Math.exp(3 + r.nextGaussian());
                whole.accept(v[i]);
                d.sendMetric(StatsDriver.metric(hour + i * 1000L, "api", "/h", v[i], i % 100 == 0 ? "ERROR" : "OK"));
            }
            d.sendMetric(StatsDriver.metric(hour + 61 * MIN, "api", "/h", 1, "OK"));
            List<WindowStats> out = d.readStats();
            List<WindowStats> hourly = of(out, "/h", 60 * MIN);
            assertThat(hourly).hasSize(1);
            WindowStats h = hourly.get(0);
            assertThat(h.getCount()).isEqualTo(3600);
            assertThat(h.getErrors()).isEqualTo(36);
            assertThat(of(out, "/h", 5 * MIN)).hasSize(12);
            assertThat(of(out, "/h", 5 * MIN).stream().mapToLong(WindowStats::getCount).sum()).isEqualTo(3600);
            for (double q : QS) {
                double direct = Math.max(Quantiles.exact(v, 0), Math.min(Quantiles.exact(v, 1), whole.getValueAtQuantile(q)));
                assertThat(pick(h, q)).as("q" + q + " equals the whole-hour sketch").isCloseTo(direct, within(direct * 1e-9));
                double exact = Quantiles.exact(v, q);
                assertThat(pick(h, q)).as("q" + q + " within 1 %").isCloseTo(exact, within(exact * 0.01));
            }
        }
    }

    @Test
    void shouldComputeRumSharesAndP75ByWebVitalsThresholds() {
        try (StatsDriver d = new StatsDriver(keys())) {
            double[] lcp = {1000, 2000, 2500, 3000, 4000, 4001, 6000, 1500};
            for (int i = 0; i < lcp.length; i++) {
                d.sendRum(StatsDriver.vital(T0 + i * 1000L, "shop", "/product/123", "LCP", lcp[i], "mobile"));
            }
            d.sendRum(StatsDriver.vital(T0 + 10 * MIN, "shop", "/", "LCP", 1, "desktop"));
            List<WindowStats> w = of(d.readStats(), "/product/{id}", MIN);
            assertThat(w).hasSize(1);
            WindowStats s = w.get(0);
            assertThat(s.getKind()).isEqualTo(SeriesKind.RUM);
            assertThat(s.getName()).isEqualTo("LCP");
            assertThat(s.getService()).isEqualTo("shop");
            assertThat(s.getDeviceClass()).isEqualTo("mobile");
            assertThat(s.getCount()).isEqualTo(8);
            assertThat(s.getGoodShare()).isEqualTo(4 / 8.0); // <= 2500
            assertThat(s.getNeedsImprovementShare()).isEqualTo(2 / 8.0); // 3000, 4000
            assertThat(s.getPoorShare()).isEqualTo(2 / 8.0);
            double p75 = Quantiles.exact(lcp, 0.75);
            assertThat(s.getP75()).isCloseTo(p75, within(p75 * 0.01));
        }
    }

    @Test
    void shouldDeadLetterBadRecordsWithReasonsAndStillCountTheValidOnes() {
        String huge = "x".repeat(100_000);
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("{not json", "parse");
        bad.put("{\"timestamp\":\"yesterday\",\"service\":\"a\",\"metric\":\"m\",\"value\":1}", "");
        bad.put("{\"timestamp\":" + T0 + ",\"service\":\"a\",\"metric\":\"m\",\"value\":\"fast\"}", "");
        bad.put("{\"timestamp\":" + T0 + ",\"metric\":\"m\",\"value\":1}", "");
        bad.put("{\"timestamp\":" + T0 + ",\"service\":\"a\",\"metric\":\"m\",\"value\":NaN}", "validation");
        bad.put("{\"timestamp\":" + T0 + ",\"service\":\"a\",\"metric\":\"m\",\"value\":-5}", "validation");
        bad.put("{\"timestamp\":" + T0 + ",\"service\":\"a\",\"metric\":\"m\",\"value\":Infinity}", "validation");
        bad.put(StatsDriver.metric(T0 + 3 * 86_400_000L, "a", "/r", 1, "OK"), "validation");
        bad.put(StatsDriver.metric(T0 - 30 * 86_400_000L, "a", "/r", 1, "OK"), "validation");
        bad.put(StatsDriver.metric(T0, "", "/r", 1, "OK"), "validation");
        bad.put(StatsDriver.metric(T0, "a", "", 1, "OK"), "validation");
        bad.put(StatsDriver.metric(T0, "a" + "b".repeat(5000), "/r", 1, "OK"), "validation");
        bad.put(StatsDriver.metric(T0, "a", "/" + "r".repeat(2000), 1, "OK"), "validation");
        bad.put(StatsDriver.metric(T0, "a", "/" + huge, 1, "OK"), "");
        try (StatsDriver d = new StatsDriver(keys())) {
            int good = 0;
            for (String b : bad.keySet()) {
                d.sendMetric(StatsDriver.metric(T0 + good * 10L, "svc", "/ok", 10, "OK"));
                good++;
                d.sendMetric(b);
            }
            d.sendMetric(StatsDriver.metric(T0 + 10 * MIN, "closer", "/x", 1, "OK"));
            List<DeadLetter> dl = d.readDeadLetters();
            assertThat(dl).hasSize(bad.size());
            int i = 0;
            for (Map.Entry<String, String> e : bad.entrySet()) {
                DeadLetter x = dl.get(i++);
                if (!e.getValue().isEmpty()) {
                    assertThat(x.getReasonCode()).as(x.getReason()).isEqualTo(e.getValue());
                }
                assertThat(x.getReason()).isNotBlank();
                assertThat(x.getStage()).isEqualTo("stats");
                assertThat(x.getSourceTopic()).isEqualTo("perf.metrics");
                assertThat(x.getSourceOffset()).isNotNull();
                assertThat(new String(x.getPayload().array(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(e.getKey());
            }
            assertThat(dl.get(3).getReason()).contains("service");
            assertThat(dl.get(9).getReason()).contains("service").contains("empty");
            assertThat(dl.get(10).getReason()).contains("route");
            List<WindowStats> ok = of(d.readStats(), "/ok", MIN);
            assertThat(ok).hasSize(1);
            assertThat(ok.get(0).getCount()).isEqualTo(good);
        }
    }

    @Test
    void shouldCountLateEventsPerSeriesAndDeadLetterThemWhileAcceptingOutOfOrderWithinGrace() {
        try (StatsDriver d = new StatsDriver(keys("stats.grace", "30s"))) {
            d.sendMetric(StatsDriver.metric(T0 + 20_000, "svc", "/a", 10, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 5_000, "svc", "/a", 20, "OK")); // out of order, window [T0,T0+10s) open until T0+40s
            d.sendMetric(StatsDriver.metric(T0 + 45_000, "svc", "/a", 30, "OK")); // stream time T0+45s: [T0,T0+10s) closes
            d.sendMetric(StatsDriver.metric(T0 + 1_000, "svc", "/a", 40, "OK")); // late
            d.sendMetric(StatsDriver.metric(T0 + 10 * MIN, "svc", "/a", 50, "OK"));
            List<DeadLetter> dl = d.readDeadLetters();
            assertThat(dl).hasSize(1);
            assertThat(dl.get(0).getReasonCode()).isEqualTo("late");
            assertThat(dl.get(0).getReason()).contains("late").contains("METRIC|http.server.duration|svc|/a");
            List<WindowStats> out = d.readStats();
            WindowStats first10s = of(out, "/a", 10_000).get(0);
            assertThat(first10s.getWindowStart().toEpochMilli()).isEqualTo(T0);
            assertThat(first10s.getCount()).isEqualTo(1);
            assertThat(first10s.getP50()).isEqualTo(20);
            WindowStats minute = of(out, "/a", MIN).get(0);
            assertThat(minute.getCount()).isEqualTo(3);
            assertThat(minute.getLateEvents()).isEqualTo(1);
            assertThat(of(out, "/a", 5 * MIN).get(0).getLateEvents()).isEqualTo(1);
            // the late event is counted in the 10 s window that held stream time T0+45s
            WindowStats lateWindow = of(out, "/a", 10_000).stream()
                .filter(s -> s.getWindowStart().toEpochMilli() == T0 + 40_000).findFirst().orElseThrow();
            assertThat(lateWindow.getLateEvents()).isEqualTo(1);
            assertThat(lateWindow.getCount()).isEqualTo(1);
        }
    }

    @Test
    void shouldEmitEachClosedWindowExactlyOnce() {
        try (StatsDriver d = new StatsDriver(keys("stats.store", "rocksdb"))) {
            for (int i = 0; i < 600; i++) {
                d.sendMetric(StatsDriver.metric(T0 + i * 1000L, "svc", "/a", i, "OK"));
            }
            d.sendMetric(StatsDriver.metric(T0 + 20 * MIN, "svc", "/a", 1, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 20 * MIN + 1, "svc", "/a", 1, "OK"));
            List<WindowStats> out = d.readStats();
            assertThat(of(out, "/a", 10_000)).hasSize(60);
            assertThat(of(out, "/a", MIN)).hasSize(10);
            assertThat(of(out, "/a", 5 * MIN)).hasSize(2);
            assertThat(out.stream().map(s -> s.getRoute() + s.getWindowStart() + s.getWindowEnd()).distinct().count())
                .isEqualTo(out.size());
        }
    }

    @Test
    void shouldCountDuplicatesHotKeysAndLimitValues() {
        try (StatsDriver d = new StatsDriver(keys())) {
            String dup = StatsDriver.metric(T0, "svc", "/dup", 7, "OK");
            d.sendMetric(dup);
            d.sendMetric(dup); // at-least-once producers: no event id, so a duplicate counts twice (documented)
            for (int i = 0; i < 9000; i++) {
                d.sendMetric(StatsDriver.metric(T0 + i % 50_000, "svc", "/hot", 10 + i % 7, i % 10 == 0 ? "ERROR" : "OK"));
                if (i % 9 == 0) {
                    d.sendMetric(StatsDriver.metric(T0 + i % 50_000, "svc", "/cold" + (i % 100), 5, "OK"));
                }
            }
            d.sendMetric(StatsDriver.metric(T0 + 1, "svc", "/limits", 0, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 2, "svc", "/limits", Double.MIN_VALUE, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 3, "svc", "/limits", 1e12, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 10 * MIN, "closer", "/x", 1, "OK"));
            assertThat(d.readDeadLetters()).isEmpty();
            List<WindowStats> out = d.readStats();
            assertThat(of(out, "/dup", MIN).get(0).getCount()).isEqualTo(2);
            WindowStats hot = of(out, "/hot", MIN).get(0);
            assertThat(hot.getCount()).isEqualTo(9000);
            assertThat(hot.getErrors()).isEqualTo(900);
            assertThat(hot.getErrorRate()).isEqualTo(0.1);
            assertThat(hot.getMin()).isEqualTo(10);
            assertThat(hot.getMax()).isEqualTo(16);
            WindowStats lim = of(out, "/limits", MIN).get(0);
            assertThat(lim.getCount()).isEqualTo(3);
            assertThat(lim.getMin()).isEqualTo(0);
            assertThat(lim.getMax()).isEqualTo(1e12);
            // exact p50 and p99.9 (rank floor(q * 2) = 1) are the subnormal; it shares the sketch's zero bucket
            assertThat(lim.getP50()).isLessThan(1e-300);
            assertThat(lim.getP999()).isLessThan(1e-300);
        }
    }

    @Test
    void shouldPutRoutesBeyondTheCapIntoTheOverflowSeries() {
        try (StatsDriver d = new StatsDriver(keys("stats.route.cap", "5"))) {
            for (int i = 0; i < 12; i++) {
                d.sendMetric(StatsDriver.metric(T0 + i, "svc", "/r" + (char) ('a' + i), 1, "OK"));
                d.sendMetric(StatsDriver.metric(T0 + i, "svc", "/users/" + (1000 + i), 1, "OK")); // templated: one route
            }
            d.sendMetric(StatsDriver.metric(T0 + 10 * MIN, "other", "/x", 1, "OK"));
            List<WindowStats> minute = d.readStats().stream()
                .filter(s -> s.getService().equals("svc") && s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli() == MIN)
                .collect(Collectors.toList());
            assertThat(minute).hasSize(6);
            assertThat(of(minute, "/users/{id}", MIN).get(0).getCount()).isEqualTo(12);
            assertThat(of(minute, "__overflow__", MIN).get(0).getCount()).isEqualTo(8);
            assertThat(minute.stream().mapToLong(WindowStats::getCount).sum()).isEqualTo(24);
        }
    }

    @Test
    void shouldRejectAUnitThatDiffersFromTheSeriesUnitAndConvertSecondsToMilliseconds() {
        try (StatsDriver d = new StatsDriver(keys())) {
            d.sendMetric("{\"timestamp\":" + T0 + ",\"service\":\"s\",\"metric\":\"cpu.utilization\",\"value\":50,\"unit\":\"percent\"}");
            d.sendMetric("{\"timestamp\":" + T0 + ",\"service\":\"s\",\"metric\":\"cpu.utilization\",\"value\":0.5,\"unit\":\"ratio\"}");
            d.sendMetric("{\"timestamp\":" + T0 + ",\"service\":\"s\",\"metric\":\"db.query.duration\",\"value\":0.25,\"unit\":\"s\"}");
            d.sendMetric(StatsDriver.metric(T0 + 10 * MIN, "closer", "/x", 1, "OK"));
            List<DeadLetter> dl = d.readDeadLetters();
            assertThat(dl).hasSize(1);
            assertThat(dl.get(0).getReason()).contains("unit");
            WindowStats db = d.readStats().stream().filter(s -> s.getName().equals("db.query.duration")).findFirst().orElseThrow();
            assertThat(db.getUnit()).isEqualTo("ms");
            assertThat(db.getMax()).isEqualTo(250);
        }
    }

    @Test
    void shouldMergeHistogramBucketsIntoTheWindowAndStateTheirError() {
        try (StatsDriver d = new StatsDriver(keys())) {
            d.sendMetric("{\"timestamp\":" + T0 + ",\"service\":\"s\",\"metric\":\"http.server.request.duration\",\"route\":\"/h\","
                + "\"value\":0.125,\"unit\":\"s\",\"outcome\":\"ERROR\",\"histogram\":{\"count\":4,\"values\":[0.1,0.2],"
                + "\"counts\":[3,1],\"relativeError\":0.05}}");
            d.sendMetric("{\"timestamp\":" + (T0 + 1000) + ",\"service\":\"s\",\"metric\":\"http.server.request.duration\","
                + "\"route\":\"/h\",\"value\":150,\"unit\":\"ms\"}");
            d.sendMetric("{\"timestamp\":" + T0 + ",\"service\":\"s\",\"metric\":\"http.server.request.duration\",\"route\":\"/bad\","
                + "\"value\":1,\"unit\":\"ms\",\"histogram\":{\"count\":5,\"values\":[1,2],\"counts\":[3,1],\"relativeError\":0.05}}");
            d.sendMetric(StatsDriver.metric(T0, "s", "/raw", 10, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 10 * MIN, "closer", "/x", 1, "OK"));
            List<DeadLetter> dl = d.readDeadLetters();
            assertThat(dl).singleElement().satisfies(x -> assertThat(x.getReason()).contains("counts add up to 4"));
            List<WindowStats> all = d.readStats();
            WindowStats h = of(all, "/h", MIN).get(0);
            assertThat(h.getCount()).isEqualTo(5);
            assertThat(h.getErrors()).isEqualTo(4);
            assertThat(h.getMin()).isEqualTo(100);
            assertThat(h.getMax()).isEqualTo(200);
            assertThat(h.getMean()).isCloseTo((500 + 150) / 5.0, within(1e-9));
            assertThat(h.getP50()).isCloseTo(100, within(1.0)); // the sketch's 1 % on the representative
            assertThat(h.getP99()).isCloseTo(150, within(2.0)); // rank floor(0.99 * 4) of 100, 100, 100, 150, 200
            assertThat(h.getBucketError()).isEqualTo(0.05);
            assertThat(of(all, "/raw", MIN).get(0).getBucketError()).isNull();
        }
    }
}
