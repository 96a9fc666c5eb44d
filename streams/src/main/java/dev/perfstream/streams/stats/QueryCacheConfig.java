package dev.perfstream.streams.stats;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.streams.release.ReleaseConfig;
import java.time.Duration;

/**
 * The stats stage's statement and cache aggregations ({@code perf.queries}, {@code perf.cache}).
 *
 * @param queriesTopic where the top statements go ({@code topic.queries})
 * @param cacheTopic   where the cache statistics go ({@code topic.cache})
 * @param top          statements per service and window written to {@code queriesTopic}
 * @param statementCap distinct statement fingerprints per service before the overflow row
 * @param cacheCap     distinct caches per service before the overflow row
 * @param window       size of the statement and cache windows: the smallest of the stage's window sizes that is at
 *                     least this long, else the largest ({@link #windowMillis}); their larger windows are merged up
 *                     from it as every series' are
 * @param enabled      off: statements and cache fields are ignored as before ({@code stats.queries.enabled}, or
 *                     the stage could not create a missing output topic)
 */
public record QueryCacheConfig(String queriesTopic, String cacheTopic, int top, int statementCap, int cacheCap,
                               Duration window, boolean enabled) {
    public static final ConfigKey<Boolean> ENABLED = ConfigKey.bool("stats.queries.enabled", true)
        .doc("Top statements (topic.queries) and cache hit ratios (topic.cache) per service and window");
    public static final ConfigKey<Integer> TOP = ConfigKey.integer("stats.queries.top", 10, 1, 1000)
        .doc("Statements per service and window written to topic.queries, by total time");
    public static final ConfigKey<Integer> STATEMENT_CAP = ConfigKey.integer("stats.queries.statement.cap", 200, 1, 100_000)
        .doc("Distinct statement fingerprints per service; later ones fold into the __overflow__ row");
    public static final ConfigKey<Integer> CACHE_CAP = ConfigKey.integer("stats.cache.cap", 50, 1, 10_000)
        .doc("Distinct cache names per service; later ones fold into the __overflow__ row");
    public static final ConfigKey<Duration> WINDOW = ConfigKey.duration("stats.queries.window", Duration.ofMinutes(1))
        .atLeast(Duration.ofSeconds(1)).doc("Smallest window of the statement and cache statistics (topic.queries, "
            + "topic.cache): the smallest of stats.windows that is at least this long (the largest if none is); the "
            + "larger sizes follow as for every series. Their rules and playbooks read 1 min windows, so a finer size "
            + "only costs work and output");

    static final QueryCacheConfig DEFAULT = new QueryCacheConfig(TopicKeys.QUERIES.defaultValue(),
        TopicKeys.CACHE.defaultValue(), 10, 200, 50, WINDOW.defaultValue(), true);

    /** Reads every key, reports all problems at once ({@link Settings#throwIfInvalid}). */
    public static QueryCacheConfig from(Settings s) {
        QueryCacheConfig c = new QueryCacheConfig(s.get(TopicKeys.QUERIES), s.get(TopicKeys.CACHE), s.get(TOP),
            s.get(STATEMENT_CAP), s.get(CACHE_CAP), s.get(WINDOW), s.get(ENABLED));
        s.throwIfInvalid("stats");
        return c;
    }

    QueryCacheConfig disabled() {
        return new QueryCacheConfig(queriesTopic, cacheTopic, top, statementCap, cacheCap, window, false);
    }

    /** The statement and cache windows' size among the stage's event window sizes (ascending), as release.window's. */
    long windowMillis(long[] eventSizes) {
        return ReleaseConfig.smallestAtLeast(eventSizes, window.toMillis());
    }
}
