package dev.perfstream.streams.stats;

import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.schemas.validate.CardinalityGuard;
import dev.perfstream.streams.stats.state.WindowAccumulator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Collects the closed windows of the {@link DetailSeries} that one store advance hands out, and turns
 * them into the records of {@code perf.queries} and {@code perf.cache}. The store closes every window of
 * one size and end in the same advance, and a service's series all live on its owner task, so one
 * advance sees every statement and cache of a service for that window: the top N and the shares are
 * computed over all of them, never over a part.
 *
 * <p>Work happens only at window close, once per detail series and window; the per-event path only adds
 * to the series (see {@code StatsProcessor}). Not thread-safe: one per stream task.
 */
final class QueryCacheAssembler {
    private static final Comparator<WindowAccumulator> BY_TOTAL_DESC =
        Comparator.comparingDouble(QueryCacheAssembler::total).reversed();

    /**
     * Out in the order of the windows' end (then service): one advance can close several ends at once (a late event
     * far ahead, the idle close, a catch-up after a restart), and readers take a service's newest window end on a topic
     * as that topic's time for the service, every earlier window being in (the alerts stage's attribution waits for
     * its baseline windows so). A hash order handed the windows out in any order, and an alert was attributed before
     * its baseline statements came, with no word of it.
     */
    private static final Comparator<WindowKey> BY_END =
        Comparator.comparingLong(WindowKey::end).thenComparing(WindowKey::service).thenComparingLong(WindowKey::start);

    private final int top;
    /** (service, start, end) -> that window's statements, by fingerprint (sorted for a stable order at equal totals). */
    private final Map<WindowKey, TreeMap<String, WindowAccumulator>> statements = new TreeMap<>(BY_END);
    /** (service, start, end) -> cache name -> [lookup hits, lookup misses, hit counter, miss counter]. */
    private final Map<WindowKey, TreeMap<String, WindowAccumulator[]>> caches = new TreeMap<>(BY_END);

    private record WindowKey(String service, long start, long end) {
    }

    QueryCacheAssembler(int top) {
        this.top = top;
    }

    boolean isEmpty() {
        return statements.isEmpty() && caches.isEmpty();
    }

    /** One closed window of a detail series. */
    void add(SeriesKey id, WindowAccumulator a) {
        WindowKey k = new WindowKey(id.owner(), a.start(), a.end());
        if (DetailSeries.isStatement(id)) {
            statements.computeIfAbsent(k, x -> new TreeMap<>()).put(id.route(), a);
            return;
        }
        int slot = switch (id.name()) {
            case DetailSeries.CACHE_HIT -> 0;
            case DetailSeries.CACHE_MISS -> 1;
            case DetailSeries.CACHE_HITS -> 2;
            case DetailSeries.CACHE_MISSES -> 3;
            default -> -1;
        };
        if (slot >= 0) {
            caches.computeIfAbsent(k, x -> new TreeMap<>()).computeIfAbsent(id.route(), x -> new WindowAccumulator[4])[slot] = a;
        }
    }

    /** Hands out the records of everything collected since the last flush (the key is the service), then forgets it. */
    void flush(Consumer<QueryStats> queries, Consumer<CacheStats> cacheStats) {
        for (Map.Entry<WindowKey, TreeMap<String, WindowAccumulator>> e : statements.entrySet()) {
            topStatements(e.getKey(), e.getValue()).forEach(queries);
        }
        for (Map.Entry<WindowKey, TreeMap<String, WindowAccumulator[]>> e : caches.entrySet()) {
            for (Map.Entry<String, WindowAccumulator[]> c : e.getValue().entrySet()) {
                CacheStats s = cache(e.getKey(), c.getKey(), c.getValue());
                if (s != null) {
                    cacheStats.accept(s);
                }
            }
        }
        statements.clear();
        caches.clear();
    }

    List<QueryStats> topStatements(WindowKey k, TreeMap<String, WindowAccumulator> byStatement) {
        List<WindowAccumulator> rows = new ArrayList<>(byStatement.size());
        double serviceTotal = 0;
        boolean folded = false;
        for (Map.Entry<String, WindowAccumulator> e : byStatement.entrySet()) {
            WindowAccumulator a = e.getValue();
            if (a.count() > 0) {
                rows.add(a);
                serviceTotal += total(a);
                folded |= e.getKey().equals(CardinalityGuard.OVERFLOW);
            }
        }
        rows.sort(BY_TOTAL_DESC); // stable: equal totals keep the fingerprints' order
        List<QueryStats> out = new ArrayList<>(Math.min(top, rows.size()));
        for (int i = 0; i < rows.size() && i < top; i++) {
            WindowAccumulator a = rows.get(i);
            String statement = SeriesKey.parse(a.seriesId()).route();
            double total = total(a);
            double[] q = a.quantiles(new double[] {0.50, 0.95, 0.99});
            out.add(QueryStats.newBuilder()
                .setService(k.service()).setWindowStart(Instant.ofEpochMilli(k.start())).setWindowEnd(Instant.ofEpochMilli(k.end()))
                .setStatement(statement).setOverflow(statement.equals(CardinalityGuard.OVERFLOW)).setRank(i + 1)
                .setCount(a.count()).setErrors(a.errors()).setTotalMs(total).setMeanMs(a.mean())
                .setP50(q[0]).setP95(q[1]).setP99(q[2]).setMaxMs(a.max())
                .setShare(serviceTotal > 0 ? total / serviceTotal : 0).setServiceTotalMs(serviceTotal)
                .setStatements(rows.size()).setFoldedStatements(folded)
                .build());
        }
        return out;
    }

    private static CacheStats cache(WindowKey k, String cache, WindowAccumulator[] s) {
        long hits = count(s[0]) + sum(s[2]);
        long misses = count(s[1]) + sum(s[3]);
        if (hits + misses == 0) {
            return null;
        }
        Double hitMean = count(s[0]) > 0 ? s[0].mean() : null;
        Double missMean = count(s[1]) > 0 ? s[1].mean() : null;
        return CacheStats.newBuilder()
            .setService(k.service()).setCache(cache)
            .setWindowStart(Instant.ofEpochMilli(k.start())).setWindowEnd(Instant.ofEpochMilli(k.end()))
            .setHits(hits).setMisses(misses).setHitRatio((double) hits / (hits + misses))
            .setHitMeanMs(hitMean).setHitP95(hitMean == null ? null : s[0].quantile(0.95))
            .setMissMeanMs(missMean).setMissP95(missMean == null ? null : s[1].quantile(0.95))
            .setMissPenalty(hitMean != null && missMean != null && hitMean > 0 ? missMean / hitMean : null)
            .build();
    }

    /** Total time of a statement's window (a histogram event counts all its measurements). */
    private static double total(WindowAccumulator a) {
        return a.sum();
    }

    private static long count(WindowAccumulator a) {
        return a == null ? 0 : a.count();
    }

    /** The sum of a counter series' values: whole numbers, so rounding only removes floating-point noise. */
    private static long sum(WindowAccumulator a) {
        return a == null || a.count() == 0 ? 0 : Math.round(a.sum());
    }
}
