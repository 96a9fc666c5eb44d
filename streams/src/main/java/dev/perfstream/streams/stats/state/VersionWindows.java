package dev.perfstream.streams.stats.state;

import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * The per-version windows of release comparison in a {@link SeriesWindowStore}: measurements added with a version
 * also count in the per-version series {@code versionSeriesId(series id, version)}, which keeps the smallest size
 * only. An owned series' smallest window that holds one version stands for that version's window, so the version's
 * series is not fed per event; this class hands such a window over to a window of the version's own when it stops
 * holding one version, and makes the version's window from it when it closes.
 */
final class VersionWindows {
    private final OpenWindows windows;
    /** (series id, version) to the id of the series' per-version series; null: versions are not tracked here. */
    BinaryOperator<String> versionSeriesId;
    /** A per-version series id to the id of its series; null for any other id. */
    UnaryOperator<String> seriesOfVersion = id -> null;

    VersionWindows(OpenWindows windows) {
        this.windows = windows;
    }

    /**
     * Decides, before a measurement of {@code version} (null: none, or a metric without per-version windows) is added
     * to {@code w0}, the owned series' smallest window, whether it also needs a window of the version's own series.
     * While every measurement of {@code w0} is of one version, {@code w0} stands for that version's window (it holds
     * exactly the same measurements), so the version's series is not fed at all; it is emitted from {@code w0} when
     * {@code w0} closes. The first measurement of another version, one without a version, or a partial hands
     * {@code w0}'s measurements over to a real window of its version first, and from then on the version's series
     * is fed as any series. Foreign series always feed the version's series (the owner merges both partials).
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
        w0.version = WindowAccumulator.MIXED;
        w0.encoded = null;
        WindowAccumulator own = windows.window(versionSeries(series, v), 0, w0.start, w0.unit);
        own.mergeMeasurements(w0);
        windows.markDirty(own.series);
        windows.markDirty(series);
        return version != null;
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
        WindowAccumulator head = v.heads[0];
        if (head != null && head.unit != null && !head.unit.equals(unit)) {
            return null;
        }
        windows.markDirty(v);
        return windows.window(v, 0, w0.start, unit);
    }

    /** The per-version window a closing smallest window stands for (see {@link #share}), or null. */
    WindowAccumulator standsFor(WindowAccumulator a) {
        if (a.sizeIndex != 0 || a.version == null || a.version == WindowAccumulator.MIXED) {
            return null;
        }
        return asVersionWindow(a, versionSeriesId.apply(a.series.id, a.version));
    }

    /**
     * Before a partial is merged into {@code series}' smallest window at {@code start}: the partial's measurements are
     * of versions that window does not know, so it no longer stands for one; and when {@code series} is a per-version
     * series whose route's window stands for it, that window is handed over first, so the partial adds to it.
     */
    void beforePartial(OpenSeries series, long start, String unit) {
        share(series, windows.window(series, 0, start, unit), null);
        String of = seriesOfVersion.apply(series.id);
        OpenSeries route = of == null ? null : windows.open.get(of);
        WindowAccumulator shared = route == null || !route.owned ? null : OpenWindows.find(route, 0, start);
        if (shared != null && shared.version != null && shared.version != WindowAccumulator.MIXED) {
            share(route, shared, null);
        }
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
