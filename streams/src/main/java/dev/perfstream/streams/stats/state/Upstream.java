package dev.perfstream.streams.stats.state;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What one task of the stats stage knows of the others, for closing the windows it owns: the
 * watermark each task last announced through the partials topic. Kept in the task's changelogged
 * store, so an owner also waits for a task that is down and resumes after a restart.
 *
 * <p>Only what has come through the partials topic counts, never another task's state in memory,
 * even of a task of the same stream thread: Kafka Streams may close one task dirty and revive it
 * from its changelog while it commits the others of the thread (its handling of a corrupted task
 * commits the tasks that are not), so a peer's uncommitted stream time can move back, and an owner
 * that closed a window on it would see that window's partials again. A watermark the owner has
 * consumed under read_committed is part of a committed transaction, and the sender never restarts
 * behind it.
 */
final class Upstream {
    private int self;
    private long[] watermarks = new long[0];
    private boolean dirty;

    void configure(int self, int tasks) {
        this.self = self;
        watermarks = new long[Math.max(tasks, self + 1)];
        Arrays.fill(watermarks, Long.MIN_VALUE);
        dirty = false;
    }

    /** @return whether the task's watermark moved (a watermark never moves back; this task's own is ignored) */
    boolean watermark(int task, long watermark) {
        if (task == self || task < 0) {
            return false;
        }
        grow(task);
        if (watermark <= watermarks[task]) {
            return false;
        }
        watermarks[task] = watermark;
        dirty = true;
        return true;
    }

    /** More tasks than configured (partitions added): an unknown task has announced nothing, so it holds windows back. */
    private void grow(int task) {
        if (task < watermarks.length) {
            return;
        }
        int old = watermarks.length;
        watermarks = Arrays.copyOf(watermarks, task + 1);
        Arrays.fill(watermarks, old, watermarks.length, Long.MIN_VALUE);
    }

    /** The close time for windows this task owns: the smallest of its own stream time and every other task's. */
    long closeTime(long ownStreamTime) {
        long m = ownStreamTime;
        for (int i = 0; i < watermarks.length && m > Long.MIN_VALUE; i++) {
            if (i != self) {
                m = Math.min(m, watermarks[i]);
            }
        }
        return m;
    }

    /** The other task with the smallest watermark below {@code time}, or -1 when every other task is at or past it. */
    int holder(long time) {
        int h = -1;
        for (int i = 0; i < watermarks.length; i++) {
            if (i != self && watermarks[i] < time && (h < 0 || watermarks[i] < watermarks[h])) {
                h = i;
            }
        }
        return h;
    }

    long watermark(int task) {
        return task < watermarks.length ? watermarks[task] : Long.MIN_VALUE;
    }

    boolean dirty() {
        return dirty;
    }

    /**
     * Layout: three arrays, each an int length and big-endian longs: the watermarks, then two arrays
     * that earlier versions filled with partial counts, written empty and skipped when read (stores
     * written by either version restore in the other).
     */
    byte[] encode() {
        dirty = false;
        ByteBuffer b = ByteBuffer.allocate(12 + 8 * watermarks.length);
        b.putInt(watermarks.length);
        for (long v : watermarks) {
            b.putLong(v);
        }
        b.putInt(0);
        b.putInt(0);
        return b.array();
    }

    void decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.remaining() < 4) {
            return;
        }
        int n = b.getInt();
        for (int i = 0; i < n && b.remaining() >= 8; i++) {
            long v = b.getLong();
            grow(i);
            watermarks[i] = Math.max(watermarks[i], v);
        }
    }

    void clear() {
        Arrays.fill(watermarks, Long.MIN_VALUE);
        dirty = false;
    }
}
