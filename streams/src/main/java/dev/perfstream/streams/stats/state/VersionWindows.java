package dev.perfstream.streams.stats.state;

import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * The per-version windows of release comparison in a {@link SeriesWindowStore}: measurements added with a version
 * also count in the per-version series {@code versionSeriesId(series id, version)}, which keeps windows of one size
 * only, {@link #size} (a size of the store's, {@code release.window}). An owned series' window of that size or
 * smaller that holds one version stands for that version's window over its span, so the version's series is not
 * fed while every window of the route's span holds the same one version; this class hands such a window over to a
 * window of the version's own when that stops being true, and makes the version's window from the route's window
 * of {@link #size} when it closes holding one version.
 *
 * <p>Which version a window holds is {@link WindowAccumulator#version}: set per measurement on the smallest window
 * ({@link #share}), and combined as windows merge up ({@link #beforeMerge}) to the size of the version windows.
 */
final class VersionWindows {
    private final OpenWindows windows;
    /** (series id, version) to the id of the series' per-version series; null: versions are not tracked here. */
    BinaryOperator<String> versionSeriesId;
    /** A per-version series id to the id of its series; null for any other id. */
    UnaryOperator<String> seriesOfVersion = id -> null;
    /** Index of the per-version windows' size among the store's sizes (an event size). */
    int size;

    VersionWindows(OpenWindows windows) {
        this.windows = windows;
    }

    /**
     * Decides, before a measurement of {@code version} (null: none, or a metric without per-version windows) is added
     * to {@code w0}, the owned series' smallest window, whether it also needs a window of the version's own series.
     * While every measurement of {@code w0} is of one version, {@code w0} stands for that version's measurements (it
     * holds exactly the same ones), so the version's series is not fed at all; they reach the version's window
     * through merge-up ({@link #beforeMerge}). The first measurement of another version, one without a version, or a
     * partial hands {@code w0}'s measurements over to the version's own window first, and from then on the version's
     * series is fed as any series. Foreign series always feed the version's series (the owner merges both partials).
     *
     * @return whether the measurement must also be added to the window of its version's series
     */
    boolean share(OpenSeries series, WindowAccumulator w0, String version) {
        String v = w0.version;
        if (versionSeriesId == null || !series.owned) {
            return version != null && versionSeriesId != null;
        }
        if (v == null) { // the window's first measurement
            w0.version = version == null ? WindowAccumulator.MIXED : version;
            return false;
        }
        if (v == WindowAccumulator.MIXED) {
            return version != null;
        }
        if (v.equals(version)) {
            return false;
        }
        mix(w0);
        return version != null;
    }

    /**
     * Before {@code a} (closing) is merged into {@code into}, the owned series' window of the next size, up to the
     * size of the version windows: {@code into} keeps standing for one version only while both hold that version;
     * else each of the two that stood for one is handed over to that version's own window, and {@code into} holds
     * "mixed" from then on (so every later window merged into it is handed over too).
     */
    void beforeMerge(WindowAccumulator into, WindowAccumulator a) {
        String va = a.version;
        String vi = into.version;
        if (versionSeriesId == null || into.sizeIndex > size || va == null || vi == va) {
            return;
        }
        if (vi == null && into.count == 0) { // nothing merged yet (a window with only late events holds none)
            into.version = va;
            return;
        }
        if (vi != null && vi != WindowAccumulator.MIXED && va != WindowAccumulator.MIXED && vi.equals(va)) {
            return; // MIXED by identity: a version may be named "mixed"
        }
        mix(into);
        if (va != WindowAccumulator.MIXED) {
            handOver(a, va);
        }
    }

    /**
     * Before a partial of another task is merged into {@code w}, a window of an owned series: the partial's
     * measurements are of versions {@code w} does not know (the sender fed the version's series itself), so
     * {@code w} no longer stands for one.
     */
    void beforePartial(WindowAccumulator w) {
        if (versionSeriesId != null && w.sizeIndex <= size && w.series.owned) {
            mix(w);
        }
    }

    /** {@code w} holds "mixed" from now on; if it stood for a version, its measurements go to that version's window. */
    private void mix(WindowAccumulator w) {
        String v = w.version;
        w.version = WindowAccumulator.MIXED;
        w.encoded = null;
        windows.markDirty(w.series);
        if (v != null && v != WindowAccumulator.MIXED) {
            handOver(w, v);
        }
    }

    /** Merges the measurements of {@code w}, all of {@code version}, into the version's own window over its span. */
    private void handOver(WindowAccumulator w, String version) {
        OpenSeries own = versionSeries(w.series, version);
        long s = windows.sizes[size];
        windows.window(own, size, Math.floorDiv(w.start, s) * s, w.unit).mergeMeasurements(w);
        windows.markDirty(own);
    }

    /** The per-version series of {@code series} for {@code version}, remembered on the series (no id built per event). */
    OpenSeries versionSeries(OpenSeries series, String version) {
        String[] keys = series.versionKeys;
        int free = -1;
        if (keys != null) {
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] == null) {
                    free = free < 0 ? i : free;
                } else if (keys[i].equals(version)) {
                    OpenSeries s = series.versionSeries[i];
                    if (!s.removed) {
                        return s;
                    }
                    free = i;
                    break;
                }
            }
        } else {
            series.versionKeys = new String[4];
            series.versionSeries = new OpenSeries[4];
            free = 0;
        }
        OpenSeries s = windows.series(versionSeriesId.apply(series.id, version));
        if (free < 0) { // more versions than slots: the oldest link goes (the store holds the series either way)
            System.arraycopy(series.versionKeys, 1, series.versionKeys, 0, series.versionKeys.length - 1);
            System.arraycopy(series.versionSeries, 1, series.versionSeries, 0, series.versionSeries.length - 1);
            free = series.versionKeys.length - 1;
        }
        series.versionKeys[free] = version;
        series.versionSeries[free] = s;
        return s;
    }

    /**
     * The window of {@code series}' per-version series of {@code version} that a measurement added to {@code w0} also
     * goes into (marked dirty), or null when that series is in another unit (as a separate add would refuse it).
     */
    WindowAccumulator window(OpenSeries series, String version, WindowAccumulator w0, String unit) {
        OpenSeries v = versionSeries(series, version);
        WindowAccumulator head = v.heads[size];
        if (head != null && head.unit != null && !head.unit.equals(unit)) {
            return null;
        }
        windows.markDirty(v);
        long s = windows.sizes[size];
        return windows.window(v, size, Math.floorDiv(w0.start, s) * s, unit);
    }

    /**
     * The per-version window a closing window of {@link #size} stands for, or null. When the version's series has a
     * window of its own there (a partial of another task made it), the closing window's measurements are handed over
     * to it instead: that window closes at the same time, after this one ({@link OpenWindows#closeDue}).
     */
    WindowAccumulator standsFor(WindowAccumulator a) {
        if (a.sizeIndex != size || a.version == null || a.version == WindowAccumulator.MIXED || versionSeriesId == null) {
            return null;
        }
        String id = versionSeriesId.apply(a.series.id, a.version);
        OpenSeries own = windows.open.get(id); // not entered when absent: a series without windows would never leave
        if (own != null && OpenWindows.find(own, size, a.start) != null) {
            handOver(a, a.version);
            return null;
        }
        return asVersionWindow(a, id);
    }

    /** Whether {@code series} is a per-version series (its windows close after their route's of the same end). */
    boolean isVersionSeries(String seriesId) {
        return versionSeriesId != null && seriesOfVersion.apply(seriesId) != null;
    }

    /**
     * Window {@code a} as the per-version window {@code seriesId} it stands for ({@link WindowAccumulator#version}):
     * the same measurements and sketch (shared, read-only), without late events and instances. Not linked.
     */
    private static WindowAccumulator asVersionWindow(WindowAccumulator a, String seriesId) {
        WindowAccumulator v = new WindowAccumulator(seriesId, a.sizeIndex, a.start, a.end, a.sketch);
        v.count = a.count;
        v.errors = a.errors;
        v.min = a.min;
        v.max = a.max;
        v.sum = a.sum;
        v.bucketError = a.bucketError;
        v.unit = a.unit;
        return v;
    }
}
