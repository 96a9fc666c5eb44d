package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.streams.stats.state.PartialRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Statement and cache series of a service another task owns: forwarded as partials like any series, merged by
 * the owner, and only then ranked (TopologyTestDriver plays one task; the other is played by its partials).
 */
class QueryCacheOwnershipTopologyTest {
    static final long NOW = StatsDriver.NOW.toEpochMilli();
    static final SeriesOwnership TWO = new SeriesOwnership(2, 2);

    private static Map<String, String> keys() {
        Map<String, String> m = new HashMap<>();
        m.put("stats.application.id", "stats-qc-own");
        m.put("stats.store", "memory");
        m.put("stats.windows", "10s");
        m.put("stats.rollup", "off");
        m.put("stats.grace", "5s");
        return m;
    }

    @Test
    void shouldMergeForwardedStatementAndCachePartialsBeforeRanking() {
        String theirs = IntStream.range(0, 100).mapToObj(i -> "svc" + i).filter(s -> TWO.ownerOf(s) == 1).findFirst()
            .orElseThrow();
        String mine = IntStream.range(0, 100).mapToObj(i -> "svc" + i).filter(s -> TWO.ownerOf(s) == 0).findFirst()
            .orElseThrow();
        long t0 = NOW - 120_000;
        List<TestRecord<String, byte[]>> partials;
        try (StatsDriver d = new StatsDriver(keys(), TWO)) {
            d.sendMetric(QueryCacheTopologyTest.db(t0, theirs, "SELECT a FROM t WHERE id = 1", 30));
            d.sendMetric(QueryCacheTopologyTest.db(t0 + 1, theirs, "SELECT a FROM t WHERE id = 2", 30));
            d.sendMetric(QueryCacheTopologyTest.lookup(t0 + 2, theirs, "c1", true, 1));
            d.sendMetric(StatsDriver.metric(t0 + 20_000, mine, "/a", 1, "OK")); // past the window's grace
            partials = d.partialsOut.readRecordsToList().stream().filter(r -> r.key() != null).toList();
            assertThat(partials).extracting(TestRecord::key).containsExactlyInAnyOrder(
                "METRIC|db.query.duration|" + theirs + "|-",
                "METRIC|" + DetailSeries.STATEMENT + "|" + theirs + "|SELECT a FROM t WHERE id = ?",
                "METRIC|cache.lookup|" + theirs + "|-",
                "METRIC|" + DetailSeries.CACHE_HIT + "|" + theirs + "|c1");
            assertThat(d.readQueries()).as("not this task's service").isEmpty();
        }
        try (StatsDriver owner = new StatsDriver(keys(), new SeriesOwnership(2, 1))) {
            owner.sendMetric(QueryCacheTopologyTest.db(t0 + 500, theirs, "SELECT a FROM t WHERE id = 3", 30));
            owner.sendMetric(QueryCacheTopologyTest.db(t0 + 600, theirs, "SELECT b FROM u", 10));
            owner.sendMetric(QueryCacheTopologyTest.lookup(t0 + 700, theirs, "c1", false, 9));
            partials.forEach(p -> owner.partialsIn.pipeInput(p.key(), p.value()));
            owner.sendMetric(StatsDriver.metric(t0 + 30_000, theirs, "/b", 1, "OK"));
            assertThat(owner.readQueries()).as("waits for the other task's watermark").isEmpty();
            owner.partialsIn.pipeInput(null, PartialRecord.watermark(1, t0 + 15_000));
            assertThat(owner.readQueries()).extracting(QueryStats::getStatement, QueryStats::getCount, QueryStats::getShare)
                .containsExactly(tuple("SELECT a FROM t WHERE id = ?", 3L, 0.9), tuple("SELECT b FROM u", 1L, 0.1));
            assertThat(owner.readCaches()).singleElement().extracting(CacheStats::getHits, CacheStats::getMisses,
                CacheStats::getHitRatio).containsExactly(1L, 1L, 0.5);
        }
    }
}
