package dev.perfstream.streams.alerts.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.AttributionCause;
import dev.perfstream.streams.alerts.attribution.Candidate.Kind;
import dev.perfstream.streams.alerts.attribution.Ring.Point;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Attribution with known inputs: one service, 1-minute windows 0..6; windows 0-4 are the baseline, 5 and 6 breach
 * (the alert fired on window 6, its breach began with window 5). Each scripted incident kind (a slow statement, a cold
 * cache, CPU saturation, a slowdown in the route's own code) must rank its injected cause first with the exact share.
 */
class BottlenecksTest {
    static final long MIN = 60_000;
    static final long T0 = 1_790_000_000_000L / MIN * MIN;
    static final int BASE = 5;
    static final int WINDOWS = 7;
    static final String CART = "SELECT * FROM cart_items WHERE cart_id = ?";
    static final String ORDERS = "INSERT INTO orders (...) VALUES (?)";
    static final Candidate ROUTE = new Candidate(Kind.ROUTE, "http.server.duration", "/api/cart/{id}");
    static final Candidate OTHER_ROUTE = new Candidate(Kind.ROUTE, "http.server.duration", "/api/checkout");
    static final Candidate DB = new Candidate(Kind.DB, "db.query.duration", "/api/cart/{id}");
    static final Candidate CACHE_TIME = new Candidate(Kind.CACHE_TIME, "cache.lookup", "/api/cart/{id}");
    static final Candidate CPU = new Candidate(Kind.CPU, "cpu.utilization", "-");
    static final Candidate MEMORY = new Candidate(Kind.MEMORY, "memory.used", "-");
    static final Candidate STMT_CART = new Candidate(Kind.STATEMENT, CART, "-");
    static final Candidate STMT_ORDERS = new Candidate(Kind.STATEMENT, ORDERS, "-");
    static final Candidate CART_CACHE = new Candidate(Kind.CACHE, "cart-cache", "-");
    static final Candidate SESSION_CACHE = new Candidate(Kind.CACHE, "session-cache", "-");
    static final AttributionConfig CONFIG = AttributionConfig.defaults();

    static long end(int w) {
        return T0 + (w + 1) * MIN;
    }

    static boolean breach(int w) {
        return w >= BASE;
    }

    /** A series with {@code count} events per window and mean {@code mean(w)} (p95 = 2 x mean). */
    static Ring series(String unit, long count, IntToDoubleFunction mean) {
        List<Point> ps = new ArrayList<>();
        for (int w = 0; w < WINDOWS; w++) {
            double m = mean.applyAsDouble(w);
            ps.add(new Point(end(w), count, 0, m * count, m, 1.8 * m, 2 * m, 3 * m));
        }
        return new Ring(unit, ps);
    }

    /** A cache view: {@code lookups} per window, {@code misses(w)} of them misses. */
    static Ring cache(long lookups, IntToDoubleFunction misses) {
        List<Point> ps = new ArrayList<>();
        for (int w = 0; w < WINDOWS; w++) {
            ps.add(new Point(end(w), lookups, (long) misses.applyAsDouble(w), 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN));
        }
        return new Ring("ratio", ps);
    }

    /**
     * The calm service: /api/cart/{id} 1000 requests a window at 50 ms mean, 10 ms of DB time per request (one
     * cart_items query of 10 ms each), 0.5 ms of cache time per request (1000 lookups, 100 misses); /api/checkout
     * 200 requests at 180 ms with one orders insert of 12 ms each; CPU at 25 % +-1, memory at 600 MB +-5.
     */
    static Map<Candidate, Ring> calm() {
        Map<Candidate, Ring> h = new HashMap<>();
        h.put(ROUTE, series("ms", 1000, w -> 50));
        h.put(OTHER_ROUTE, series("ms", 200, w -> 180));
        h.put(DB, series("ms", 1000, w -> 10));
        h.put(CACHE_TIME, series("ms", 1000, w -> 0.5));
        h.put(STMT_CART, series("ms", 1000, w -> 10));
        h.put(STMT_ORDERS, series("ms", 200, w -> 12));
        h.put(CART_CACHE, cache(1000, w -> 100));
        h.put(SESSION_CACHE, cache(5000, w -> 250));
        h.put(CPU, series("percent", 12, w -> 25 + (w % 2 == 0 ? 1 : -1)));
        h.put(MEMORY, series("bytes", 12, w -> 600e6 + (w % 2 == 0 ? 5e6 : -5e6)));
        return h;
    }

    static Attribution attribute(Map<Candidate, Ring> h) {
        return Bottlenecks.attribute(new Bottlenecks.Target(ROUTE, "p95", h.get(ROUTE).at(end(WINDOWS - 1)).p95(),
            end(WINDOWS - 1), end(BASE - 1)), h, CONFIG);
    }

    @Test
    void shouldPutAnInjectedSlowStatementFirstWithItsExactShare() {
        Map<Candidate, Ring> h = calm();
        // The cart_items query goes from 10 to 202 ms: +192 ms per request of a route that is +240 ms slower.
        h.put(ROUTE, series("ms", 1000, w -> breach(w) ? 290 : 50));
        h.put(DB, series("ms", 1000, w -> breach(w) ? 202 : 10));
        h.put(STMT_CART, series("ms", 1000, w -> breach(w) ? 202 : 10));

        Attribution a = attribute(h);

        assertThat(a.getBaselineWindows()).isEqualTo(5);
        assertThat(a.getAlertWindows()).isEqualTo(2);
        assertThat(a.getMeanDelta()).isCloseTo(240, within(1e-9));
        assertThat(a.getStatisticDelta()).isCloseTo(480, within(1e-9)); // p95 = 2 x mean: 580 against 100
        assertThat(a.getCauses()).hasSize(1);
        AttributionCause top = a.getCauses().get(0);
        assertThat(top.getKind()).isEqualTo("db_statement");
        assertThat(top.getName()).isEqualTo(CART);
        assertThat(top.getShare()).isCloseTo(0.8, within(1e-9));
        assertThat(top.getDeltaMs()).isCloseTo(192, within(1e-9));
        assertThat(top.getDetail()).isEqualTo("mean 10.0 ms -> 202 ms");
        assertThat(a.getUnexplained()).isCloseTo(0.2, within(1e-9));
        assertThat(Bottlenecks.text(a)).isEqualTo("attribution: p95 +480 ms, mean +240 ms per request against the 5 windows"
            + " before: 80 % of it in DB statement `" + CART + "` (mean 10.0 ms -> 202 ms), 20 % unexplained");
    }

    @Test
    void shouldPutAColdCacheFirstAndNameTheCacheWhoseMissesRose() {
        Map<Candidate, Ring> h = calm();
        // cart-cache hit ratio 90 % -> 40 %: cache time 0.5 -> 60.5 ms per request (+60 of the route's +75).
        h.put(ROUTE, series("ms", 1000, w -> breach(w) ? 125 : 50));
        h.put(CACHE_TIME, series("ms", 1000, w -> breach(w) ? 60.5 : 0.5));
        h.put(CART_CACHE, cache(1000, w -> breach(w) ? 600 : 100));

        Attribution a = attribute(h);

        assertThat(a.getCauses()).extracting(AttributionCause::getKind, AttributionCause::getName)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("cache", "cart-cache"));
        assertThat(a.getCauses().get(0).getShare()).isCloseTo(0.8, within(1e-9));
        assertThat(a.getCauses().get(0).getDetail()).isEqualTo("hit ratio 90 % -> 40 %");
        assertThat(a.getUnexplained()).isCloseTo(0.2, within(1e-9));
    }

    @Test
    void shouldGiveCpuSaturationWhatTheTimedDependenciesLeave() {
        Map<Candidate, Ring> h = calm();
        // Every request 3x slower, DB and cache unchanged; CPU 25 % -> 97 %.
        h.put(ROUTE, series("ms", 1000, w -> breach(w) ? 150 : 50));
        h.put(CPU, series("percent", 12, w -> breach(w) ? 97 : 25 + (w % 2 == 0 ? 1 : -1)));

        Attribution a = attribute(h);

        assertThat(a.getCauses()).hasSize(1);
        AttributionCause top = a.getCauses().get(0);
        assertThat(top.getKind()).isEqualTo("cpu");
        assertThat(top.getName()).isEqualTo("cpu.utilization");
        assertThat(top.getShare()).isCloseTo(1.0, within(1e-9));
        assertThat(top.getDeltaMs()).isNull();
        assertThat(top.getBefore()).isCloseTo(25.2, within(1e-9)); // windows 0-4: 26, 24, 26, 24, 26
        assertThat(top.getAfter()).isCloseTo(97, within(1e-9));
        assertThat(top.getDetail()).isEqualTo("25.2 -> 97.0 %");
        assertThat(a.getUnexplained()).isCloseTo(0, within(1e-9));
    }

    @Test
    void shouldSayUnexplainedWhenNothingMovedWithTheRoute() {
        Map<Candidate, Ring> h = calm();
        // The route's own code: 5x slower, every dependency as before.
        h.put(ROUTE, series("ms", 1000, w -> breach(w) ? 250 : 50));

        Attribution a = attribute(h);

        assertThat(a.getCauses()).isEmpty();
        assertThat(a.getUnexplained()).isEqualTo(1.0);
        assertThat(a.getNote()).isEqualTo("no DB, cache, downstream or resource series of the service moved with it");
        assertThat(Bottlenecks.text(a)).isEqualTo("attribution: p95 +400 ms, mean +200 ms per request against the 5 windows"
            + " before: unexplained (no DB, cache, downstream or resource series of the service moved with it)");
    }

    @Test
    void shouldRankSeveralCausesByShareAndLeaveOutTheSmallOnes() {
        Map<Candidate, Ring> h = calm();
        // +100 ms: 50 DB (cart_items), 30 cache (cart-cache), 3 downstream (under the 5 % floor), 17 nowhere.
        h.put(ROUTE, series("ms", 1000, w -> breach(w) ? 150 : 50));
        h.put(DB, series("ms", 1000, w -> breach(w) ? 60 : 10));
        h.put(STMT_CART, series("ms", 1000, w -> breach(w) ? 60 : 10));
        h.put(CACHE_TIME, series("ms", 1000, w -> breach(w) ? 30.5 : 0.5));
        h.put(CART_CACHE, cache(1000, w -> breach(w) ? 400 : 100));
        h.put(new Candidate(Kind.DOWNSTREAM, "http.client.request.duration", "/api/cart/{id}"),
            series("ms", 1000, w -> breach(w) ? 23 : 20));

        Attribution a = attribute(h);

        assertThat(a.getCauses()).extracting(AttributionCause::getName).containsExactly(CART, "cart-cache");
        assertThat(a.getCauses()).extracting(AttributionCause::getShare)
            .satisfiesExactly(s -> assertThat(s).isCloseTo(0.5, within(1e-9)), s -> assertThat(s).isCloseTo(0.3, within(1e-9)));
        assertThat(a.getUnexplained()).isCloseTo(0.2, within(1e-9));
    }

    @Test
    void shouldSplitTheDbShareOverTheStatementsThatRoseAndScaleOverlapsToTheWhole() {
        Map<Candidate, Ring> h = calm();
        // DB time +120 ms per request of a route +100 ms slower (something else got 20 ms faster). The route's 1000
        // DB calls a window are not the executions of any set of statements (cart_items runs 900 times: another
        // route runs it too, or the route runs one not in the top N), so the share is split over the statements that
        // rose, by their rise over the whole service: cart_items 3x as much as orders.
        h.put(ROUTE, series("ms", 1000, w -> breach(w) ? 150 : 50));
        h.put(DB, series("ms", 1000, w -> breach(w) ? 130 : 10));
        h.put(STMT_CART, series("ms", 900, w -> breach(w) ? 130 : 10));     // +108 000 ms a window
        h.put(STMT_ORDERS, series("ms", 200, w -> breach(w) ? 12 + 180 : 12)); // +36 000 ms a window

        Attribution a = attribute(h);

        assertThat(a.getCauses()).extracting(AttributionCause::getName).containsExactly(CART, ORDERS);
        assertThat(a.getCauses().get(0).getShare()).isCloseTo(0.75, within(1e-9));
        assertThat(a.getCauses().get(1).getShare()).isCloseTo(0.25, within(1e-9));
        assertThat(a.getUnexplained()).isCloseTo(0, within(1e-9));
        assertThat(a.getNote()).isEqualTo("statements not tied to the route by their counts: split by their rise over the"
            + " whole service; timed causes came to 120 % of the change, scaled to 100 %");
    }

    @Test
    void shouldNameTheRoutesOwnStatementWhenItsCountsTieItToTheRouteEvenIfAnotherRoseMore() {
        Map<Candidate, Ring> h = calm();
        // A slow database: every statement slower. The route's 1000 DB calls a window are exactly cart_items' 1000
        // executions (orders runs 200 times, for /api/checkout), so its DB share is cart_items', although orders rose
        // more over the whole service.
        h.put(ROUTE, series("ms", 1000, w -> breach(w) ? 150 : 50));
        h.put(DB, series("ms", 1000, w -> breach(w) ? 110 : 10));
        h.put(STMT_CART, series("ms", 1000, w -> breach(w) ? 110 : 10));     // +100 000 ms a window
        h.put(STMT_ORDERS, series("ms", 200, w -> breach(w) ? 12 + 800 : 12)); // +160 000 ms a window
        h.put(OTHER_ROUTE, series("ms", 200, w -> breach(w) ? 980 : 180));

        Attribution a = attribute(h);

        assertThat(a.getCauses()).singleElement().satisfies(c -> {
            assertThat(c.getName()).isEqualTo(CART);
            assertThat(c.getShare()).isCloseTo(1.0, within(1e-9));
        });
        assertThat(a.getNote()).isNull();
    }

    @Test
    void shouldCountServiceLevelDbTimeAsAnUpperBoundWhenItCarriesNoRoute() {
        Map<Candidate, Ring> h = calm();
        h.remove(DB);
        h.put(new Candidate(Kind.DB, "db.client.operation.duration", "-"), series("ms", 1200, w -> breach(w) ? 110 : 10));
        h.put(ROUTE, series("ms", 1000, w -> breach(w) ? 250 : 50));
        h.put(STMT_CART, series("ms", 1200, w -> breach(w) ? 110 : 10));

        Attribution a = attribute(h);

        // 1200 x 100 ms more DB time a window, all taken as the route's 1000 requests': 120 ms of its +200 ms.
        assertThat(a.getCauses()).singleElement().satisfies(c -> {
            assertThat(c.getName()).isEqualTo(CART);
            assertThat(c.getShare()).isCloseTo(0.6, within(1e-9));
        });
        assertThat(a.getNote()).isEqualTo("DB time carries no route: its share is an upper bound");
    }

    @Test
    void shouldKeepTheMetricWhenNoStatementOrCacheViewRose() {
        Map<Candidate, Ring> h = calm();
        h.remove(STMT_CART);
        h.remove(STMT_ORDERS);
        h.remove(CART_CACHE);
        h.remove(SESSION_CACHE);
        h.put(ROUTE, series("ms", 1000, w -> breach(w) ? 150 : 50));
        h.put(DB, series("ms", 1000, w -> breach(w) ? 70 : 10));
        h.put(CACHE_TIME, series("ms", 1000, w -> breach(w) ? 40.5 : 0.5));

        Attribution a = attribute(h);

        assertThat(a.getCauses()).extracting(AttributionCause::getKind, AttributionCause::getName).containsExactly(
            org.assertj.core.groups.Tuple.tuple("db", "db.query.duration"),
            org.assertj.core.groups.Tuple.tuple("cache", "cache.lookup"));
        assertThat(Bottlenecks.text(a)).endsWith(": 60 % of it in DB time (db.query.duration), 40 % cache lookups");
    }

    @Test
    void shouldSaySoWithoutABaselineOrWhenTheMeanDidNotRise() {
        Map<Candidate, Ring> h = calm();
        Attribution none = Bottlenecks.attribute(new Bottlenecks.Target(ROUTE, "p95", 100, end(WINDOWS - 1), end(-1)), h,
            CONFIG);
        assertThat(none.getBaselineWindows()).isZero();
        assertThat(none.getCauses()).isEmpty();
        assertThat(none.getNote()).isEqualTo("no baseline yet: no window of the route before the breach");
        assertThat(Bottlenecks.text(none)).isNull();

        Attribution flat = attribute(h); // the tail may breach while the mean stays put
        assertThat(flat.getMeanDelta()).isZero();
        assertThat(flat.getCauses()).isEmpty();
        assertThat(flat.getNote()).isEqualTo("the route's mean latency did not rise (50.0 ms -> 50.0 ms): no time to attribute");
        assertThat(Bottlenecks.text(flat)).endsWith("before: the mean did not rise, nothing to attribute");
    }

    @Test
    void shouldUseOnlyTheConfiguredBaselineWindowsBeforeTheBreach() {
        Map<Candidate, Ring> h = calm();
        // Windows 0 and 1 were slower (another incident); with 3 baseline windows only 2-4 count.
        h.put(ROUTE, series("ms", 1000, w -> w < 2 ? 500 : breach(w) ? 150 : 50));
        AttributionConfig three = new AttributionConfig(true, 3, 10, java.time.Duration.ofSeconds(5), 256, 0.05, 5);
        Attribution a = Bottlenecks.attribute(new Bottlenecks.Target(ROUTE, "p95", 300, end(WINDOWS - 1), end(BASE - 1)), h,
            three);
        assertThat(a.getBaselineWindows()).isEqualTo(3);
        assertThat(a.getMeanDelta()).isCloseTo(100, within(1e-9));
    }
}
