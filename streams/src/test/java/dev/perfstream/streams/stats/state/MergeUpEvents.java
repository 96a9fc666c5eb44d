package dev.perfstream.streams.stats.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded input for the merge-up tests, and what each window must hold computed directly from its events. Uses only
 * the store API that the build before merge-up (main f4287b8) had as well, so {@link LegacyStateWriter} compiled
 * against that build writes the state that {@code SeriesWindowUpgradeTest} restores.
 */
final class MergeUpEvents {
    static final long[] SIZES = {10_000, 60_000, 300_000, 3_600_000};
    static final long GRACE = 5_000;
    static final long T0 = 1_700_000_000_000L - 1_700_000_000_000L % 3_600_000;
    /** Two routes of one service (the first with versions) and a RUM series with ratings. */
    static final String[] SERIES = {"METRIC|lat|a|/x", "METRIC|lat|a|/y", "RUM|LCP|app|/p|mobile"};

    private MergeUpEvents() {
    }

    /** One event: a value or a histogram; rating -1 for none; instance 0 for none; version null for none. */
    record Event(String series, long t, double v, boolean error, int rating, long instance, String version,
                 boolean histogram) {
        HistogramValues buckets() {
            return new HistogramValues(new double[] {v, 2 * v}, new double[] {2, 1}, 3, v, 2 * v, 4 * v, 0.02);
        }
    }

    static boolean isVersion(String id) {
        return id.contains("|v=");
    }

    static String versionId(String id, String version) {
        return id + "|v=" + version;
    }

    /** The stage's configuration of a store of task {@code self} of {@code tasks}; task 0 owns every series. */
    static SeriesWindowStore configure(SeriesWindowStore s, int self, int tasks) {
        s.configureOwnership(self, tasks, id -> self == 0);
        s.configureSmallestOnly(MergeUpEvents::isVersion);
        s.configureVersions(MergeUpEvents::versionId, id -> isVersion(id) ? id.substring(0, id.indexOf("|v=")) : null,
            SIZES[0]); // per-version windows of the smallest size: the stage before release.window
        s.loadIfNeeded();
        return s;
    }

    /**
     * Events from {@code from} to {@code to}: gaps of 20-500 ms; one in 50 put 30-90 s back (late), one in 20 put
     * 1-12 s back (on time in an older window, or late); route /x on version 1.0 for its first 5 minutes, then on 1.0
     * and 1.1 at once, now and then without a version; one in 25 a histogram event.
     */
    static List<Event> events(long seed, long from, long to) {
        Random r = new Random(seed);
        List<Event> out = new ArrayList<>();
        for (long t = from; t < to; t += 20 + r.nextInt(480)) {
            int k = r.nextInt(SERIES.length);
            long at = r.nextInt(50) == 0 ? t - 30_000 - r.nextInt(60_000) : r.nextInt(20) == 0 ? t - 1_000 - r.nextInt(11_000) : t;
            String version = null;
            if (k == 0) {
                version = t < T0 + 300_000 ? "1.0" : r.nextInt(10) == 0 ? null : r.nextInt(3) == 0 ? "1.1" : "1.0";
            }
            out.add(new Event(SERIES[k], at, Math.exp(3 + 0.8 * r.nextGaussian()), r.nextInt(15) == 0,
                k == 2 ? r.nextInt(3) : -1, r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(6), version, r.nextInt(25) == 0));
        }
        return out;
    }

    /** Adds an event as the stage does (late ones counted), then advances the store to its time. */
    static void feed(SeriesWindowStore s, Event e, java.util.function.Consumer<WindowAccumulator> emit) {
        if (s.closedAt(e.t()) >= 0) {
            s.countLate(e.series(), "ms");
        } else if (e.histogram()) {
            s.add(e.series(), e.t(), e.buckets(), e.error(), "ms", e.instance(), e.version());
        } else {
            s.add(e.series(), e.t(), e.v(), e.error(), e.rating(), "ms", e.instance(), e.version());
        }
        s.advance(e.t(), emit);
    }
}
