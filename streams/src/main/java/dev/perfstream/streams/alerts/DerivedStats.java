package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.time.Instant;

/**
 * The statement and cache records of the stats stage seen as windows of a series, so that rules select
 * and evaluate them like any other series (and alerts name them the same way). These views live only
 * inside the alerts stage; nothing writes them to a topic.
 *
 * <ul>
 *   <li>{@link QueryStats}: series {@code metric=db.statement, service, route=<fingerprint>}; count, errors,
 *       mean, p50, p95, p99, max as recorded; statistic {@code share} is the statement's share of the
 *       service's DB time (carried in the good-share slot, which a metric series never uses); no data when the
 *       service ran a single statement in the window (its share is 1 and says nothing).</li>
 *   <li>{@link CacheStats}: series {@code metric=cache, service, route=<cache name>}; count = lookups,
 *       errors = misses, so {@code error_rate} is the miss ratio and statistic {@code hit_ratio} its
 *       complement; mean = the miss penalty (miss mean / hit mean) when both were timed.</li>
 * </ul>
 */
public final class DerivedStats {
    /** Series name of a statement's window (from {@code perf.queries}). */
    public static final String STATEMENT = "db.statement";
    /** Series name of a cache's window (from {@code perf.cache}). */
    public static final String CACHE = "cache";

    private DerivedStats() {
    }

    public static WindowStats of(QueryStats q) {
        double seconds = seconds(q.getWindowStart(), q.getWindowEnd());
        long n = q.getCount();
        return new WindowStats(SeriesKind.METRIC, STATEMENT, q.getService(), q.getStatement(), null, q.getWindowStart(),
            q.getWindowEnd(), n, q.getErrors(), n == 0 ? 0 : (double) q.getErrors() / n, n / seconds, Double.NaN,
            q.getMaxMs(), q.getMeanMs(), q.getP50(), Double.NaN, Double.NaN, q.getP95(), q.getP99(), Double.NaN,
            q.getStatements() > 1 ? q.getShare() : null, null, null, "ms", 0L, null, null, null, null, null);
    }

    public static WindowStats of(CacheStats c) {
        double seconds = seconds(c.getWindowStart(), c.getWindowEnd());
        long n = c.getHits() + c.getMisses();
        double penalty = c.getMissPenalty() == null ? Double.NaN : c.getMissPenalty();
        return new WindowStats(SeriesKind.METRIC, CACHE, c.getService(), c.getCache(), null, c.getWindowStart(),
            c.getWindowEnd(), n, c.getMisses(), n == 0 ? 0 : (double) c.getMisses() / n, n / seconds, Double.NaN, Double.NaN,
            penalty, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, null, null, "ratio", 0L,
            null, null, null, null, null);
    }

    private static double seconds(Instant start, Instant end) {
        return Math.max(1, end.toEpochMilli() - start.toEpochMilli()) / 1000.0;
    }
}
