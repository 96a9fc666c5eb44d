package dev.perfstream.streams.stats.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The in-memory side of a {@link SeriesWindowStore}: the open series and their window chains, the
 * series changed since the last commit, the due times of every open window, the other tasks'
 * watermarks, and closing. The store's per-event path reads {@link #open} and {@link #flushes}
 * directly, so that an event costs no call more than these methods' own.
 */
final class OpenWindows {
    /** Window sizes in ms, ascending, each dividing the next; the rollup last if any. */
    final long[] sizes;
    /** How many of {@link #sizes} are event sizes, which partials may be of (the rest is the rollup). */
    final int baseCount;
    final long grace;
    private final Sketches sketches;

    final Map<String, OpenSeries> open = new HashMap<>();
    /** Series changed since the last write to the inner store. */
    final List<OpenSeries> dirty = new ArrayList<>();
    /** Open owned windows by the close time at which they close (end + grace). */
    private final TreeMap<Long, List<WindowAccumulator>> deadlines = new TreeMap<>();
    /** Foreign windows by the stream time at which they are forwarded to their owner (their end). */
    final TreeMap<Long, List<WindowAccumulator>> flushes = new TreeMap<>();
    final Upstream upstream = new Upstream();
    Predicate<String> owns = id -> true;
    Predicate<String> smallestOnly = id -> false;
    /** Series whose smallest windows are of size index {@link #firstSize} instead of 0. */
    Predicate<String> startsLarger = id -> false;
    int firstSize;
    /** The per-version windows of release comparison. */
    final VersionWindows versions = new VersionWindows(this);
    private long closeTime = Long.MIN_VALUE;
    private int count;

    OpenWindows(long[] sizes, int baseCount, long grace, Sketches sketches) {
        this.sizes = sizes;
        this.baseCount = baseCount;
        this.grace = grace;
        this.sketches = sketches;
    }

    /** Open windows held (all sizes, rollups included). */
    int count() {
        return count;
    }

    /** The earliest end + grace of an open owned window, or {@code Long.MAX_VALUE} when none is open. */
    long firstDeadline() {
        return deadlines.isEmpty() ? Long.MAX_VALUE : deadlines.firstKey();
    }

    /** The close time, never moving back (a peer's may: see {@link Upstream}). */
    long advanceCloseTime(long streamTime) {
        long now = upstream.closeTime(streamTime);
        if (now > closeTime) {
            closeTime = now;
        }
        return closeTime;
    }

    /**
     * Closes every owned window whose end plus grace the close time has reached, smallest deadlines
     * first and, at equal deadlines, smaller sizes first: a window is merged into its window of the
     * next size when it closes ({@link #close}), so that one must still be open.
     */
    void closeDue(long streamTime, Consumer<WindowAccumulator> emit) {
        if (deadlines.isEmpty() || deadlines.firstKey() > streamTime) {
            return; // nothing could close: the close time is never past this task's own stream time
        }
        advanceCloseTime(streamTime);
        while (!deadlines.isEmpty() && deadlines.firstKey() <= closeTime) {
            List<WindowAccumulator> due = deadlines.pollFirstEntry().getValue();
            for (int size = 0; size < sizes.length; size++) {
                for (WindowAccumulator a : due) {
                    if (a.sizeIndex == size && !a.series.ofVersion) {
                        close(a, emit);
                    }
                }
                for (WindowAccumulator a : due) { // after their routes' windows: see VersionWindows#standsFor
                    if (a.sizeIndex == size && a.series.ofVersion) {
                        close(a, emit);
                    }
                }
            }
        }
    }

    /**
     * Emits an owned window and merges it into the series' window of the next size (opened if need be; a window of
     * the same deadline opened here goes into a new entry of {@link #deadlines}, closed after this one). Sizes nest
     * and share one grace, so every measurement, late count and partial of a window reaches each larger window
     * through this chain exactly once; a {@link WindowAccumulator#direct} window got them per event instead.
     */
    private void close(WindowAccumulator a, Consumer<WindowAccumulator> emit) {
        unlink(a);
        emit.accept(a);
        WindowAccumulator standing = versions.standsFor(a);
        if (standing != null) { // the version's window too
            emit.accept(standing);
        }
        int up = a.sizeIndex + 1;
        if (a.series.owned && up < a.series.depth) {
            long s = sizes[up];
            WindowAccumulator into = window(a.series, up, Math.floorDiv(a.start, s) * s, a.unit);
            if (!into.direct) {
                versions.beforeMerge(into, a);
                into.merge(a);
            }
        }
        markDirty(a.series); // rewritten without the closed window, or as a tombstone if it was the last
    }

    /**
     * The series' window of event size {@code sizeIndex} (at least 1) holding {@code timestamp} if it is a
     * {@link WindowAccumulator#direct} one, else null. Only asked when the series has direct windows.
     */
    WindowAccumulator direct(OpenSeries series, int sizeIndex, long timestamp) {
        long s = sizes[sizeIndex];
        WindowAccumulator a = find(series, sizeIndex, Math.floorDiv(timestamp, s) * s);
        return a != null && a.direct ? a : null;
    }

    /**
     * Adds a measurement (a value, or histogram {@code h} when not null) to the series' direct windows holding
     * {@code timestamp}, if any: windows restored from a build that fed every size per event.
     */
    void addDirect(OpenSeries series, long timestamp, double value, boolean error, int rating, HistogramValues h,
                   long instance) {
        for (int i = series.first + 1; i < baseCount; i++) {
            WindowAccumulator a = direct(series, i, timestamp);
            if (a == null) {
                continue;
            }
            if (h != null) {
                a.add(h, error);
            } else {
                a.add(value, error, rating);
            }
            if (instance != 0) {
                a.addInstance(instance);
            }
        }
    }

    /** See {@link SeriesWindowStore#mergePartial}. */
    String merge(String seriesId, long sizeMs, long start, WindowAccumulator partial, long streamTime) {
        int idx = indexOf(sizeMs);
        if (idx < 0 || idx >= baseCount) {
            return "window size " + sizeMs + " ms is not one of this stage's event window sizes";
        }
        if (start + sizes[idx] + grace <= advanceCloseTime(streamTime)) {
            return "late";
        }
        OpenSeries series = series(seriesId);
        if (!series.owned) {
            return "series " + seriesId + " is not owned by this task: the partials topic's partition count"
                + " differs from the one the stage started with; restart the stats stage";
        }
        String unit = partial.unit();
        String seriesUnit = unit(series);
        if (seriesUnit != null && !seriesUnit.equals(unit)) {
            return partial.count + " events in unit \"" + unit + "\" but series " + seriesId + " is in \"" + seriesUnit + "\"";
        }
        WindowAccumulator w = window(series, idx, start, unit); // the smallest almost always: merged up when it closes
        if (!series.ofVersion) {
            versions.beforePartial(w);
        }
        w.merge(partial);
        for (int i = series.first + 1; idx == series.first && series.direct > 0 && i < baseCount; i++) {
            WindowAccumulator d = direct(series, i, start);
            if (d != null) {
                d.merge(partial);
            }
        }
        markDirty(series);
        return null;
    }

    /** The unit of the series' open windows (of its smallest size that has one), or null. */
    static String unit(OpenSeries series) {
        for (WindowAccumulator h : series.heads) {
            if (h != null && h.unit != null) {
                return h.unit;
            }
        }
        return null;
    }

    /** The series' open window of that size and start, or null. */
    static WindowAccumulator find(OpenSeries series, int sizeIndex, long start) {
        for (WindowAccumulator a = series.heads[sizeIndex]; a != null; a = a.next) {
            if (a.start == start) {
                return a;
            }
        }
        return null;
    }

    /** The series, entering it (owned or foreign, which sizes it has windows of) if it is new. */
    OpenSeries series(String seriesId) {
        OpenSeries s = open.get(seriesId);
        if (s == null) {
            boolean owned = owns.test(seriesId);
            s = new OpenSeries(seriesId, owned, sizes.length, owned && !smallestOnly.test(seriesId) ? sizes.length : 1,
                startsLarger.test(seriesId) ? firstSize : 0, versions.isVersionSeries(seriesId));
            open.put(seriesId, s);
        }
        return s;
    }

    /** The series' window of that size and start, opened if it is not. */
    WindowAccumulator window(OpenSeries series, int sizeIndex, long start, String unit) {
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
    void link(OpenSeries series, WindowAccumulator a) {
        a.series = series;
        a.prev = null;
        a.next = series.heads[a.sizeIndex];
        if (a.next != null) {
            a.next.prev = a;
        }
        series.heads[a.sizeIndex] = a;
        series.windows++;
        if (a.direct) {
            series.direct++;
        }
        if (series.owned) {
            deadlines.computeIfAbsent(a.end + grace, k -> new ArrayList<>(4)).add(a);
        } else {
            flushes.computeIfAbsent(a.end, k -> new ArrayList<>(4)).add(a);
        }
        count++;
    }

    /**
     * Constant time (the chain is doubly linked): windows close oldest first, at the far end of the
     * chain, and walking to it was a tenth of the stage's time in the benchmark when owners waited
     * for other tasks' watermarks with several windows open per series.
     */
    void unlink(WindowAccumulator a) {
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
        if (a.direct) {
            a.series.direct--;
        }
        count--;
    }

    void markDirty(OpenSeries s) {
        if (!s.dirty) {
            s.dirty = true;
            dirty.add(s);
        }
    }

    int indexOf(long sizeMs) {
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == sizeMs) {
                return i;
            }
        }
        return -1;
    }

    /** Forgets every window, series and watermark (the configuration stays). */
    void clear() {
        open.values().forEach(s -> s.removed = true);
        open.clear();
        deadlines.clear();
        flushes.clear();
        upstream.clear();
        closeTime = Long.MIN_VALUE;
        dirty.clear();
        count = 0;
    }
}
