package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.streams.alerts.attribution.Candidate.Kind;

/**
 * A topic that attribution reads windows from. The stats stage emits each service's windows of one topic in the order
 * of their end (it closes windows by end and flushes a window's statements and caches when it closes), so the newest
 * window end seen from a feed for a service is that feed's time: every window of the feed that ends before it is in.
 * Different feeds reach the alerts stage in any interleaving; nothing is assumed between them.
 */
public enum Feed {
    /** perf.stats: routes, their DB, cache and downstream time, CPU, memory. */
    STATS("perf.stats"),
    /** perf.queries: statements per service. */
    QUERIES("perf.queries"),
    /** perf.cache: caches per service. */
    CACHE("perf.cache");

    private final String topic;

    Feed(String topic) {
        this.topic = topic;
    }

    /** The default topic name, as attribution notes name the feed. */
    public String topic() {
        return topic;
    }

    static Feed of(Candidate c) {
        return c.kind() == Kind.STATEMENT ? QUERIES : c.kind() == Kind.CACHE ? CACHE : STATS;
    }
}
