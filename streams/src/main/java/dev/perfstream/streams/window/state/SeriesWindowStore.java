package dev.perfstream.streams.window.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stats stage's state: every open window of every series as a live {@link WindowAccumulator}
 * (sketch object included) in memory, backed by a changelogged key-value store that receives only
 * the windows changed since the last commit, encoded once per commit instead of once per event.
 *
 * <h2>Why this is exactly-once safe</h2>
 * The in-memory map is a write-back cache in front of the changelogged inner store. What matters is
 * that dirty entries reach the changelog inside the same transaction as the input offsets they
 * reflect. Verified against the Kafka Streams 4.3.1 jar (javap) and apache/kafka history:
 * <ul>
 *   <li>{@code StreamTask.prepareCommit} calls {@code StreamTask.flush()}, which calls
 *       {@code ProcessorStateManager.flushCache()} and then {@code RecordCollector.flush()}; only
 *       after that are the offsets sent to the transaction and the transaction committed.</li>
 *   <li>{@code ProcessorStateManager.flushCache()} calls {@code flushCache()} on every registered
 *       store that implements {@code CachedStateStore} (the interface Kafka's own record caches
 *       implement). This class implements it, and writes its dirty windows to the inner store there,
 *       so their changelog records are sent before the commit.</li>
 *   <li>{@code StateStore.flush()}/{@code commit(Map)} is NOT a pre-commit hook: since KAFKA-9450
 *       (apache/kafka#8964) the store flush runs in post-commit, with checkpointing. A store that
 *       wrote its cache in {@code commit()} would put those changelog writes after the offsets,
 *       and a crash in between would lose updates. Hence {@code CachedStateStore}.</li>
 * </ul>
 * {@code CachedStateStore} is in an internals package: a deliberate dependency on Kafka's internal
 * API, pinned by the Kafka version in the build and covered by the restart integration test.
 *
 * <p>After a restart or rebalance the inner store is restored from its changelog and
 * {@link #loadIfNeeded()} (called from the processor's {@code init}, which Kafka Streams runs after
 * restoration) rebuilds the in-memory windows from it.
 */
public final class SeriesWindowStore implements StateStore, CachedStateStore<Bytes, byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(SeriesWindowStore.class);

    private final KeyValueStore<Bytes, byte[]> inner;
    private final long[] sizes;
    private final int baseCount;
    private final long grace;
    private final Sketches sketches;
    private final AccumulatorCodec codec;

    private final Map<String, WindowAccumulator[]> open = new HashMap<>();
    /** Open windows by the stream time at which they close (end + grace). */
    private final TreeMap<Long, List<WindowAccumulator>> deadlines = new TreeMap<>();
    private final List<WindowAccumulator> dirty = new ArrayList<>();
    private long streamTime = Long.MIN_VALUE;
    private boolean streamTimeDirty;
    private boolean loaded;
    private int openCount;

    /**
     * @param sizes     window sizes in ms, ascending, each dividing the next; the rollup last if any
     * @param baseCount how many of {@code sizes} are fed by events (the rest is the rollup)
     */
    SeriesWindowStore(KeyValueStore<Bytes, byte[]> inner, long[] sizes, int baseCount, long grace, Sketches sketches) {
        this.inner = inner;
        this.sizes = sizes.clone();
        this.baseCount = baseCount;
        this.grace = grace;
        this.sketches = sketches;
        this.codec = new AccumulatorCodec(sketches);
    }

    /** Max event time seen by this task; windows close when it passes their end plus grace. */
    public long streamTime() {
        return streamTime;
    }

    /** Open windows held (all sizes, rollups included). */
    public int openWindows() {
        return openCount;
    }

    /** Bytes the open windows take in the changelogged store (diagnostics and the state benchmark; encodes each). */
    public long encodedBytesOfOpenWindows() {
        long n = 0;
        for (WindowAccumulator[] heads : open.values()) {
            for (WindowAccumulator h : heads) {
                for (WindowAccumulator a = h; a != null; a = a.next) {
                    n += codec.encode(a).length + AccumulatorCodec.key(a.seriesId, sizes[a.sizeIndex], a.start).length;
                }
            }
        }
        return n;
    }

    /**
     * An event is late when a window it belongs to has already closed. Sizes nest, so the smallest
     * window is the first to close.
     *
     * @return the stream time at which the event's smallest window closed, or -1 if not late
     */
    public long closedAt(long timestamp) {
        long s = sizes[0];
        long deadline = Math.floorDiv(timestamp, s) * s + s + grace;
        return deadline <= streamTime ? deadline : -1;
    }

    /**
     * Adds one on-time event to its window of every size.
     *
     * @return null, or why it was refused (its unit differs from the series' unit)
     */
    public String add(String seriesId, long timestamp, double value, boolean error, int rating, String unit) {
        WindowAccumulator[] heads = open.get(seriesId);
        if (heads != null && heads[0] != null && heads[0].unit != null && !heads[0].unit.equals(unit)) {
            return "field 'unit' is \"" + unit + "\" but series " + seriesId + " is in \"" + heads[0].unit + "\"";
        }
        if (heads == null) {
            heads = new WindowAccumulator[sizes.length];
            open.put(seriesId, heads);
        }
        for (int i = 0; i < baseCount; i++) {
            long s = sizes[i];
            WindowAccumulator a = window(heads, seriesId, i, Math.floorDiv(timestamp, s) * s, unit);
            a.add(value, error, rating);
            markDirty(a);
        }
        return null;
    }

    /** Counts a late event in the current window (the one holding the stream time) of every size. */
    public void countLate(String seriesId, String unit) {
        for (int i = 0; i < baseCount; i++) {
            long s = sizes[i];
            WindowAccumulator a = window(seriesId, i, Math.floorDiv(streamTime, s) * s, unit);
            a.late++;
            markDirty(a);
        }
    }

    /**
     * Moves stream time forward to {@code timestamp} (never back) and closes every window whose end
     * plus grace it has reached, smallest deadlines first and, at equal deadlines, the event windows
     * before the rollups they feed. Each window is handed to {@code emit} exactly once.
     */
    public void advance(long timestamp, Consumer<WindowAccumulator> emit) {
        if (timestamp > streamTime) {
            streamTime = timestamp;
            streamTimeDirty = true;
        }
        while (!deadlines.isEmpty() && deadlines.firstKey() <= streamTime) {
            List<WindowAccumulator> due = deadlines.pollFirstEntry().getValue();
            for (WindowAccumulator a : due) {
                if (a.sizeIndex < baseCount) {
                    close(a, emit);
                }
            }
            for (WindowAccumulator a : due) {
                if (a.sizeIndex >= baseCount) {
                    close(a, emit);
                }
            }
        }
    }

    private void close(WindowAccumulator a, Consumer<WindowAccumulator> emit) {
        unlink(a);
        a.closed = true;
        emit.accept(a);
        if (a.sizeIndex == baseCount - 1 && baseCount < sizes.length) {
            long r = sizes[baseCount];
            WindowAccumulator roll = window(a.seriesId, baseCount, Math.floorDiv(a.start, r) * r, a.unit);
            roll.merge(a);
            markDirty(roll);
        }
        if (a.persisted) {
            markDirty(a); // written as a tombstone at the next commit
        }
    }

    private WindowAccumulator window(String seriesId, int sizeIndex, long start, String unit) {
        WindowAccumulator[] heads = open.get(seriesId);
        if (heads == null) {
            heads = new WindowAccumulator[sizes.length];
            open.put(seriesId, heads);
        }
        return window(heads, seriesId, sizeIndex, start, unit);
    }

    private WindowAccumulator window(WindowAccumulator[] heads, String seriesId, int sizeIndex, long start, String unit) {
        for (WindowAccumulator a = heads[sizeIndex]; a != null; a = a.next) {
            if (a.start == start) {
                return a;
            }
        }
        WindowAccumulator a = new WindowAccumulator(seriesId, sizeIndex, start, start + sizes[sizeIndex], sketches.create());
        a.unit = unit;
        link(heads, a);
        return a;
    }

    private void link(WindowAccumulator[] heads, WindowAccumulator a) {
        a.next = heads[a.sizeIndex];
        heads[a.sizeIndex] = a;
        deadlines.computeIfAbsent(a.end + grace, k -> new ArrayList<>(4)).add(a);
        openCount++;
    }

    private void unlink(WindowAccumulator a) {
        WindowAccumulator[] heads = open.get(a.seriesId);
        WindowAccumulator prev = null;
        for (WindowAccumulator x = heads[a.sizeIndex]; x != null; prev = x, x = x.next) {
            if (x == a) {
                if (prev == null) {
                    heads[a.sizeIndex] = x.next;
                } else {
                    prev.next = x.next;
                }
                openCount--;
                break;
            }
        }
        a.next = null;
        for (WindowAccumulator h : heads) {
            if (h != null) {
                return;
            }
        }
        open.remove(a.seriesId);
    }

    private void markDirty(WindowAccumulator a) {
        if (!a.dirty) {
            a.dirty = true;
            dirty.add(a);
        }
    }

    /** Writes the windows changed since the last commit to the inner (changelogged) store. */
    private void writeDirty() {
        for (WindowAccumulator a : dirty) {
            Bytes key = Bytes.wrap(AccumulatorCodec.key(a.seriesId, sizes[a.sizeIndex], a.start));
            if (a.closed) {
                if (a.persisted) {
                    inner.put(key, null);
                    a.persisted = false;
                }
            } else {
                inner.put(key, codec.encode(a));
                a.persisted = true;
            }
            a.dirty = false;
        }
        dirty.clear();
        if (streamTimeDirty) {
            inner.put(Bytes.wrap(AccumulatorCodec.STREAM_TIME_KEY), ByteBuffer.allocate(8).putLong(streamTime).array());
            streamTimeDirty = false;
        }
    }

    /** Rebuilds the in-memory windows from the inner store (after restoration); idempotent. */
    public void loadIfNeeded() {
        if (loaded) {
            return;
        }
        int n = 0;
        List<Bytes> stale = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = inner.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] k = kv.key.get();
                if (AccumulatorCodec.isStreamTimeKey(k)) {
                    streamTime = ByteBuffer.wrap(kv.value).getLong();
                    continue;
                }
                Object[] parts = AccumulatorCodec.parseKey(k);
                int idx = indexOf((Long) parts[1]);
                if (idx < 0) {
                    stale.add(kv.key); // a window size no longer configured
                    continue;
                }
                long start = (Long) parts[2];
                WindowAccumulator a = codec.decode((String) parts[0], idx, start, start + sizes[idx], kv.value);
                a.persisted = true;
                link(open.computeIfAbsent(a.seriesId, s -> new WindowAccumulator[sizes.length]), a);
                n++;
            }
        } catch (IOException e) {
            throw new IllegalStateException("state store " + name() + " holds an undecodable window", e);
        }
        for (Bytes k : stale) {
            inner.put(k, null);
        }
        loaded = true;
        LOG.info("store {}: loaded {} open windows, stream time {}, dropped {} of unconfigured sizes", name(), n, streamTime,
            stale.size());
    }

    private int indexOf(long sizeMs) {
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == sizeMs) {
                return i;
            }
        }
        return -1;
    }

    // --- CachedStateStore: the pre-commit hook (see class comment) ---

    @Override
    public void flushCache() {
        writeDirty();
    }

    @Override
    public void clearCache() {
        open.clear();
        deadlines.clear();
        dirty.clear();
        openCount = 0;
        streamTime = Long.MIN_VALUE;
        streamTimeDirty = false;
        loaded = false;
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
        return false;
    }

    // --- StateStore: delegate to the inner store ---

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        inner.init(context, root);
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        inner.commit(changelogOffsets);
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return inner.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return inner.managesOffsets();
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public boolean persistent() {
        return inner.persistent();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return inner.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }
}
