package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.validate.CardinalityGuard;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** perf.queries and perf.cache from the stats topology, with known inputs and exact expected figures. */
class QueryCacheTopologyTest {
    static final long MIN = 60_000;
    static final long T0 = StatsDriver.NOW.toEpochMilli() - 30 * MIN;

    private static Map<String, String> keys(String... kv) {
        return StatsDriver.oneMinute("stats-qc-test", kv);
    }

    static String db(long ts, String service, String statement, double ms) {
        return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"db.query.duration\","
            + "\"value\":%s,\"unit\":\"ms\",\"dbStatement\":\"%s\"}", ts, service, Double.toString(ms), statement);
    }

    static String lookup(long ts, String service, String cache, boolean hit, double ms) {
        return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"cache.lookup\","
            + "\"value\":%s,\"unit\":\"ms\",\"cache\":\"%s\",\"cacheHit\":%s}", ts, service, Double.toString(ms), cache, hit);
    }

    static String counter(long ts, String service, String metric, String cache, double n) {
        return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"%s\","
            + "\"value\":%s,\"unit\":\"count\",\"cache\":\"%s\"}", ts, service, metric, Double.toString(n), cache);
    }

    /** Moves stream time past the first minute's window and grace. */
    static void close(StatsDriver d) {
        d.sendMetric(StatsDriver.metric(T0 + 5 * MIN, "closer", "/x", 1, "OK"));
    }

    @Test
    void shouldRankTheTopStatementsByTotalTimeWithExactSharesOfTheServicesDbTime() {
        try (StatsDriver d = new StatsDriver(keys("stats.queries.top", "3"))) {
            for (int i = 0; i < 10; i++) { // 10 x 30 ms = 300 ms, raw SQL with other ids each time
                d.sendMetric(db(T0 + i * 1000, "orders", "SELECT * FROM orders WHERE id = " + (1000 + i), 30));
            }
            for (int i = 0; i < 5; i++) { // 5 x 100 ms = 500 ms, IN lists of different lengths
                d.sendMetric(db(T0 + 20_000 + i, "orders", "SELECT * FROM items WHERE order_id IN (" + "7,".repeat(i) + "9)", 100));
            }
            for (int i = 0; i < 4; i++) { // 4 x 25 ms = 100 ms
                d.sendMetric(db(T0 + 30_000 + i, "orders", "UPDATE stock SET n = n - 1 WHERE sku = 'sku-" + i + "'", 25));
            }
            d.sendMetric(db(T0 + 40_000, "orders", "DELETE FROM carts WHERE id = 5", 100)); // 100 ms: ties UPDATE
            d.sendMetric(db(T0 + 41_000, "billing", "SELECT 1", 7)); // another service: its own ranking
            close(d);
            List<QueryStats> q = d.readQueries();
            assertThat(d.readDeadLetters()).isEmpty();
            assertThat(q).filteredOn(r -> r.getService().equals("orders"))
                .extracting(QueryStats::getRank, QueryStats::getStatement, QueryStats::getCount, QueryStats::getTotalMs,
                    QueryStats::getShare, QueryStats::getP95)
                .containsExactly(
                    tuple(1, "SELECT * FROM items WHERE order_id IN (?)", 5L, 500.0, 0.5, 100.0),
                    tuple(2, "SELECT * FROM orders WHERE id = ?", 10L, 300.0, 0.3, 30.0),
                    tuple(3, "DELETE FROM carts WHERE id = ?", 1L, 100.0, 0.1, 100.0));
            QueryStats first = q.stream().filter(r -> r.getService().equals("orders")).findFirst().orElseThrow();
            assertThat(first.getServiceTotalMs()).isEqualTo(1000.0);
            assertThat(first.getStatements()).as("4 statements, 3 in the top").isEqualTo(4);
            assertThat(first.getFoldedStatements()).isFalse();
            assertThat(first.getWindowStart().toEpochMilli()).isEqualTo(T0);
            assertThat(first.getWindowEnd().toEpochMilli()).isEqualTo(T0 + MIN);
            assertThat(q).filteredOn(r -> r.getService().equals("billing"))
                .extracting(QueryStats::getStatement, QueryStats::getShare).containsExactly(tuple("SELECT ?", 1.0));
            // the statement series are not windows of perf.stats; the db metric's own series still is
            List<WindowStats> stats = d.readStats();
            assertThat(stats).extracting(WindowStats::getName).doesNotContain(DetailSeries.STATEMENT)
                .contains("db.query.duration");
            assertThat(stats).filteredOn(s -> s.getName().equals("db.query.duration") && s.getService().equals("orders"))
                .singleElement().extracting(WindowStats::getCount).isEqualTo(20L);
        }
    }

    @Test
    void shouldFoldStatementsBeyondTheCapIntoAnOverflowRowAndSayItKeepingSharesExact() {
        try (StatsDriver d = new StatsDriver(keys("stats.queries.statement.cap", "2"))) {
            d.sendMetric(db(T0, "orders", "SELECT a FROM t1 WHERE id = 1", 10));
            d.sendMetric(db(T0 + 1, "orders", "SELECT b FROM t2 WHERE id = 2", 20));
            d.sendMetric(db(T0 + 2, "orders", "SELECT c FROM t3 WHERE id = 3", 30)); // beyond the cap
            d.sendMetric(db(T0 + 3, "orders", "SELECT d FROM t4 WHERE id = 4", 40)); // beyond the cap
            close(d);
            List<QueryStats> q = d.readQueries();
            assertThat(q).extracting(QueryStats::getStatement, QueryStats::getOverflow, QueryStats::getTotalMs,
                    QueryStats::getShare, QueryStats::getCount)
                .containsExactly(
                    tuple(CardinalityGuard.OVERFLOW, true, 70.0, 0.7, 2L),
                    tuple("SELECT b FROM t2 WHERE id = ?", false, 20.0, 0.2, 1L),
                    tuple("SELECT a FROM t1 WHERE id = ?", false, 10.0, 0.1, 1L));
            assertThat(q).allSatisfy(r -> {
                assertThat(r.getFoldedStatements()).isTrue();
                assertThat(r.getServiceTotalMs()).isEqualTo(100.0);
                assertThat(r.getStatements()).isEqualTo(3);
            });
        }
    }

    @Test
    void shouldGiveExactHitRatiosFromLookupsAndFromCounters() {
        try (StatsDriver d = new StatsDriver(keys())) {
            for (int i = 0; i < 7; i++) {
                d.sendMetric(lookup(T0 + i, "catalog", "product-cache", true, 2));
            }
            for (int i = 0; i < 3; i++) {
                d.sendMetric(lookup(T0 + 100 + i, "catalog", "product-cache", false, 40));
            }
            d.sendMetric(counter(T0 + 1000, "catalog", "cache.hits", "session-cache", 30));
            d.sendMetric(counter(T0 + 2000, "catalog", "cache.hits", "session-cache", 50));
            d.sendMetric(counter(T0 + 3000, "catalog", "cache.misses", "session-cache", 20));
            close(d);
            assertThat(d.readDeadLetters()).isEmpty();
            Map<String, CacheStats> byCache = new LinkedHashMap<>();
            d.readCaches().forEach(c -> byCache.put(c.getCache(), c));
            assertThat(byCache).containsOnlyKeys("product-cache", "session-cache");
            CacheStats p = byCache.get("product-cache");
            assertThat(p.getHits()).isEqualTo(7);
            assertThat(p.getMisses()).isEqualTo(3);
            assertThat(p.getHitRatio()).isEqualTo(0.7);
            assertThat(p.getHitMeanMs()).isEqualTo(2.0);
            assertThat(p.getMissMeanMs()).isEqualTo(40.0);
            assertThat(p.getMissP95()).isEqualTo(40.0);
            assertThat(p.getMissPenalty()).isEqualTo(20.0);
            CacheStats s = byCache.get("session-cache");
            assertThat(s.getHits()).isEqualTo(80);
            assertThat(s.getMisses()).isEqualTo(20);
            assertThat(s.getHitRatio()).isEqualTo(0.8);
            assertThat(s.getHitMeanMs()).as("counters carry no latency").isNull();
            assertThat(s.getMissPenalty()).isNull();
        }
    }

    @Test
    void shouldDeadLetterBadStatementAndCacheFieldsWithTheirReasonAndKeepCountingTheGoodOnes() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put(db(T0, "orders", "SELECT " + "x".repeat(2100), 5), "'dbStatement' is 2107 characters, over the limit of 2048");
        bad.put("{\"timestamp\":" + T0 + ",\"service\":\"orders\",\"metric\":\"db.query.duration\",\"value\":5,"
            + "\"dbStatement\":42}", "dbStatement");
        bad.put("{\"timestamp\":" + T0 + ",\"service\":\"catalog\",\"metric\":\"cache.lookup\",\"value\":1,\"cacheHit\":true}",
            "field 'cache' is missing: a cache.lookup with cacheHit must name its cache");
        bad.put("{\"timestamp\":" + T0 + ",\"service\":\"catalog\",\"metric\":\"cache.hits\",\"value\":3,\"unit\":\"count\"}",
            "field 'cache' is missing: metric cache.hits must name its cache");
        bad.put("{\"timestamp\":" + T0 + ",\"service\":\"catalog\",\"metric\":\"http.server.duration\",\"value\":1,"
            + "\"cache\":\"c\",\"cacheHit\":false}", "field 'cacheHit' is for metric cache.lookup only");
        bad.put("{\"timestamp\":" + T0 + ",\"service\":\"catalog\",\"metric\":\"cache.lookup\",\"value\":NaN,"
            + "\"cache\":\"c\",\"cacheHit\":true}", "finite");
        bad.put(counter(T0, "catalog", "cache.misses", "c", 2.5), "whole number");
        bad.put("{\"timestamp\":" + T0 + ",\"service\":\"catalog\",\"metric\":\"cache.lookup\",\"value\":1,\"unit\":\"count\","
            + "\"cache\":\"c\",\"cacheHit\":true}", "must be a duration");
        try (StatsDriver d = new StatsDriver(keys())) {
            d.sendMetric(lookup(T0, "catalog", "c", true, 1));
            bad.keySet().forEach(d::sendMetric);
            d.sendMetric(lookup(T0 + 1, "catalog", "c", false, 9));
            d.sendMetric(db(T0 + 2, "orders", "SELECT 1", 5));
            close(d);
            List<DeadLetter> dl = d.readDeadLetters();
            assertThat(dl).hasSize(bad.size());
            int i = 0;
            for (String reason : bad.values()) {
                assertThat(dl.get(i).getReason()).as("dead letter " + i).contains(reason);
                assertThat(dl.get(i).getReasonCode()).isIn("validation", "parse");
                i++;
            }
            assertThat(d.readCaches()).singleElement().satisfies(c -> {
                assertThat(c.getHits()).isEqualTo(1);
                assertThat(c.getMisses()).isEqualTo(1);
                assertThat(c.getHitRatio()).isEqualTo(0.5);
            });
            assertThat(d.readQueries()).singleElement().extracting(QueryStats::getShare).isEqualTo(1.0);
        }
    }

    @Test
    void shouldIgnoreStatementsAndCacheFieldsWhenDisabled() {
        try (StatsDriver d = new StatsDriver(keys("stats.queries.enabled", "false"))) {
            d.sendMetric(db(T0, "orders", "SELECT 1", 5));
            d.sendMetric(lookup(T0, "catalog", "c", true, 1));
            close(d);
            assertThat(d.readQueries()).isEmpty();
            assertThat(d.readCaches()).isEmpty();
            assertThat(d.readStats()).extracting(WindowStats::getName).contains("db.query.duration", "cache.lookup");
        }
    }

    @Test
    void shouldWriteStatementAndCacheWindowsOfStatsQueriesWindowAndUpOnlyWithTheSameFiguresAsFromTenSeconds() {
        Map<String, List<String>> bySetting = new LinkedHashMap<>();
        for (String window : new String[] {"10s", "1m"}) {
            try (StatsDriver d = new StatsDriver(keys("stats.windows", "10s,1m", "stats.queries.window", window))) {
                for (int i = 0; i < 60; i++) { // a minute of statements and lookups, one each second
                    d.sendMetric(db(T0 + i * 1000, "orders", "SELECT * FROM orders WHERE id = " + i, 10 + i % 7));
                    d.sendMetric(lookup(T0 + i * 1000 + 1, "orders", "users", i % 4 != 0, i % 4 != 0 ? 1 : 9));
                }
                close(d);
                List<String> out = new java.util.ArrayList<>();
                for (QueryStats q : d.readQueries()) {
                    long size = q.getWindowEnd().toEpochMilli() - q.getWindowStart().toEpochMilli();
                    out.add("queries " + size + " " + q.getWindowStart().toEpochMilli() + " n=" + q.getCount() + " total="
                        + q.getTotalMs() + " p95=" + q.getP95());
                }
                for (CacheStats c : d.readCaches()) {
                    long size = c.getWindowEnd().toEpochMilli() - c.getWindowStart().toEpochMilli();
                    out.add("cache " + size + " " + c.getWindowStart().toEpochMilli() + " hits=" + c.getHits() + " misses="
                        + c.getMisses() + " missP95=" + c.getMissP95());
                }
                assertThat(d.readDeadLetters()).isEmpty();
                // the db metric's own series keeps its 10 s windows either way
                assertThat(d.readStats()).filteredOn(w -> w.getName().equals("db.query.duration")
                    && w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli() == 10_000).hasSize(6);
                bySetting.put(window, out);
            }
        }
        List<String> fromTenSeconds = bySetting.get("10s");
        assertThat(fromTenSeconds).filteredOn(r -> r.contains(" 10000 ")).hasSize(12); // 6 windows, queries and cache
        assertThat(bySetting.get("1m")).containsExactlyInAnyOrderElementsOf(
            fromTenSeconds.stream().filter(r -> !r.contains(" 10000 ")).toList());
        assertThat(bySetting.get("1m")).hasSize(2) // 60 statements of 10-16 ms: 774 ms; 45 hits, 15 misses
            .anyMatch(r -> r.startsWith("queries 60000 " + T0 + " n=60 total=774.0 "))
            .anyMatch(r -> r.startsWith("cache 60000 " + T0 + " hits=45 misses=15 "));
    }

    /**
     * One advance that closes many windows at once (here a late event far ahead; also the idle close or a catch-up after a
     * restart) hands a service's statement and cache windows out in the order of their end: the alerts stage takes a
     * service's newest window end on perf.queries as that topic's time, every earlier window being in.
     */
    @Test
    void shouldWriteTheWindowsThatOneAdvanceClosesInTheOrderOfTheirEnd() {
        try (StatsDriver d = new StatsDriver(keys("stats.grace", "20m"))) {
            for (int m = 0; m < 9; m++) {
                for (String service : List.of("orders", "billing", "catalog")) {
                    d.sendMetric(db(T0 + m * MIN + 1000, service, "SELECT * FROM t WHERE id = " + m, 10 + m));
                    d.sendMetric(lookup(T0 + m * MIN + 2000, service, "users", m % 2 == 0, 2));
                }
            }
            assertThat(d.readQueries()).as("nothing closed before the grace").isEmpty();
            d.sendMetric(StatsDriver.metric(T0 + 29 * MIN, "closer", "/x", 1, "OK")); // closes the 9 minutes at once
            List<QueryStats> q = d.readQueries();
            List<CacheStats> c = d.readCaches();
            assertThat(q).hasSize(27);
            assertThat(c).hasSize(27);
            assertThat(q).extracting(r -> r.getWindowEnd().toEpochMilli()).isSorted();
            assertThat(c).extracting(r -> r.getWindowEnd().toEpochMilli()).isSorted();
            assertThat(q).filteredOn(r -> r.getService().equals("orders")).extracting(QueryStats::getMeanMs)
                .containsExactly(10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0);
        }
    }
}
