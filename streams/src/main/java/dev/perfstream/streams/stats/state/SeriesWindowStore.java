package dev.perfstream.streams.stats.state;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stats stage's state: every open window of every series as a live {@link WindowAccumulator}
 * (sketch object included) in memory, backed by a changelogged key-value store that receives only
 * the series changed since the last commit, encoded once per commit instead of once per event, and
 * one record per series (all its open windows) rather than one per window, so a sparse series costs
 * one changelog record per commit.
 *
 * <h2>Merge-up</h2>
 * An event (and a partial from another task) goes into its window of the smallest size only (the series'
 * smallest: a series may start at a larger size, {@link #configureFirstSize}). When an
 * owned window closes it is merged into the series' window of the next size, which is opened if need
 * be; the 1 h rollup is the last link of that chain. Sizes nest (each divides the next) and share one
 * grace, so a larger window closes no earlier than every smaller window of its span, and at equal
 * deadlines the smaller sizes close first: each larger window ends up with exactly the measurements,
 * late counts and instances of its span. An event thus costs one sketch add instead of one per size,
 * and a commit re-encodes the larger windows only when a smaller one was merged into them (a
 * window's encoded body is kept while it is unchanged). Windows restored from a build before
 * merge-up were fed directly by every event; they stay {@code direct} until they close (events and
 * late counts still go into them, merges do not), see {@link AccumulatorCodec#MERGED_FLAG}.
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
 * into its smallest window, and from there up): partial aggregates that leave this store as
 * soon as this task's stream time passes their end ({@link #advance} hands them to the caller,
 * which forwards them to the owner), so they never wait for the grace period here. An owned window
 * closes when the <em>close time</em> passes its end plus grace: the smallest of this task's stream
 * time and the watermarks of every other task ({@link #upstreamWatermark}). Every task forwards its
 * partials of a window before it announces a watermark past that window's end plus grace, and both
 * travel in order through one partition, so an owner never closes a window a partial is still on
 * its way to. Watermarks are kept in this store, so a restarted owner still waits for a task that
 * is down.
 *
 * <p>Parts: {@link OpenWindows} holds the open windows in memory and closes them;
 * {@link SeriesChangelog} writes them to the inner store and reads them back; this class is the
 * store Kafka Streams sees and the stage's API.
 */
public final class SeriesWindowStore extends DelegatingStateStore implements CachedStateStore<Bytes, byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(SeriesWindowStore.class);

    private final long[] sizes;
    private final long grace;
    private final AccumulatorCodec codec;
    private final OpenWindows windows;
    private final SeriesChangelog changelog;
    private long streamTime = Long.MIN_VALUE;
    private boolean streamTimeDirty;
    private boolean loaded;

    /**
     * @param sizes     window sizes in ms, ascending, each dividing the next; the rollup last if any
     * @param baseCount how many of {@code sizes} are event sizes (the rest is the rollup, made from the largest)
     */
    SeriesWindowStore(KeyValueStore<Bytes, byte[]> inner, long[] sizes, int baseCount, long grace, Sketches sketches) {
        super(inner);
        this.sizes = sizes.clone();
        this.grace = grace;
        this.codec = new AccumulatorCodec(sketches);
        this.windows = new OpenWindows(this.sizes, baseCount, grace, sketches);
        this.changelog = new SeriesChangelog(inner, codec, this.sizes);
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
        windows.owns = owns;
        windows.upstream.configure(self, tasks);
    }

    /**
     * Which series keep windows of one size only (no merge-up, no rollup): the per-version series of release
     * comparison, whose readers merge windows themselves, at the size {@link #configureVersions} names. Call before {@link #loadIfNeeded()}.
     */
    public void configureSmallestOnly(Predicate<String> smallestOnly) {
        windows.smallestOnly = smallestOnly;
    }

    /**
     * Per-version series (release comparison): measurements added with a version also count in the series
     * {@code versionSeriesId(series id, version)}, in its window of {@code sizeMs} (one of the event sizes; the
     * per-version series keep that size only, so mark them smallest-only too). While all measurements an owned series
     * holds in such a span are of one version, its windows stand for the version's window and the version's series
     * is not fed; the version's window is emitted from the series' window of that size when it closes (same
     * measurements, sketch and end; no late events, no instances). Call before {@link #loadIfNeeded()}; without it,
     * versions passed to {@code add} are ignored.
     *
     * @param versionSeriesId (series id, version) to the per-version series id
     * @param seriesOfVersion a per-version series id to its series' id; null for any other id
     * @param sizeMs          the per-version windows' size
     * @throws IllegalArgumentException if {@code sizeMs} is not one of the store's event window sizes
     */
    public void configureVersions(BinaryOperator<String> versionSeriesId, UnaryOperator<String> seriesOfVersion,
                                  long sizeMs) {
        int idx = windows.indexOf(sizeMs);
        if (idx < 0 || idx >= windows.baseCount) {
            throw new IllegalArgumentException("per-version window size " + sizeMs + " ms is not one of the event window"
                + " sizes " + java.util.Arrays.toString(sizes));
        }
        windows.versions.versionSeriesId = versionSeriesId;
        windows.versions.seriesOfVersion = seriesOfVersion;
        windows.versions.size = idx;
    }

    /**
     * Which series have no windows smaller than {@code sizeMs} (one of the event sizes): their measurements, late
     * counts and foreign partials go straight into their windows of that size, merged up from there as any series'
     * (the statement and cache series, whose readers want 1 min windows: no 10 s window is opened, closed, merged,
     * written to the changelog and emitted for them). Windows of a smaller size restored from an earlier setting
     * still close and merge up as before. Call before {@link #loadIfNeeded()}.
     *
     * @throws IllegalArgumentException if {@code sizeMs} is not one of the store's event window sizes
     */
    public void configureFirstSize(Predicate<String> which, long sizeMs) {
        int idx = windows.indexOf(sizeMs);
        if (idx < 0 || idx >= windows.baseCount) {
            throw new IllegalArgumentException("first window size " + sizeMs + " ms is not one of the event window sizes "
                + java.util.Arrays.toString(sizes));
        }
        windows.startsLarger = which;
        windows.firstSize = idx;
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
        return windows.advanceCloseTime(streamTime);
    }

    /**
     * The other task whose watermark keeps an owned window open that this task's own stream time has made due (its end
     * plus grace passed), or -1: the task an owner waits for (diagnostics).
     */
    public int waitingFor() {
        long first = windows.firstDeadline();
        return first > streamTime ? -1 : windows.upstream.holder(first);
    }

    /** The last watermark {@code task} announced to this task ({@code Long.MIN_VALUE}: none yet). */
    public long watermarkOf(int task) {
        return windows.upstream.watermark(task);
    }

    /** Open windows held (all sizes, rollups included). */
    public int openWindows() {
        return windows.count();
    }

    /** Bytes the open windows take in the changelogged store (diagnostics and the state benchmark; encodes each). */
    public long encodedBytesOfOpenWindows() {
        return changelog.encodedBytes(windows.open.values());
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
     * Adds one on-time event to its window of the smallest size (see Merge-up in the class comment).
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
        return add(seriesId, timestamp, value, error, rating, unit, instance, null);
    }

    /**
     * The same, and also in the series' per-version series of {@code version} (see {@link #configureVersions});
     * null for a measurement without one.
     *
     * @return null, or why it was refused (its unit differs from the series' unit)
     */
    public String add(String seriesId, long timestamp, double value, boolean error, int rating, String unit, long instance,
                      String version) {
        return addMeasurement(seriesId, timestamp, value, null, error, rating, unit, instance, version);
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
        return add(seriesId, timestamp, h, error, unit, instance, null);
    }

    /** The same, and also in the per-version series of {@code version} (null: none), as the single-value form. */
    public String add(String seriesId, long timestamp, HistogramValues h, boolean error, String unit, long instance,
                      String version) {
        return addMeasurement(seriesId, timestamp, 0, h, error, -1, unit, instance, version);
    }

    /**
     * The adds' one body: a single value ({@code h} null) or a histogram's measurements into the smallest window (the
     * larger sizes get them when it closes: merge-up), any direct window restored from older state, and the version's
     * window where the series' window stands for it.
     */
    private String addMeasurement(String seriesId, long timestamp, double value, HistogramValues h, boolean error,
                                  int rating, String unit, long instance, String version) {
        OpenSeries series = seriesIn(seriesId, unit);
        if (series == null) {
            return otherUnit(seriesId, unit);
        }
        int first = series.first;
        long size = sizes[first];
        WindowAccumulator w0 = windows.window(series, first, Math.floorDiv(timestamp, size) * size, unit);
        boolean ownVersionWindow = windows.versions.share(series, w0, version);
        if (h != null) {
            w0.add(h, error);
        } else {
            w0.add(value, error, rating);
        }
        if (instance != 0) {
            w0.addInstance(instance);
        }
        if (series.direct > 0) {
            windows.addDirect(series, timestamp, value, error, rating, h, instance);
        }
        windows.markDirty(series);
        WindowAccumulator v = ownVersionWindow ? windows.versions.window(series, version, w0, unit) : null;
        if (v == null) {
            return null;
        }
        if (h != null) {
            v.add(h, error);
        } else {
            v.add(value, error, -1);
        }
        return null;
    }

    /** The series of a measurement in {@code unit}, entered if new; null when the series is in another unit. */
    private OpenSeries seriesIn(String seriesId, String unit) {
        OpenSeries series = windows.open.get(seriesId);
        if (series == null) {
            return windows.series(seriesId);
        }
        WindowAccumulator h = series.heads[series.first];
        return h != null && h.unit != null && !h.unit.equals(unit) ? null : series;
    }

    private String otherUnit(String seriesId, String unit) {
        OpenSeries series = windows.open.get(seriesId);
        return "field 'unit' is \"" + unit + "\" but series " + seriesId + " is in \"" + series.heads[series.first].unit
            + "\"";
    }

    /**
     * Counts a late event in the current window (the one holding the stream time) of the smallest size; the larger
     * sizes count it when that window is merged into them.
     */
    public void countLate(String seriesId, String unit) {
        countLate(seriesId, unit, 1);
    }

    /** Counts {@code n} late events in the current window of the smallest size, as {@link #countLate(String, String)}. */
    public void countLate(String seriesId, String unit, long n) {
        OpenSeries series = windows.series(seriesId);
        int first = series.first;
        WindowAccumulator w0 = windows.window(series, first, Math.floorDiv(streamTime, sizes[first]) * sizes[first], unit);
        w0.late += n;
        w0.encoded = null;
        for (int i = first + 1; series.direct > 0 && i < sizes.length; i++) {
            WindowAccumulator a = windows.direct(series, i, streamTime);
            if (a != null) {
                a.late += n;
                a.encoded = null;
            }
        }
        windows.markDirty(series);
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
        while (!windows.flushes.isEmpty() && windows.flushes.firstKey() <= streamTime) {
            for (WindowAccumulator a : windows.flushes.pollFirstEntry().getValue()) {
                windows.unlink(a);
                emit.accept(a);
                windows.markDirty(a.series);
            }
        }
        windows.closeDue(streamTime, emit);
    }

    /**
     * Records the watermark another task announced (its stream time: it has forwarded every partial
     * of the windows that ended by then) and closes the owned windows that this lets close.
     */
    public void upstreamWatermark(int task, long watermark, Consumer<WindowAccumulator> emit) {
        if (windows.upstream.watermark(task, watermark)) {
            windows.closeDue(streamTime, emit);
        }
    }

    /**
     * Merges a partial aggregate that another task forwarded into this task's window of the series.
     *
     * @return null, or why it was refused: {@code late} (the window already closed here, which the
     *         watermark order rules out unless tasks disagree on ownership), or a unit or size mismatch
     */
    public String mergePartial(String seriesId, long sizeMs, long start, WindowAccumulator partial) {
        return windows.merge(seriesId, sizeMs, start, partial, streamTime);
    }

    /** Encodes a foreign window handed out by {@link #advance} for its owner (see {@link PartialRecord}). */
    public byte[] encodePartial(int sender, WindowAccumulator a) {
        return PartialRecord.partial(sender, sizes[a.sizeIndex], a.start, codec.body(a));
    }

    /** Decodes a partials-topic record written by {@link #encodePartial} or {@link PartialRecord#watermark}. */
    public PartialRecord decodePartial(String seriesId, byte[] value) throws IOException {
        return PartialRecord.decode(value, (sizeMs, start, in) -> codec.decodeBody(seriesId, 0, start, start + sizeMs, in));
    }

    /** Writes the series changed since the last commit, then the stream time and watermarks if they moved. */
    private void writeDirty() {
        changelog.write(windows.dirty, windows.open);
        windows.dirty.clear();
        if (streamTimeDirty) {
            changelog.writeStreamTime(streamTime);
            streamTimeDirty = false;
        }
        if (windows.upstream.dirty()) {
            changelog.writeWatermarks(windows.upstream);
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
        SeriesChangelog.Loaded l = changelog.load(windows, streamTime);
        streamTime = l.streamTime();
        loaded = true;
        windows.advanceCloseTime(streamTime);
        LOG.info("store {}: loaded {} open windows of {} series, stream time {}, dropped {} of unconfigured sizes, "
            + "converted {} records of the per-window layout", name(), l.windows(), windows.open.size(), streamTime, l.dropped(),
            l.converted());
    }

    // --- CachedStateStore: the pre-commit hook (see class comment) ---

    @Override
    public void flushCache() {
        writeDirty();
    }

    @Override
    public void clearCache() {
        windows.clear();
        streamTime = Long.MIN_VALUE;
        streamTimeDirty = false;
        loaded = false;
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
        return false;
    }
}
