package dev.perfstream.streams.stats.state;

import static dev.perfstream.streams.stats.state.MergeUpEvents.GRACE;
import static dev.perfstream.streams.stats.state.MergeUpEvents.SIZES;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What every window of every size must hold, computed directly from its events: each event added to its window of
 * every size (the rollup included) and, with a version, to its per-version window; a late event counted in the
 * window of every size holding the stream time of the task that received it. The stats stage's output before
 * merge-up, without the store.
 */
final class DirectWindows {
    static final double[] QS = {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999};

    final Map<String, WindowAccumulator> windows = new HashMap<>();
    private final Sketches sketches;
    private final long[] streamTimes;

    DirectWindows(Sketches sketches, int tasks) {
        this.sketches = sketches;
        this.streamTimes = new long[tasks];
        Arrays.fill(streamTimes, Long.MIN_VALUE);
    }

    long streamTime(int task) {
        return streamTimes[task];
    }

    /** An event as task {@code task} receives it. */
    void feed(int task, MergeUpEvents.Event e) {
        long st = streamTimes[task];
        if (Math.floorDiv(e.t(), SIZES[0]) * SIZES[0] + SIZES[0] + GRACE <= st) {
            for (int i = 0; i < SIZES.length; i++) {
                window(e.series(), i, st).late++;
            }
        } else {
            for (int i = 0; i < SIZES.length; i++) {
                WindowAccumulator a = window(e.series(), i, e.t());
                if (e.histogram()) {
                    a.add(e.buckets(), e.error());
                } else {
                    a.add(e.v(), e.error(), e.rating());
                }
                if (e.instance() != 0) {
                    a.addInstance(e.instance());
                }
            }
            if (e.version() != null) {
                WindowAccumulator v = window(MergeUpEvents.versionId(e.series(), e.version()), 0, e.t());
                if (e.histogram()) {
                    v.add(e.buckets(), e.error());
                } else {
                    v.add(e.v(), e.error(), -1);
                }
            }
        }
        streamTimes[task] = Math.max(st, e.t());
    }

    private WindowAccumulator window(String series, int sizeIndex, long t) {
        long start = Math.floorDiv(t, SIZES[sizeIndex]) * SIZES[sizeIndex];
        return windows.computeIfAbsent(key(series, sizeIndex, start), k -> {
            WindowAccumulator a = new WindowAccumulator(series, sizeIndex, start, start + SIZES[sizeIndex], sketches.create());
            a.unit = "ms";
            return a;
        });
    }

    static String key(String series, int sizeIndex, long start) {
        return series + " " + sizeIndex + " " + start;
    }

    static String key(WindowAccumulator a) {
        return key(a.seriesId(), a.sizeIndex(), a.start());
    }

    /** Every field of a WindowStats but the sum (compared apart: merging adds in another order). */
    static String describe(WindowAccumulator a) {
        return key(a) + "-" + a.end() + " n=" + a.count() + " e=" + a.errors() + " late=" + a.late() + " ratings="
            + a.good() + "/" + a.needsImprovement() + "/" + a.poor() + " min=" + a.min() + " max=" + a.max() + " unit="
            + a.unit() + " bucketError=" + a.bucketError() + " instances=" + a.instances() + "/" + a.instancesOverflowed()
            + " sketchCount=" + a.sketch().getCount() + " q=" + Arrays.toString(a.quantiles(QS)) + " p50=" + a.quantile(0.5);
    }
}
