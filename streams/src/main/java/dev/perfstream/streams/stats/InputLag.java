package dev.perfstream.streams.stats;

/**
 * Whether a task has read its input partitions to their end, as its consumer last saw them. The
 * quiet-input rule moves stream time on with the wall clock only then: a task that is behind (after
 * a restart, while the broker is away, while the stage catches up) must not close windows whose
 * events are still waiting in Kafka.
 */
@FunctionalInterface
public interface InputLag {
    /** For tests and one-off runs over data already read: every task counts as caught up. */
    InputLag NONE = partition -> true;

    /** @param partition the task's index: its partition of every input topic */
    boolean caughtUp(int partition);

    /**
     * Whether the task's partition of one input topic is read to its end (or the task reads none of
     * it). By default the task's answer for all its inputs, which is never more optimistic.
     */
    default boolean caughtUp(String topic, int partition) {
        return caughtUp(partition);
    }

    /**
     * How long (wall clock) a partition must have stayed read to its end, after the task read up to a new event time of
     * it, before its answer is trusted ({@code StatsProcessor}'s input gate): the answer is as of the partition's last
     * fetch, and the consumer leaves a partition with records in its buffer out of its fetches, so a record of the other
     * input may have been fetched later than this partition last was. 0 trusts every answer at once (tests, one-off runs).
     */
    default long settleMillis() {
        return 0;
    }

    /** Why the partition does not count as read to its end, for the log (when {@link #caughtUp(String, int)} is false). */
    default String whyBehind(String topic, int partition) {
        return "its lag is not zero";
    }
}
