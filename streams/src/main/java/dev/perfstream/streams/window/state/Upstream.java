package dev.perfstream.streams.window.state;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What one task of the stats stage knows of the others, for closing the windows it owns: the
 * watermark each task last announced through the partials topic, and how many partials this task
 * forwarded to each owner and consumed from each sender. Kept in the task's changelogged store.
 *
 * <p>Tasks of the same stream thread ({@link LocalPeers}) commit in one transaction under
 * exactly-once v2, so an owner may read such a peer's stream time directly instead of waiting a
 * commit for its announced watermark, provided it has consumed every partial the peer forwarded to
 * it: a peer's stream time is a promise that it has forwarded every partial of the windows that
 * ended by then, and equal counts mean none of them is still on its way. When the peer forwarded
 * one it has not yet seen, the owner falls back to the announced watermark.
 */
final class Upstream {
    private int self;
    private long[] watermarks = new long[0];
    private long[] forwarded = new long[0];
    private long[] consumed = new long[0];
    private LocalPeers peers = LocalPeers.NONE;
    private boolean dirty;

    void configure(int self, int tasks, LocalPeers peers) {
        this.self = self;
        this.peers = peers;
        int n = Math.max(tasks, self + 1);
        watermarks = new long[n];
        Arrays.fill(watermarks, Long.MIN_VALUE);
        forwarded = new long[n];
        consumed = new long[n];
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

    void forwardedTo(int owner) {
        grow(owner);
        forwarded[owner]++;
        dirty = true;
    }

    void consumedFrom(int sender) {
        if (sender < 0) {
            return;
        }
        grow(sender);
        consumed[sender]++;
        dirty = true;
    }

    long forwardedCount(int owner) {
        return owner < forwarded.length ? forwarded[owner] : 0;
    }

    /** More tasks than configured (partitions added): an unknown task has announced nothing, so it holds windows back. */
    private void grow(int task) {
        if (task < watermarks.length) {
            return;
        }
        int old = watermarks.length;
        watermarks = Arrays.copyOf(watermarks, task + 1);
        Arrays.fill(watermarks, old, watermarks.length, Long.MIN_VALUE);
        forwarded = Arrays.copyOf(forwarded, task + 1);
        consumed = Arrays.copyOf(consumed, task + 1);
    }

    /** The close time for windows this task owns: the smallest of its own stream time and every other task's. */
    long closeTime(long ownStreamTime) {
        long m = ownStreamTime;
        for (int i = 0; i < watermarks.length && m > Long.MIN_VALUE; i++) {
            if (i == self) {
                continue;
            }
            long w = watermarks[i];
            SeriesWindowStore peer = peers.get(i);
            if (peer != null && peer.upstream().forwardedCount(self) == consumed[i]) {
                w = Math.max(w, peer.streamTime());
            }
            m = Math.min(m, w);
        }
        return m;
    }

    boolean dirty() {
        return dirty;
    }

    /** Layout: three arrays (watermarks, forwarded, consumed), each an int length and big-endian longs. */
    byte[] encode() {
        dirty = false;
        ByteBuffer b = ByteBuffer.allocate(12 + 8 * (watermarks.length + forwarded.length + consumed.length));
        for (long[] a : new long[][] {watermarks, forwarded, consumed}) {
            b.putInt(a.length);
            for (long v : a) {
                b.putLong(v);
            }
        }
        return b.array();
    }

    void decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long[][] into = {watermarks, forwarded, consumed};
        for (int k = 0; k < into.length && b.remaining() >= 4; k++) {
            int n = b.getInt();
            for (int i = 0; i < n && b.remaining() >= 8; i++) {
                long v = b.getLong();
                grow(i);
                long[] target = k == 0 ? watermarks : k == 1 ? forwarded : consumed;
                target[i] = k == 0 ? Math.max(target[i], v) : v;
            }
        }
    }

    void clear() {
        Arrays.fill(watermarks, Long.MIN_VALUE);
        Arrays.fill(forwarded, 0);
        Arrays.fill(consumed, 0);
        dirty = false;
    }
}

