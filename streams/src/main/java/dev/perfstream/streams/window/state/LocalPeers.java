package dev.perfstream.streams.window.state;

import java.util.Arrays;

/**
 * The stats stores of the tasks that one stream thread runs, by task index: under exactly-once v2
 * they commit in one transaction, so an owner may read a peer's stream time directly (see
 * {@link Upstream}). Used by one thread only; tasks register when they start and leave when they close.
 */
public final class LocalPeers {
    /** No peers: every other task's progress comes through the partials topic. */
    public static final LocalPeers NONE = new LocalPeers();

    private SeriesWindowStore[] byTask = new SeriesWindowStore[0];

    public void register(int task, SeriesWindowStore store) {
        if (this == NONE) {
            return;
        }
        if (task >= byTask.length) {
            byTask = Arrays.copyOf(byTask, task + 1);
        }
        byTask[task] = store;
    }

    public void unregister(int task, SeriesWindowStore store) {
        if (task < byTask.length && byTask[task] == store) {
            byTask[task] = null;
        }
    }

    SeriesWindowStore get(int task) {
        return task < byTask.length ? byTask[task] : null;
    }
}
