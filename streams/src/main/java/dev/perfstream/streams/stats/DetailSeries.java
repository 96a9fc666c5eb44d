package dev.perfstream.streams.stats;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.series.SeriesKey;

/**
 * The stage's own series for statements and caches, kept in the same window store as every other
 * series (so they are windowed, merged across tasks, changelogged and closed the same way) but never
 * written to {@code perf.stats}: when their windows close, {@link QueryCacheAssembler} turns them into
 * {@code QueryStats} and {@code CacheStats}. Their names start with {@code @}, which no metric name can
 * ({@code [a-z][a-z0-9_.]*}); the owner part is the service, so they live on the service's owner task;
 * the route part is the statement fingerprint or the cache name.
 */
final class DetailSeries {
    /** One statement's execution times (ms). */
    static final String STATEMENT = "@statement";
    /** Latencies (ms) of cache.lookup hits and misses. */
    static final String CACHE_HIT = "@cache.hit";
    static final String CACHE_MISS = "@cache.miss";
    /** Values of the cache.hits / cache.misses counters (unit count). */
    static final String CACHE_HITS = "@cache.hits";
    static final String CACHE_MISSES = "@cache.misses";

    private static final String PREFIX = "METRIC|@";

    private DetailSeries() {
    }

    static boolean isDetail(String seriesId) {
        return seriesId.startsWith(PREFIX);
    }

    static boolean isDetail(SeriesKey id) {
        return id.kind() == SeriesKind.METRIC && id.name().startsWith("@");
    }

    /** The counters' series hold counts, the others durations in ms. */
    static boolean isCounter(SeriesKey id) {
        return CACHE_HITS.equals(id.name()) || CACHE_MISSES.equals(id.name());
    }

    static boolean isStatement(SeriesKey id) {
        return STATEMENT.equals(id.name());
    }
}
