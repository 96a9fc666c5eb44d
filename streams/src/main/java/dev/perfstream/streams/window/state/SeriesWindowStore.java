package dev.perfstream.streams.window.state;

import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
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
 * the series changed since the last commit, encoded once per commit instead of once per event, and
 * one record per series (all its open windows) rather than one per window: an event touches a
 * window of every size, so per-window records would triple the changelog traffic of sparse series.
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
 *
 * <h2>Owned and foreign series</h2>
 * A series is <em>owned</em> by exactly one task (see {@code SeriesOwnership}); other tasks that
 * receive its events keep <em>foreign</em> windows of the smallest size only (the owner merges each
 * into its window of every size, since sizes nest): partial aggregates that leave this store as
 * soon as this task's stream time passes their end ({@link #advance} hands them to the caller,
 * which forwards them to the owner), so they never wait for the grace period here. An owned window
 * closes when the <em>close time</em> passes its end plus grace: the smallest of this task's stream
 * time and the watermarks of every other task ({@link #upstreamWatermark}). Every task forwards its
 * partials of a window before it announces a watermark past that window's end plus grace, and both
 * travel in order through one partition, so an owner never closes a window a partial is still on
 * its way to. Watermarks are kept in this store, so a restarted owner still waits for a task that
 * is down.
 */
public final class SeriesWindowStore implements StateStore, CachedStateStore<Bytes, byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(SeriesWindowStore.class);

    private final KeyValueStore<Bytes, byte[]> inner;
    private final long[] sizes;
    private final int baseCount;
    private final long grace;
    private final Sketches sketches;
    private final AccumulatorCodec codec;

    private final Map<String, Series> open = new HashMap<>();
    /** Open owned windows by the close time at which they close (end + grace). */
    private final TreeMap<Long, List<WindowAccumulator>> deadlines = new TreeMap<>();
    /** Foreign windows by the stream time at which they are forwarded to their owner (their end). */
    private final TreeMap<Long, List<WindowAccumulator>> flushes = new TreeMap<>();
    private Predicate<String> owns = id -> true;
    private Predicate<String> smallestOnly = id -> false;
    private final Upstream upstream = new Upstream();
    private long closeTime = Long.MIN_VALUE;
    private final List<Series> dirty = new ArrayList<>();
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

    /**
     * Which series this task owns, and how many tasks send it watermarks. Call before
     * {@link #loadIfNeeded()}; without it this task owns every series and waits for no other task
     * (a single-task stage).
     *
     * @param self  this task's index (its partition)
     * @param tasks how many tasks the stage has; each other one must announce a watermark before an owned window closes
     * @param owns  whether this task owns a series id; called once per series when it enters the store
     */
    public void configureOwnership(int self, int tasks, Predicate<String> owns) {
        this.owns = owns;
        upstream.configure(self, tasks);
    }

    /**
     * Which series keep windows of the smallest size only (no larger sizes, no rollup): the per-version
     * series of release comparison, whose readers merge windows themselves. Call before {@link #loadIfNeeded()}.
     */
    public void configureSmallestOnly(Predicate<String> smallestOnly) {
        this.smallestOnly = smallestOnly;
    }

    /** Max event time seen by this task (or set by {@link #advance} when its input is idle). */
    public long streamTime() {
        return streamTime;
    }

    /**
     * Owned windows close when this passes their end plus grace: min(stream time, other tasks' watermarks);
     * it never moves back.
     */
    public long closeTime() {
        return advanceCloseTime();
    }

    /** The close time, never moving back (a peer's may: see {@link Upstream}). */
    private long advanceCloseTime() {
        long now = upstream.closeTime(streamTime);
        if (now > closeTime) {
            closeTime = now;
        }
        return closeTime;
    }

    /** Open windows held (all sizes, rollups included). */
    public int openWindows() {
        return openCount;
    }

    /** Bytes the open windows take in the changelogged store (diagnostics and the state benchmark; encodes each). */
    public long encodedBytesOfOpenWindows() {
        long n = 0;
        for (Series s : open.values()) {
            if (s.windows > 0) {
                n += codec.encodeSeries(windowsOf(s), sizes).length + AccumulatorCodec.seriesKey(s.id).length;
            }
        }
        return n;
    }

    /** One series: the heads of its window chains, one per size, and its changelog status. */
    static final class Series {
        final String id;
        /** This task emits the series' final windows; else it forwards partials to the owner. */
        final boolean owned;
        final WindowAccumulator[] heads;
        /** How many of the sizes its events feed: every event size when owned, the smallest only when foreign. */
        final int fed;
        int windows;
        /** Changed since the last write to the inner store. */
        boolean dirty;
        /** Present in the inner store (so removing it needs a tombstone). */
        boolean persisted;

        Series(String id, boolean owned, int sizes, int fed) {
            this.id = id;
            this.owned = owned;
            this.heads = new WindowAccumulator[sizes];
            this.fed = fed;
        }
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
        return add(seriesId, timestamp, value, error, rating, unit, 0L);
    }

    /**
     * The same, counting the event's instance ({@code instance}: a non-zero hash; 0 for none) in each window.
     *
     * @return null, or why it was refused (its unit differs from the series' unit)
     */
    public String add(String seriesId, long timestamp, double value, boolean error, int rating, String unit, long instance) {
        Series series = open.get(seriesId);
        if (series != null) {
            WindowAccumulator h = series.heads[0];
            if (h != null && h.unit != null && !h.unit.equals(unit)) {
                return "field 'unit' is \"" + unit + "\" but series " + seriesId + " is in \"" + h.unit + "\"";
            }
        } else {
            series = series(seriesId);
        }
        for (int i = 0, n = series.fed; i < n; i++) { // foreign: the smallest size only
            long s = sizes[i];
            WindowAccumulator a = window(series, i, Math.floorDiv(timestamp, s) * s, unit);
            a.add(value, error, rating);
            if (instance != 0) {
                a.addInstance(instance);
            }
        }
        markDirty(series);
        return null;
    }

    /**
     * Adds the measurements of a histogram event to its windows, as {@link #add(String, long, double, boolean, int, String)}
     * does one value.
     *
     * @return null, or why the event is refused (another unit than the series')
     */
    public String add(String seriesId, long timestamp, HistogramValues h, boolean error, String unit) {
        return add(seriesId, timestamp, h, error, unit, 0L);
    }

    /** The same, counting the event's instance (a non-zero hash; 0 for none) in each window. */
    public String add(String seriesId, long timestamp, HistogramValues h, boolean error, String unit, long instance) {
        Series series = open.get(seriesId);
        if (series != null) {
            WindowAccumulator head = series.heads[0];
            if (head != null && head.unit != null && !head.unit.equals(unit)) {
                return "field 'unit' is \"" + unit + "\" but series " + seriesId + " is in \"" + head.unit + "\"";
            }
        } else {
            series = series(seriesId);
        }
        for (int i = 0, n = series.fed; i < n; i++) { // foreign: the smallest size only
            long s = sizes[i];
            WindowAccumulator a = window(series, i, Math.floorDiv(timestamp, s) * s, unit);
            a.add(h, error);
            if (instance != 0) {
                a.addInstance(instance);
            }
        }
        markDirty(series);
        return null;
    }

    /** Counts a late event in the current window (the one holding the stream time) of every size. */
    public void countLate(String seriesId, String unit) {
        countLate(seriesId, unit, 1);
    }

    /** Counts {@code n} late events in the current window (the one holding the stream time) of every size. */
    public void countLate(String seriesId, String unit, long n) {
        Series series = series(seriesId);
        for (int i = 0, sizesFed = series.fed; i < sizesFed; i++) { // foreign: the smallest size only
            long s = sizes[i];
            WindowAccumulator a = window(series, i, Math.floorDiv(streamTime, s) * s, unit);
            a.late += n;
            a.encoded = null;
        }
        markDirty(series);
    }

    /**
     * Moves stream time forward to {@code timestamp} (never back), hands every foreign window whose
     * end it has reached to {@code emit} (to be forwarded to its owner), then closes every owned
     * window whose end plus grace the close time has reached, smallest deadlines first and, at equal
     * deadlines, the event windows before the rollups they feed. Each window is handed to
     * {@code emit} exactly once; {@link WindowAccumulator#owned()} tells the two apart.
     */
    public void advance(long timestamp, Consumer<WindowAccumulator> emit) {
        if (timestamp > streamTime) {
            streamTime = timestamp;
            streamTimeDirty = true;
        }
        while (!flushes.isEmpty() && flushes.firstKey() <= streamTime) {
            for (WindowAccumulator a : flushes.pollFirstEntry().getValue()) {
                unlink(a);
                emit.accept(a);
                markDirty(a.series);
            }
        }
        closeDue(emit);
    }

    /**
     * Records the watermark another task announced (its stream time: it has forwarded every partial
     * of the windows that ended by then) and closes the owned windows that this lets close.
     */
    public void upstreamWatermark(int task, long watermark, Consumer<WindowAccumulator> emit) {
        if (upstream.watermark(task, watermark)) {
            closeDue(emit);
        }
    }

    private void closeDue(Consumer<WindowAccumulator> emit) {
        if (deadlines.isEmpty() || deadlines.firstKey() > streamTime) {
            return; // nothing could close: the close time is never past this task's own stream time
        }
        advanceCloseTime();
        while (!deadlines.isEmpty() && deadlines.firstKey() <= closeTime) {
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

    /**
     * Merges a partial aggregate that another task forwarded into this task's window of the series.
     *
     * @return null, or why it was refused: {@code late} (the window already closed here, which the
     *         watermark order rules out unless tasks disagree on ownership), or a unit or size mismatch
     */
    public String mergePartial(String seriesId, long sizeMs, long start, WindowAccumulator partial) {
        return merge(seriesId, sizeMs, start, partial);
    }

    private String merge(String seriesId, long sizeMs, long start, WindowAccumulator partial) {
        int idx = indexOf(sizeMs);
        if (idx < 0 || idx >= baseCount) {
            return "window size " + sizeMs + " ms is not one of this stage's event window sizes";
        }
        if (start + sizes[idx] + grace <= advanceCloseTime()) {
            return "late";
        }
        Series series = series(seriesId);
        if (!series.owned) {
            return "series " + seriesId + " is not owned by this task: the partials topic's partition count"
                + " differs from the one the stage started with; restart the stats stage";
        }
        WindowAccumulator h = series.heads[0];
        String unit = partial.unit();
        if (h != null && h.unit != null && !h.unit.equals(unit)) {
            return partial.count + " events in unit \"" + unit + "\" but series " + seriesId + " is in \"" + h.unit + "\"";
        }
        if (idx == 0) { // sizes nest: a smallest-size partial lies in one window of every size
            for (int i = 0; i < series.fed; i++) {
                window(series, i, Math.floorDiv(start, sizes[i]) * sizes[i], unit).merge(partial);
            }
        } else {
            window(series, idx, start, unit).merge(partial);
        }
        markDirty(series);
        return null;
    }

    /** Encodes a foreign window handed out by {@link #advance} for its owner (see {@link PartialRecord}). */
    public byte[] encodePartial(int sender, WindowAccumulator a) {
        return PartialRecord.partial(sender, sizes[a.sizeIndex], a.start, codec.body(a));
    }

    /** Decodes a partials-topic record written by {@link #encodePartial} or {@link PartialRecord#watermark}. */
    public PartialRecord decodePartial(String seriesId, byte[] value) throws IOException {
        return PartialRecord.decode(value, (sizeMs, start, in) -> codec.decodeBody(seriesId, 0, start, start + sizeMs, in));
    }

    private void close(WindowAccumulator a, Consumer<WindowAccumulator> emit) {
        unlink(a);
        emit.accept(a);
        if (a.series.owned && a.sizeIndex == baseCount - 1 && baseCount < sizes.length && a.series.fed == baseCount) {
            long r = sizes[baseCount];
            WindowAccumulator roll = window(a.series, baseCount, Math.floorDiv(a.start, r) * r, a.unit);
            roll.merge(a);
        }
        markDirty(a.series); // rewritten without the closed window, or as a tombstone if it was the last
    }

    private Series series(String seriesId) {
        Series s = open.get(seriesId);
        if (s == null) {
            boolean owned = owns.test(seriesId);
            s = new Series(seriesId, owned, sizes.length, owned && !smallestOnly.test(seriesId) ? baseCount : 1);
            open.put(seriesId, s);
        }
        return s;
    }

    private WindowAccumulator window(Series series, int sizeIndex, long start, String unit) {
        for (WindowAccumulator a = series.heads[sizeIndex]; a != null; a = a.next) {
            if (a.start == start) {
                return a;
            }
        }
        WindowAccumulator a = new WindowAccumulator(series.id, sizeIndex, start, start + sizes[sizeIndex], sketches.create());
        a.unit = unit;
        link(series, a);
        return a;
    }

    /** Newest first in the series' chain of its size: an event almost always falls in the newest window. */
    private void link(Series series, WindowAccumulator a) {
        a.series = series;
        a.prev = null;
        a.next = series.heads[a.sizeIndex];
        if (a.next != null) {
            a.next.prev = a;
        }
        series.heads[a.sizeIndex] = a;
        series.windows++;
        if (series.owned) {
            deadlines.computeIfAbsent(a.end + grace, k -> new ArrayList<>(4)).add(a);
        } else {
            flushes.computeIfAbsent(a.end, k -> new ArrayList<>(4)).add(a);
        }
        openCount++;
    }

    /**
     * Constant time (the chain is doubly linked): windows close oldest first, at the far end of the
     * chain, and walking to it was a tenth of the stage's time in the benchmark when owners waited
     * for other tasks' watermarks with several windows open per series.
     */
    private void unlink(WindowAccumulator a) {
        WindowAccumulator[] heads = a.series.heads;
        if (a.prev != null) {
            a.prev.next = a.next;
        } else if (heads[a.sizeIndex] == a) {
            heads[a.sizeIndex] = a.next;
        } else {
            return; // not in the chain
        }
        if (a.next != null) {
            a.next.prev = a.prev;
        }
        a.next = null;
        a.prev = null;
        a.series.windows--;
        openCount--;
    }

    private void markDirty(Series s) {
        if (!s.dirty) {
            s.dirty = true;
            dirty.add(s);
        }
    }

    private static List<WindowAccumulator> windowsOf(Series s) {
        List<WindowAccumulator> out = new ArrayList<>(s.windows);
        for (WindowAccumulator h : s.heads) {
            for (WindowAccumulator a = h; a != null; a = a.next) {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * Writes the series changed since the last commit to the inner (changelogged) store: all their
     * open windows in one record, or a tombstone when none is left (the series then leaves memory).
     */
    private void writeDirty() {
        for (Series s : dirty) {
            s.dirty = false;
            Bytes key = Bytes.wrap(AccumulatorCodec.seriesKey(s.id));
            if (s.windows == 0) {
                if (s.persisted) {
                    inner.put(key, null);
                    s.persisted = false;
                }
                if (open.get(s.id) == s) {
                    open.remove(s.id);
                }
            } else {
                inner.put(key, codec.encodeSeries(windowsOf(s), sizes));
                s.persisted = true;
            }
        }
        dirty.clear();
        if (streamTimeDirty) {
            inner.put(Bytes.wrap(AccumulatorCodec.STREAM_TIME_KEY), ByteBuffer.allocate(8).putLong(streamTime).array());
            streamTimeDirty = false;
        }
        if (upstream.dirty()) {
            inner.put(Bytes.wrap(AccumulatorCodec.WATERMARKS_KEY), upstream.encode());
        }
    }

    /**
     * Rebuilds the in-memory windows from the inner store (after restoration); idempotent. Windows of
     * sizes no longer configured are dropped; records of the older one-per-window layout are loaded
     * and rewritten in the per-series layout at the next commit.
     */
    public void loadIfNeeded() {
        if (loaded) {
            return;
        }
        int n = 0;
        int dropped = 0;
        List<Bytes> legacy = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = inner.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] k = kv.key.get();
                if (AccumulatorCodec.isStreamTimeKey(k)) {
                    streamTime = ByteBuffer.wrap(kv.value).getLong();
                    continue;
                }
                if (AccumulatorCodec.isWatermarksKey(k)) {
                    upstream.decode(kv.value);
                    continue;
                }
                if (AccumulatorCodec.isWindowRecord(kv.value)) {
                    legacy.add(kv.key);
                    Object[] parts = AccumulatorCodec.parseWindowKey(k);
                    Series series = series((String) parts[0]);
                    markDirty(series);
                    int idx = indexOf((Long) parts[1]);
                    if (idx < 0) {
                        dropped++;
                        continue;
                    }
                    long start = (Long) parts[2];
                    link(series, codec.decodeWindowRecord(series.id, idx, start, start + sizes[idx], kv.value));
                    n++;
                    continue;
                }
                Series series = series(AccumulatorCodec.seriesOf(k));
                series.persisted = true;
                for (AccumulatorCodec.Stored w : AccumulatorCodec.splitSeries(kv.value)) {
                    int idx = indexOf(w.sizeMs());
                    if (idx < 0) {
                        dropped++;
                        markDirty(series); // rewritten without it (or removed) at the next commit
                        continue;
                    }
                    link(series, codec.decodeBody(series.id, idx, w.start(), w.start() + sizes[idx],
                        ByteArrayInput.wrap(w.value(), w.offset(), w.length())));
                    n++;
                }
                if (series.windows == 0) {
                    markDirty(series);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("state store " + name() + " holds an undecodable window", e);
        }
        for (Bytes k : legacy) {
            inner.put(k, null);
        }
        loaded = true;
        advanceCloseTime();
        LOG.info("store {}: loaded {} open windows of {} series, stream time {}, dropped {} of unconfigured sizes, "
            + "converted {} records of the per-window layout", name(), n, open.size(), streamTime, dropped, legacy.size());
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
        flushes.clear();
        upstream.clear();
        closeTime = Long.MIN_VALUE;
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

