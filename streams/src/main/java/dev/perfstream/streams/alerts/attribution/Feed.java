package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.streams.alerts.attribution.Candidate.Kind;

/**
 * A topic that attribution reads windows from. A stats task writes its windows of one topic in the order of their end
 * (it closes windows by end and flushes a window's statements and caches when it closes), and stamps each record with
 * itself ({@link #TASK_HEADER}); the alerts stage's decode step adds the partition ({@link #SOURCE_HEADER}). The records
 * of one source (a task's, in one partition) reach a service's alerts task in that order, and a source's newest window
 * end is its time: every window of it that ends before is in. A feed's time for a service is the oldest time of the
 * sources that bring its windows (perf.stats is keyed by series, so a service's series are spread over partitions, and
 * one partition's windows can come several windows after another's); without the stamps, the newest window end of the
 * service. Different feeds reach the alerts stage in any interleaving; nothing is assumed between them.
 */
public enum Feed {
    /** perf.stats: routes, their DB, cache and downstream time, CPU, memory. */
    STATS("perf.stats"),
    /** perf.queries: statements per service. */
    QUERIES("perf.queries"),
    /** perf.cache: caches per service. */
    CACHE("perf.cache");

    /**
     * Header of a perf.stats, perf.queries and perf.cache record: the stats task that wrote it. One task writes its windows
     * in the order of their end, whatever their service; so do the records of one task in one partition.
     */
    public static final String TASK_HEADER = "perfstream.stats.task";
    /**
     * Header the alerts stage's decode step adds: the record's source, {@code task@topic-partition} (null when the record
     * has no {@link #TASK_HEADER}). Its records reach a service's task in order, whatever the other sources do.
     */
    public static final String SOURCE_HEADER = "perfstream.attribution.source";

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
