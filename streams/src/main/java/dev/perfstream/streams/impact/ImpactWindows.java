package dev.perfstream.streams.impact;

import dev.perfstream.schemas.avro.UxImpact;
import dev.perfstream.schemas.validate.CardinalityGuard;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions of the open impact windows of the apps a stats task owns, one {@link SessionState} per (window,
 * app, session) in a changelogged key-value store (key: window start big-endian, app, 0, session; see
 * {@link ImpactEvent#stateKey}), so every update is in the task's exactly-once transaction and a restarted task
 * resumes where it was. A window closes when the stage's close time (the same as for its window statistics: its
 * own stream time and every other task's watermark) passes its end plus the grace period; then its sessions are
 * counted, per app, into {@link UxImpact} records ({@link ImpactAssembler}) and deleted.
 *
 * <p>Per event: one read and one write of the session's entry (the store's record cache absorbs repeats within a
 * commit). Not thread-safe: one per stream task.
 */
public final class ImpactWindows {
    private static final Logger LOG = LoggerFactory.getLogger(ImpactWindows.class);

    private final KeyValueStore<Bytes, byte[]> store;
    private final ImpactConfig config;
    private final long size;
    private final long grace;
    private final CardinalityGuard goals;
    /** Starts of the windows with sessions in the store. */
    private final TreeSet<Long> open = new TreeSet<>();

    public ImpactWindows(KeyValueStore<Bytes, byte[]> store, ImpactConfig config, long graceMs) {
        this.store = store;
        this.config = config;
        this.size = config.window().toMillis();
        this.grace = graceMs;
        this.goals = new CardinalityGuard(config.goalCap());
    }

    /** Finds the open windows in the store (after a restart or a rebalance): one seek per window. */
    public void load() {
        open.clear();
        Bytes from = null;
        while (true) {
            try (KeyValueIterator<Bytes, byte[]> it = store.range(from, null)) {
                if (!it.hasNext()) {
                    return;
                }
                long start = ByteBuffer.wrap(it.next().key.get()).getLong();
                open.add(start);
                from = Bytes.wrap(ByteBuffer.allocate(8).putLong(start + 1).array());
            }
        }
    }

    /** Adds one event of an app this task owns; its window must still be open (the caller has checked lateness). */
    public void add(ImpactEvent e) {
        long start = Math.floorDiv(e.timestamp(), size) * size;
        Bytes key = Bytes.wrap(ImpactEvent.stateKey(start, e.app(), e.session()));
        SessionState s = state(key);
        if (e.isConversion()) {
            s.goal(goals.admit(e.app(), e.goal()));
        } else {
            s.vital(e.page(), e.vital(), e.value());
        }
        store.put(key, s.encode());
        open.add(start);
    }

    /** The close time at which the oldest open window closes; Long.MAX_VALUE when none is open. */
    public long nextDeadline() {
        return open.isEmpty() ? Long.MAX_VALUE : open.first() + size + grace;
    }

    /** Whether an event at {@code timestamp} falls in a window that has closed at close time {@code closeTime}. */
    public boolean isClosed(long timestamp, long closeTime) {
        return Math.floorDiv(timestamp, size) * size + size + grace <= closeTime;
    }

    /** Closes every window whose end plus grace {@code closeTime} has reached, oldest first. */
    public void close(long closeTime, Consumer<UxImpact> out) {
        while (!open.isEmpty() && open.first() + size + grace <= closeTime) {
            closeWindow(open.pollFirst(), out);
        }
    }

    private void closeWindow(long start, Consumer<UxImpact> out) {
        Bytes from = Bytes.wrap(ByteBuffer.allocate(8).putLong(start).array());
        Bytes to = Bytes.wrap(ByteBuffer.allocate(8).putLong(start + 1).array());
        List<Bytes> done = new ArrayList<>();
        ImpactAssembler app = null;
        String appName = null;
        try (KeyValueIterator<Bytes, byte[]> it = store.range(from, to)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                done.add(kv.key);
                String name = appOf(kv.key.get());
                if (!name.equals(appName)) {
                    if (app != null) {
                        app.results().forEach(out);
                    }
                    appName = name;
                    app = new ImpactAssembler(name, start, start + size, config.confidence());
                }
                try {
                    app.add(SessionState.decode(kv.value));
                } catch (IOException e) {
                    LOG.warn("impact window {} of app {}: skipping an unreadable session state: {}", start, name, e.toString());
                }
            }
        }
        if (app != null) {
            app.results().forEach(out);
        }
        done.forEach(store::delete);
    }

    private SessionState state(Bytes key) {
        byte[] v = store.get(key);
        if (v == null) {
            return new SessionState();
        }
        try {
            return SessionState.decode(v);
        } catch (IOException e) {
            LOG.warn("impact: replacing an unreadable session state: {}", e.toString());
            return new SessionState();
        }
    }

    private static String appOf(byte[] key) {
        int end = 8;
        while (end < key.length && key[end] != 0) {
            end++;
        }
        return new String(key, 8, end - 8, StandardCharsets.UTF_8);
    }
}
