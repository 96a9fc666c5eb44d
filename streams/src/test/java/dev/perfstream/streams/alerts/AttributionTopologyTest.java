package dev.perfstream.streams.alerts;

import static dev.perfstream.streams.alerts.StatsFixtures.MINUTE;
import static dev.perfstream.streams.alerts.StatsFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.alerts.attribution.Feed;
import dev.perfstream.streams.alerts.rule.RuleSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bottleneck attribution through the alerts topology: perf.stats windows of checkout (its cart route, the route's DB
 * and cache time, CPU), perf.queries statements and perf.cache caches, with the default rules. The cart_items
 * statement slows down in windows 5 and 6: api-latency-p95 fires on window 6 (for: 2) and its FIRING names the
 * statement first, with its share, in the record and in the summary.
 */
class AttributionTopologyTest {
    static final Settings JSON = Settings.of(Map.of());
    static final RecordCodec<WindowStats> STATS = Codecs.create(WindowStats.getClassSchema(), JSON);
    static final RecordCodec<QueryStats> QUERIES = Codecs.create(QueryStats.getClassSchema(), JSON);
    static final RecordCodec<CacheStats> CACHES = Codecs.create(CacheStats.getClassSchema(), JSON);
    static final RecordCodec<Alert> ALERTS = AlertsTopologyTest.ALERTS;
    static final String SERVICE = "checkout";
    static final String ROUTE = "/api/cart/{id}";
    static final String CART = "SELECT * FROM cart_items WHERE cart_id = ?";
    static final String ORDERS = "INSERT INTO orders (...) VALUES (?)";

    @TempDir
    Path tmp;
    TopologyTestDriver driver;
    TestInputTopic<byte[], byte[]> stats;
    TestInputTopic<byte[], byte[]> queries;
    TestInputTopic<byte[], byte[]> caches;
    TestOutputTopic<byte[], byte[]> out;

    void start(Map<String, String> keys, boolean derived) throws Exception {
        Map<String, String> m = new HashMap<>(keys);
        m.put("state.dir", tmp.resolve("state").toString());
        AlertsConfig c = AlertsConfig.from(Settings.of(m));
        AlertsTopology.Wire wire = new AlertsTopology.Wire(STATS, ALERTS, AlertsTopologyTest.DEAD);
        Properties p = AlertsApp.properties(c, JSON);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        Supplier<RuleSet> rules = AlertsTopologyTest.defaults();
        driver = new TopologyTestDriver(AlertsTopology.build(c, wire, derived
            ? new AlertsTopology.Derived(Topics.QUERIES, Topics.CACHE, QUERIES, CACHES) : AlertsTopology.Derived.NONE, rules,
            Clock.fixed(T0, ZoneOffset.UTC)), p, T0);
        stats = driver.createInputTopic(Topics.STATS, new ByteArraySerializer(), new ByteArraySerializer());
        if (derived) {
            queries = driver.createInputTopic(Topics.QUERIES, new ByteArraySerializer(), new ByteArraySerializer());
            caches = driver.createInputTopic(Topics.CACHE, new ByteArraySerializer(), new ByteArraySerializer());
        }
        out = driver.createOutputTopic(Topics.ALERTS, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    static Instant start(int w) {
        return T0.plus(MINUTE.multipliedBy(w));
    }

    static WindowStats window(String metric, String route, int w, double value, long count) {
        return StatsFixtures.metric(metric, SERVICE, route, start(w), MINUTE, value, count, 0);
    }

    static QueryStats statement(String statement, int w, double mean, long count) {
        return QueryStats.newBuilder().setService(SERVICE).setWindowStart(start(w)).setWindowEnd(start(w).plus(MINUTE))
            .setStatement(statement).setOverflow(false).setRank(1).setCount(count).setErrors(0).setTotalMs(mean * count)
            .setMeanMs(mean).setP50(mean).setP95(2 * mean).setP99(3 * mean).setMaxMs(4 * mean).setShare(0.5)
            .setServiceTotalMs(2 * mean * count).setStatements(2).setFoldedStatements(false).build();
    }

    static CacheStats cache(String name, int w, long hits, long misses) {
        return CacheStats.newBuilder().setService(SERVICE).setCache(name).setWindowStart(start(w))
            .setWindowEnd(start(w).plus(MINUTE)).setHits(hits).setMisses(misses)
            .setHitRatio((double) hits / (hits + misses)).setHitMeanMs(0.3).setMissMeanMs(4.0).setMissPenalty(13.3).build();
    }

    void send(WindowStats s) {
        stats.pipeInput(s.getService().getBytes(StandardCharsets.UTF_8), STATS.encode(Topics.STATS, s), s.getWindowEnd());
    }

    /** A perf.stats record as the stats task {@code task} writes it (with its task header). */
    void send(WindowStats s, String task) {
        stats.pipeInput(new TestRecord<>(s.getService().getBytes(StandardCharsets.UTF_8), STATS.encode(Topics.STATS, s),
            new RecordHeaders().add(Feed.TASK_HEADER, task.getBytes(StandardCharsets.UTF_8)), s.getWindowEnd()));
    }

    void send(QueryStats q) {
        queries.pipeInput(SERVICE.getBytes(StandardCharsets.UTF_8), QUERIES.encode(Topics.QUERIES, q), q.getWindowEnd());
    }

    void send(CacheStats c) {
        caches.pipeInput(SERVICE.getBytes(StandardCharsets.UTF_8), CACHES.encode(Topics.CACHE, c), c.getWindowEnd());
    }

    /** The api-latency-p95 alerts so far (db-query-mean fires too on the slow DB windows, unheld: class database). */
    List<Alert> alerts() throws DecodeException {
        List<Alert> as = new ArrayList<>();
        for (TestRecord<byte[], byte[]> r : out.readRecordsToList()) {
            Alert a = ALERTS.decode(Topics.ALERTS, r.value());
            if (a.getRule().equals("api-latency-p95")) {
                as.add(a);
            } else {
                assertThat(a.getAttribution()).as(a.getRule()).isNull();
            }
        }
        return as;
    }

    /** The route's window first, then everything else of the window: what the stats stage emits together. */
    void window(int w, boolean slow, boolean derived) {
        send(window("http.server.duration", ROUTE, w, slow ? 290 : 50, 1000));
        send(window("http.server.duration", "/api/checkout", w, 180, 200));
        send(window("db.query.duration", ROUTE, w, slow ? 202 : 10, 1000));
        send(window("db.query.duration", "/api/checkout", w, 12, 200));
        send(window("cache.lookup", ROUTE, w, 0.5, 1000));
        send(window("cpu.utilization", "-", w, 25 + (w % 2 == 0 ? 1 : -1), 12));
        if (derived) {
            send(statement(CART, w, slow ? 202 : 10, 1000));
            send(statement(ORDERS, w, 12, 200));
            send(cache("cart-cache", w, 900, 100));
        }
    }

    @Test
    void shouldNameTheSlowStatementFirstOnTheFiringAlertOnceItsWindowsRecordsAreIn() throws Exception {
        start(Map.of(), true);
        for (int w = 0; w < 6; w++) {
            window(w, w == 5, true);
        }
        assertThat(alerts()).isEmpty(); // window 5 breaches: pending (for: 2)
        send(window("http.server.duration", ROUTE, 6, 290, 1000));
        assertThat(alerts()).as("held until the window's dependency records are in").isEmpty();
        send(window("http.server.duration", "/api/checkout", 6, 180, 200));
        send(window("db.query.duration", ROUTE, 6, 202, 1000));
        send(window("db.query.duration", "/api/checkout", 6, 12, 200));
        send(window("cache.lookup", ROUTE, 6, 0.5, 1000));
        send(window("cpu.utilization", "-", 6, 25, 12));
        send(statement(CART, 6, 202, 1000));
        send(statement(ORDERS, 6, 12, 200));
        assertThat(alerts()).as("the cache view of window 6 is still missing").isEmpty();
        send(cache("cart-cache", 6, 900, 100));

        List<Alert> firing = alerts();
        assertThat(firing).singleElement().satisfies(a -> {
            assertThat(a.getRule()).isEqualTo("api-latency-p95");
            assertThat(a.getState()).isEqualTo(AlertState.FIRING);
            assertThat(a.getAttribution().getBaselineWindows()).isEqualTo(5);
            assertThat(a.getAttribution().getAlertWindows()).isEqualTo(2);
            assertThat(a.getAttribution().getMeanDelta()).isCloseTo(240, within(1e-9));
            assertThat(a.getAttribution().getCauses()).hasSize(1);
            assertThat(a.getAttribution().getCauses().get(0).getKind()).isEqualTo("db_statement");
            assertThat(a.getAttribution().getCauses().get(0).getName()).isEqualTo(CART);
            assertThat(a.getAttribution().getCauses().get(0).getShare()).isCloseTo(0.8, within(1e-9));
            assertThat(a.getAttribution().getUnexplained()).isCloseTo(0.2, within(1e-9));
            assertThat(a.getSummary()).startsWith("PAGE api-latency-p95: p95 290 ms > 200 ms for 2m on "
                + "metric=http.server.duration,service=checkout,route=/api/cart/{id}")
                .endsWith("; attribution: p95 +240 ms, mean +240 ms per request against the 5 windows before: 80 % of it in"
                    + " DB statement `" + CART + "` (mean 10.0 ms -> 202 ms), 20 % unexplained");
        });
        // calm again: resolves after 2 windows, without attribution
        window(7, false, true);
        window(8, false, true);
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.getState()).isEqualTo(AlertState.RESOLVED);
            assertThat(a.getAttribution()).isNull();
        });
    }

    @Test
    void shouldReleaseAHeldAlertAfterTheWaitWhenADependencyWindowNeverComes() throws Exception {
        start(Map.of("alerts.attribution.wait", "3s"), true);
        for (int w = 0; w < 6; w++) {
            window(w, w == 5, true);
        }
        send(window("http.server.duration", ROUTE, 6, 290, 1000));
        send(window("db.query.duration", ROUTE, 6, 202, 1000));
        send(statement(CART, 6, 202, 1000)); // the CPU, cache and orders windows of window 6 never come
        assertThat(alerts()).isEmpty();
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        assertThat(alerts()).isEmpty();
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.getState()).isEqualTo(AlertState.FIRING);
            assertThat(a.getAttribution().getCauses().get(0).getName()).isEqualTo(CART);
            // released with what came, and it says what that was not
            assertThat(a.getAttribution().getNote()).startsWith("partial: perf.stats window 12:06 incomplete (3 series of"
                + " the window before not seen), perf.queries window 12:06 incomplete (1 series of the window before not"
                + " seen), perf.cache window 12:06 not seen");
            assertThat(a.getSummary()).contains("; attribution (partial: perf.stats window 12:06 incomplete");
        });
    }

    @Test
    void shouldReleaseOnTheNextWindowAndAttributeRouteLevelDbTimeWithoutTheStatementTopics() throws Exception {
        start(Map.of(), false);
        for (int w = 0; w < 6; w++) {
            window(w, w == 5, false);
        }
        send(window("http.server.duration", ROUTE, 6, 290, 1000));
        send(window("db.query.duration", ROUTE, 6, 202, 1000)); // no cache, CPU, other route in window 6
        assertThat(alerts()).isEmpty();
        send(window("http.server.duration", ROUTE, 7, 290, 1000)); // the feed moved on: window 6 is complete
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.getAttribution().getCauses()).singleElement().satisfies(c -> {
                assertThat(c.getKind()).isEqualTo("db");
                assertThat(c.getName()).isEqualTo("db.query.duration");
                assertThat(c.getShare()).isCloseTo(0.8, within(1e-9));
            });
            assertThat(a.getSummary()).endsWith("80 % of it in DB time (db.query.duration), 20 % unexplained");
        });
    }

    @Test
    void shouldSayUnexplainedForASlowdownNoDependencyFollowed() throws Exception {
        start(Map.of(), true);
        for (int w = 0; w < 7; w++) {
            send(window("http.server.duration", ROUTE, w, w >= 5 ? 290 : 50, 1000));
            send(window("db.query.duration", ROUTE, w, 10, 1000));
            send(window("cpu.utilization", "-", w, 25 + (w % 2 == 0 ? 1 : -1), 12));
            send(statement(CART, w, 10, 1000));
        }
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.getAttribution().getCauses()).isEmpty();
            assertThat(a.getAttribution().getUnexplained()).isEqualTo(1.0);
            assertThat(a.getSummary()).endsWith("; attribution: p95 +240 ms, mean +240 ms per request against the 5 windows"
                + " before: unexplained (no DB, cache, downstream or resource series of the service moved with it)");
        });
    }

    @Test
    void shouldKeepAtMostTheCappedSeriesPerServiceAndForgetSeriesThatStopped() throws Exception {
        start(Map.of("alerts.attribution.series.max", "8"), true);
        for (int r = 0; r < 20; r++) {
            send(window("http.server.duration", "/r" + r, 0, 50, 10));
        }
        assertThat(storeKeys()).hasSize(8);
        // a later window of one route, far beyond the rings' span: the sweep drops the seven that stopped
        send(window("http.server.duration", "/r0", 100, 50, 10));
        driver.advanceWallClockTime(Duration.ofMillis(AlertProcessor.ATTRIBUTION_SWEEP_MS + 1000));
        assertThat(storeKeys()).singleElement().asString().contains("/r0");
        // each ring holds at most baseline (5) + 10 windows
        for (int w = 101; w < 140; w++) {
            send(window("http.server.duration", "/r0", w, 50, 10));
        }
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(AlertsTopology.ATTRIBUTION_STORE);
        assertThat(store.get(storeKeys().get(0)).length).isEqualTo(1 + 2 + 15 * 64);
    }

    @Test
    void shouldLeaveAlertsAndTheTopologyAsBeforeWhenOff() throws Exception {
        start(Map.of("alerts.attribution.enabled", "false"), true);
        for (int w = 0; w < 7; w++) {
            window(w, w >= 5, true);
        }
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.getAttribution()).isNull();
            assertThat(a.getSummary()).doesNotContain("attribution");
        });
        assertThat(driver.getAllStateStores()).doesNotContainKeys(AlertsTopology.ATTRIBUTION_STORE,
            AlertsTopology.ATTRIBUTION_HELD_STORE);
    }

    private List<String> storeKeys() {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(AlertsTopology.ATTRIBUTION_STORE);
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                keys.add(kv.key);
            }
        }
        return keys;
    }
}
