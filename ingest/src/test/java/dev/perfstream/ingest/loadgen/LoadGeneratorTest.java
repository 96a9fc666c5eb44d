package dev.perfstream.ingest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.validate.WebVitals;
import dev.perfstream.schemas.validate.EventValidator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
    // A Thursday.
    static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");

    record Out(List<MetricEvent> metrics, List<RumEvent> rum) {
    }

    static Out run(TrafficModel m, List<Incident> inc, long seed, Instant from, Instant to) {
        List<MetricEvent> ms = new ArrayList<>();
        List<RumEvent> rs = new ArrayList<>();
        new LoadGenerator(m, inc, seed).generate(from, to, 0, ms::add, rs::add);
        return new Out(ms, rs);
    }

    @Test
    void shouldProduceTheSameEventsForTheSameSeed() {
        TrafficModel m = TrafficModel.standard();
        List<Incident> inc = IncidentSchedules.scripted(T0, T0.plusSeconds(3600), 7);
        Out a = run(m, inc, 7, T0, T0.plusSeconds(120));
        Out b = run(m, inc, 7, T0, T0.plusSeconds(120));
        Out c = run(m, inc, 8, T0, T0.plusSeconds(120));
        assertThat(a.metrics()).isNotEmpty().isEqualTo(b.metrics());
        assertThat(a.rum()).isNotEmpty().isEqualTo(b.rum());
        assertThat(c.metrics()).isNotEqualTo(a.metrics());
        assertThat(IncidentSchedules.scripted(T0, T0.plusSeconds(3600), 7)).isEqualTo(inc);
    }

    @Test
    void shouldMatchTheConfiguredRateAndCoverEveryServicePageAndDevice() {
        TrafficModel m = TrafficModel.standard().withRate(500);
        // 10:00-10:10 UTC on a Thursday: seasonality known exactly from the model.
        Instant from = T0.plusSeconds(10 * 3600);
        Out o = run(m, List.of(), 1, from, from.plusSeconds(600));
        long resource = o.metrics().stream().filter(e -> e.getRoute() == null).count();
        double season = 0;
        for (int s = 0; s < 600; s++) {
            season += m.seasonality(from.plusSeconds(s));
        }
        double expected = 500 * season;
        assertThat((double) (o.metrics().size() - resource + o.rum().size())).isCloseTo(expected, within(expected * 0.03));
        // 4 services x 2 instances x 3 metrics every 10 s.
        assertThat(resource).isEqualTo(60 * 4 * 2 * 3);
        assertThat(o.metrics().stream().map(MetricEvent::getService).distinct()).hasSize(4);
        assertThat(o.metrics().stream().map(MetricEvent::getRoute).filter(r -> r != null).distinct()).hasSize(9);
        assertThat(o.metrics().stream().map(MetricEvent::getMetric).distinct())
            .containsExactlyInAnyOrder(TrafficModel.HTTP, TrafficModel.DB, TrafficModel.CPU, TrafficModel.MEMORY, TrafficModel.USERS);
        assertThat(o.rum().stream().map(RumEvent::getPage).distinct()).hasSize(4);
        assertThat(o.rum().stream().map(RumEvent::getDeviceClass).distinct()).containsExactlyInAnyOrder("desktop", "mobile", "tablet");
        assertThat(o.rum().stream().map(RumEvent::getVital).filter(v -> v != null).distinct())
            .containsExactlyInAnyOrder(Vital.values());
    }

    @Test
    void shouldConvertCheckoutSessionsByTheirLcpBucketWithoutChangingTheOtherEvents() {
        TrafficModel m = TrafficModel.standard().withRate(2000);
        Instant from = T0.plusSeconds(10 * 3600);
        List<RumEvent> withRum = new ArrayList<>();
        List<RumEvent> withoutRum = new ArrayList<>();
        long[] metrics = new long[2];
        new LoadGenerator(m, List.of(), 3).generate(from, from.plusSeconds(1800), 0, e -> metrics[0]++, withRum::add);
        new LoadGenerator(m.withConversion(null), List.of(), 3).generate(from, from.plusSeconds(1800), 0, e -> metrics[1]++,
            withoutRum::add);
        Out with = new Out(List.of(), withRum);
        List<RumEvent> conversions = with.rum().stream().filter(r -> r.getConversion() != null).toList();
        assertThat(with.rum().stream().filter(r -> r.getConversion() == null).toList()).isEqualTo(withoutRum);
        assertThat(metrics[0]).isEqualTo(metrics[1]);
        java.util.Map<String, RumEvent> lcpBySession = new java.util.HashMap<>();
        with.rum().stream().filter(r -> r.getVital() == Vital.LCP && r.getPage().equals("/checkout"))
            .forEach(r -> lcpBySession.put(r.getSessionHash(), r));
        long[] n = new long[3];
        long[] x = new long[3];
        lcpBySession.values().forEach(r -> n[WebVitals.rate(Vital.LCP, r.getValue()).ordinal()]++);
        for (RumEvent c : conversions) {
            RumEvent lcp = lcpBySession.get(c.getSessionHash());
            assertThat(lcp).as("a conversion belongs to a checkout session").isNotNull();
            assertThat(c.getTimestamp()).isEqualTo(lcp.getTimestamp());
            assertThat(c.getConversion()).isEqualTo("checkout");
            assertThat(c.getVital()).isNull();
            x[WebVitals.rate(Vital.LCP, lcp.getValue()).ordinal()]++;
        }
        // every bucket's rate within 4 binomial standard errors of the configured truth
        double[] truth = ConversionModel.CHECKOUT.rates();
        for (int b = 0; b < 3; b++) {
            assertThat(n[b]).as("sessions in bucket %d", b).isGreaterThan(300);
            double se = Math.sqrt(truth[b] * (1 - truth[b]) / n[b]);
            assertThat((double) x[b] / n[b]).as("rate of bucket %d", b).isCloseTo(truth[b], within(4 * se));
        }
    }

    @Test
    void shouldHaveARealisticErrorShareAndLognormalLatency() {
        TrafficModel m = TrafficModel.standard().withRate(1200);
        Instant from = T0.plusSeconds(14 * 3600);
        Out o = run(m, List.of(), 3, from, from.plusSeconds(300));
        List<MetricEvent> http = filter(o.metrics(), e -> e.getMetric().equals(TrafficModel.HTTP));
        double errors = http.stream().filter(e -> e.getOutcome() == Outcome.ERROR).count() / (double) http.size();
        assertThat(errors).isBetween(0.0005, 0.006);
        // The catalog product route: lognormal(25 ms, 0.35) -> p50 25, p99 = 25 * e^(0.35 * 2.326) = 56.3.
        TrafficModel.Route r = m.routes().get(3);
        double[] v = http.stream().filter(e -> e.getRoute().equals(r.path())).mapToDouble(MetricEvent::getValue).sorted().toArray();
        assertThat(v.length).isGreaterThan(6_000);
        assertThat(quantile(v, 0.5)).isCloseTo(25, within(0.8));
        assertThat(quantile(v, 0.99)).isCloseTo(new TrafficModel.Lognormal(25, 0.35).quantile(0.99), within(2.5));
        assertThat(new TrafficModel.Lognormal(25, 0.35).quantile(0.99)).isCloseTo(56.44, within(0.02));
    }

    @Test
    void shouldFollowTheDailyAndWeeklyShape() {
        TrafficModel m = TrafficModel.standard().withRate(1.5);
        // Thursday 2026-11-26 and Saturday 2026-11-28.
        Out thu = run(m, List.of(), 5, T0, T0.plusSeconds(86_400));
        long peak = countBetween(thu, 13.5, 14.5);
        long trough = countBetween(thu, 1.5, 2.5);
        // Model: 1.5 / 0.5 = 3 at the hour's centre; averaged over the hour slightly less.
        assertThat(peak / (double) trough).isBetween(2.6, 3.4);
        Instant sat = T0.plusSeconds(2 * 86_400);
        Out satOut = run(m, List.of(), 5, sat, sat.plusSeconds(86_400));
        long thuRequests = thu.metrics().stream().filter(e -> e.getRoute() != null).count();
        long satRequests = satOut.metrics().stream().filter(e -> e.getRoute() != null).count();
        assertThat(thuRequests / (double) satRequests).isCloseTo(1.08 / 0.8, within(0.05));
    }

    @Test
    void shouldMakeEveryIncidentMeasurableInTheData() {
        TrafficModel m = TrafficModel.standard().withRate(600);
        Instant from = T0.plusSeconds(12 * 3600);
        Instant is = from.plusSeconds(300);
        Instant ie = from.plusSeconds(600);
        List<Incident> inc = List.of(
            new Incident(IncidentKind.LATENCY_SPIKE, "catalog", "/api/search", is, ie, 5),
            new Incident(IncidentKind.ERROR_BURST, "checkout", "/api/cart/{id}", is, ie, 0.3),
            new Incident(IncidentKind.TRAFFIC_SURGE, "users", null, is, ie, 3),
            new Incident(IncidentKind.SLOW_DATABASE, "payments", null, is, ie, 8));
        Out o = run(m, inc, 11, from, from.plusSeconds(900));
        Predicate<MetricEvent> during = e -> !e.getTimestamp().isBefore(is) && e.getTimestamp().isBefore(ie);
        Predicate<MetricEvent> before = e -> e.getTimestamp().isBefore(is);
        Predicate<MetricEvent> search = e -> TrafficModel.HTTP.equals(e.getMetric()) && "/api/search".equals(e.getRoute());
        assertThat(median(o.metrics(), search.and(during)) / median(o.metrics(), search.and(before))).isCloseTo(5, within(0.5));
        Predicate<MetricEvent> cart = e -> TrafficModel.HTTP.equals(e.getMetric()) && "/api/cart/{id}".equals(e.getRoute());
        assertThat(errorShare(o.metrics(), cart.and(during))).isCloseTo(0.3, within(0.04));
        assertThat(errorShare(o.metrics(), cart.and(before))).isLessThan(0.02);
        Predicate<MetricEvent> users = e -> TrafficModel.HTTP.equals(e.getMetric()) && "users".equals(e.getService());
        double ratio = o.metrics().stream().filter(users.and(during)).count()
            / (double) o.metrics().stream().filter(users.and(before)).count();
        assertThat(ratio).isCloseTo(3, within(0.3));
        Predicate<MetricEvent> db = e -> TrafficModel.DB.equals(e.getMetric()) && "payments".equals(e.getService());
        assertThat(median(o.metrics(), db.and(during)) / median(o.metrics(), db.and(before))).isCloseTo(8, within(1.0));
        // Untouched series stay put.
        Predicate<MetricEvent> products = e -> TrafficModel.HTTP.equals(e.getMetric()) && "/api/products".equals(e.getRoute());
        assertThat(median(o.metrics(), products.and(during)) / median(o.metrics(), products.and(before))).isCloseTo(1, within(0.08));
    }

    @Test
    void shouldRollABadReleaseOutToHalfTheServiceAndBackWithTheRouteSlowerOnlyInTheNewVersion() {
        TrafficModel m = TrafficModel.standard();
        Incident bad = new Incident(IncidentKind.BAD_RELEASE, "catalog", "/api/products/{id}", T0.plusSeconds(600),
            T0.plusSeconds(1800), 1.3);
        Out out = run(m, List.of(bad), 5, T0, T0.plusSeconds(2400));
        List<MetricEvent> http = out.metrics().stream().filter(e -> e.getMetric().equals(TrafficModel.HTTP)).toList();
        assertThat(http).allSatisfy(e -> assertThat(e.getServiceVersion()).isIn(TrafficModel.VERSION, TrafficModel.CANARY_VERSION));
        assertThat(http).filteredOn(e -> !bad.activeAt(e.getTimestamp()) || !e.getService().equals("catalog"))
            .allSatisfy(e -> assertThat(e.getServiceVersion()).isEqualTo(TrafficModel.VERSION));
        List<MetricEvent> during = http.stream().filter(e -> bad.activeAt(e.getTimestamp()) && e.getService().equals("catalog")).toList();
        long canary = during.stream().filter(e -> e.getServiceVersion().equals(TrafficModel.CANARY_VERSION)).count();
        assertThat((double) canary / during.size()).isCloseTo(TrafficModel.CANARY_SHARE, within(0.03));
        double oldP95 = p95(during, "/api/products/{id}", TrafficModel.VERSION);
        double newP95 = p95(during, "/api/products/{id}", TrafficModel.CANARY_VERSION);
        assertThat(newP95 / oldP95).isCloseTo(1.3, within(0.1));
        assertThat(p95(during, "/api/products", TrafficModel.CANARY_VERSION) / p95(during, "/api/products", TrafficModel.VERSION))
            .isCloseTo(1.0, within(0.1));
        double newErrors = during.stream().filter(e -> e.getRoute().equals("/api/products/{id}")
                && e.getServiceVersion().equals(TrafficModel.CANARY_VERSION))
            .mapToDouble(e -> e.getOutcome() == Outcome.ERROR ? 1 : 0).average().orElseThrow();
        assertThat(newErrors).isCloseTo(TrafficModel.CANARY_EXTRA_ERRORS + 0.001, within(0.01));
        // the traffic before the release is the same as without it
        Out calm = run(m, List.of(), 5, T0, T0.plusSeconds(600));
        assertThat(out.metrics().subList(0, calm.metrics().size())).isEqualTo(calm.metrics());
    }

    private static double p95(List<MetricEvent> events, String route, String version) {
        double[] v = events.stream().filter(e -> e.getRoute().equals(route) && e.getServiceVersion().equals(version))
            .mapToDouble(MetricEvent::getValue).sorted().toArray();
        return v[(int) (0.95 * (v.length - 1))];
    }

    @Test
    void shouldScriptOneIncidentOfEachKindWithoutOverlapAfterABaseline() {
        Instant to = T0.plusSeconds(86_400);
        List<Incident> inc = IncidentSchedules.scripted(T0, to, 99);
        assertThat(inc).extracting(Incident::kind).containsExactly(IncidentKind.LATENCY_SPIKE, IncidentKind.ERROR_BURST,
            IncidentKind.TRAFFIC_SURGE, IncidentKind.SLOW_DATABASE); // bad releases only where asked (the demo)
        for (int i = 0; i < inc.size(); i++) {
            Incident a = inc.get(i);
            assertThat(a.start()).isAfterOrEqualTo(T0.plusSeconds(86_400 / 5));
            assertThat(a.end()).isBeforeOrEqualTo(to);
            if (i > 0) {
                assertThat(a.start()).isAfterOrEqualTo(inc.get(i - 1).end());
            }
        }
    }

    @Test
    void shouldProduceOnlyEventsTheValidatorAccepts() {
        Instant from = T0.plusSeconds(3600);
        Instant to = from.plusSeconds(600);
        Out o = run(TrafficModel.standard().withRate(300), IncidentSchedules.scripted(from, to, 2), 2, from, to);
        EventValidator v = EventValidator.withDefaults(Clock.fixed(to, ZoneOffset.UTC));
        assertThat(o.metrics().stream().filter(e -> !v.check(e).isEmpty())).isEmpty();
        assertThat(o.rum().stream().filter(e -> !v.check(e).isEmpty())).isEmpty();
        assertThat(o.metrics().size() + o.rum().size()).isGreaterThan(90_000);
        assertThat(o.metrics()).allSatisfy(e -> assertThat(e.getTimestamp()).isBetween(from, to));
    }

    @Test
    void shouldPaceTicksBySpeedup() {
        List<Long> deadlines = new ArrayList<>();
        LoadGenerator.Pacer fake = new LoadGenerator.Pacer() {
            @Override
            public long nanoTime() {
                return 1_000;
            }

            @Override
            public void parkUntil(long nanos) {
                deadlines.add(nanos);
            }
        };
        new LoadGenerator(TrafficModel.standard(), List.of(), 1, fake).generate(T0, T0.plusSeconds(5), 10, e -> { }, e -> { });
        // Simulated second k ends at wall 1000 ns + k / 10 s.
        assertThat(deadlines).containsExactly(100_001_000L,
            200_001_000L, 300_001_000L, 400_001_000L, 500_001_000L);
    }

    static long countBetween(Out o, double fromHour, double toHour) {
        return o.metrics().stream().filter(e -> e.getRoute() != null).filter(e -> {
            double h = (e.getTimestamp().getEpochSecond() % 86_400) / 3600.0;
            return h >= fromHour && h < toHour;
        }).count();
    }

    static List<MetricEvent> filter(List<MetricEvent> l, Predicate<MetricEvent> p) {
        return l.stream().filter(p).toList();
    }

    static double median(List<MetricEvent> l, Predicate<MetricEvent> p) {
        double[] v = l.stream().filter(p).mapToDouble(MetricEvent::getValue).sorted().toArray();
        assertThat(v.length).as("sample size").isGreaterThan(50);
        return quantile(v, 0.5);
    }

    static double errorShare(List<MetricEvent> l, Predicate<MetricEvent> p) {
        List<MetricEvent> f = filter(l, p);
        assertThat(f.size()).as("sample size").isGreaterThan(100);
        return f.stream().filter(e -> e.getOutcome() == Outcome.ERROR).count() / (double) f.size();
    }

    static double quantile(double[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }
}
