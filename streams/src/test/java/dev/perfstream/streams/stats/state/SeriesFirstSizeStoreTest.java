package dev.perfstream.streams.stats.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Series that start at a larger window size ({@link SeriesWindowStore#configureFirstSize}, the statement and cache
 * series at {@code stats.queries.window}): their windows of that size and up are exactly those of a store where they
 * start at the smallest size and merge up, and they have no smaller windows at all. Checked with single values,
 * histograms, late events, restarts from the changelog, partials from other tasks, and a store whose changelog still
 * holds 10 s windows of such a series (the setting changed across a restart).
 */
class SeriesFirstSizeStoreTest {
    private static final long[] SIZES = {10_000, 60_000, 300_000, 3_600_000};
    private static final long GRACE = 5_000;
    private static final long T0 = 1_700_000_000_000L - 1_700_000_000_000L % 3_600_000;
    private static final String[] SERIES = {"METRIC|@statement|a|select 1", "METRIC|@statement|a|select 2",
        "METRIC|@cache.hit|a|users", "METRIC|db.query.duration|a|"};
    private static final Sketches SKETCHES = new Sketches(0.01, 2048);

    private static boolean isDetail(String id) {
        return id.startsWith("METRIC|@");
    }

    private static KeyValueStore<Bytes, byte[]> inner() {
        return InnerStore.inMemory();
    }

    /** Task {@code self} of {@code tasks} (task 0 owns every series); the detail series from 1 min when {@code firstMinute}. */
    private static SeriesWindowStore store(KeyValueStore<Bytes, byte[]> kv, int self, int tasks, boolean firstMinute) {
        SeriesWindowStore s = new SeriesWindowStore(kv, SIZES, 3, GRACE, SKETCHES);
        s.configureOwnership(self, tasks, id -> self == 0);
        if (firstMinute) {
            s.configureFirstSize(SeriesFirstSizeStoreTest::isDetail, 60_000);
        }
        s.loadIfNeeded();
        return s;
    }

    /**
     * Every field a window is emitted with, the sketch as its bytes; the sum rounded to 1e-6 (a minute's sum adds its
     * 10 s parts in another order than event by event).
     */
    private static String describe(WindowAccumulator a) {
        GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
        SKETCHES.encode(a.sketch(), out);
        return a.seriesId() + " " + (a.end() - a.start()) + " " + a.start() + " n=" + a.count() + " e=" + a.errors()
            + " late=" + a.late() + " min=" + a.min() + " max=" + a.max() + " sum=" + Math.round(a.sum() * 1e6)
            + " unit=" + a.unit() + " bucketError=" + a.bucketError() + " instances=" + a.instances()
            + " sketch=" + Base64.getEncoder().encodeToString(out.trimmedCopy());
    }

    private static boolean tenSecondsOfDetail(String d) {
        return isDetail(d) && d.contains(" 10000 ");
    }

    private record Event(String series, long t, double v, boolean error, boolean histogram) {
    }

    /** 15 minutes of the four series, a histogram event now and then, and every 97th event put back a minute: late. */
    private static List<Event> events(long seed) {
        Random r = new Random(seed);
        List<Event> out = new ArrayList<>();
        int i = 0;
        for (long t = T0; t < T0 + 15 * 60_000; t += 50 + r.nextInt(400), i++) {
            out.add(new Event(SERIES[r.nextInt(SERIES.length)], i % 97 == 96 ? t - 60_000 : t,
                Math.exp(2 + r.nextGaussian()), r.nextInt(25) == 0, r.nextInt(30) == 0));
        }
        return out;
    }

    /** Adds the event, or counts it late in its series as the stage does. */
    private static void add(SeriesWindowStore s, Event e, long instance) {
        if (s.closedAt(e.t()) >= 0) {
            s.countLate(e.series(), "ms");
            return;
        }
        if (e.histogram()) {
            HistogramValues h = new HistogramValues(new double[] {e.v(), 3 * e.v()}, new double[] {2, 1}, 3, e.v(),
                3 * e.v(), 5 * e.v(), 0.02);
            assertThat(s.add(e.series(), e.t(), h, e.error(), "ms", instance)).isNull();
        } else {
            assertThat(s.add(e.series(), e.t(), e.v(), e.error(), -1, "ms", instance)).isNull();
        }
    }

    /** The windows a single task emits for {@code events}, restarted from its changelog at {@code restarts}. */
    private static List<String> run(List<Event> events, boolean firstMinute, int... restarts) {
        KeyValueStore<Bytes, byte[]> kv = inner();
        SeriesWindowStore s = store(kv, 0, 1, firstMinute);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            add(s, e, 1 + i % 4);
            s.advance(e.t(), a -> out.add(describe(a)));
            for (int r : restarts) {
                if (i == r) {
                    s.flushCache();
                    s = store(kv, 0, 1, firstMinute);
                }
            }
        }
        s.advance(T0 + 24 * 3_600_000L, a -> out.add(describe(a)));
        return out;
    }

    @Test
    void shouldEmitTheMergedUpWindowsOfTheLargerSizesAndNoSmallerOnes() {
        List<Event> events = events(3);
        List<String> reference = run(events, false);
        List<String> firstMinute = run(events, true, events.size() / 3, 2 * events.size() / 3);

        List<String> expected = reference.stream().filter(d -> !tenSecondsOfDetail(d)).toList();
        assertThat(firstMinute).hasSameSizeAs(expected).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(firstMinute).noneMatch(SeriesFirstSizeStoreTest::tenSecondsOfDetail);
        // the check has something to compare: detail minutes with late counts, and 10 s windows of the plain series
        assertThat(firstMinute).anyMatch(d -> isDetail(d) && d.contains(" 60000 ") && !d.contains(" late=0 "));
        assertThat(firstMinute).anyMatch(d -> d.startsWith(SERIES[3] + " 10000 "));
        assertThat(reference.stream().filter(SeriesFirstSizeStoreTest::tenSecondsOfDetail).count()).isGreaterThan(200);
    }

    @Test
    void shouldEmitFromTheOwnerTheWindowsOfOneStoreThatSawEveryEventWithPartialsOfOneMinute() throws Exception {
        List<Event> events = events(5);
        List<String> expected = run(events, false).stream().filter(d -> !tenSecondsOfDetail(d)).toList();
        KeyValueStore<Bytes, byte[]> ownerKv = inner();
        SeriesWindowStore[] tasks = {store(ownerKv, 0, 3, true), store(inner(), 1, 3, true), store(inner(), 2, 3, true)};
        List<String> ownerOut = new ArrayList<>();
        List<Long> partialSizes = new ArrayList<>();
        Random r = new Random(9);
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            int k = r.nextInt(3);
            // the owner has read up to the newest event time (it advances after each event below), as the reference
            // store: an event late there is counted there, in the same window as the reference counts it
            add(tasks[tasks[0].closedAt(e.t()) >= 0 ? 0 : k], e, 1 + i % 4);
            deliver(tasks, k, e.t(), ownerOut, partialSizes);
            if (k != 0) {
                deliver(tasks, 0, e.t(), ownerOut, partialSizes);
            }
            if (i == events.size() / 2) {
                tasks[0].flushCache();
                tasks[0] = store(ownerKv, 0, 3, true);
            }
        }
        for (int k = 2; k >= 0; k--) {
            deliver(tasks, k, T0 + 24 * 3_600_000L, ownerOut, partialSizes);
        }
        assertThat(ownerOut).hasSameSizeAs(expected).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(partialSizes).contains(10_000L, 60_000L); // plain series' partials of 10 s, detail series' of 1 min
    }

    /** Task k advances to t: its partials go to the owner (task 0), then its watermark; the owner's own windows close. */
    private static void deliver(SeriesWindowStore[] tasks, int k, long t, List<String> ownerOut, List<Long> partialSizes)
        throws Exception {
        List<String[]> partials = new ArrayList<>();
        Consumer<WindowAccumulator> emit = a -> {
            if (a.owned()) {
                ownerOut.add(describe(a));
            } else {
                partials.add(new String[] {a.seriesId(), Base64.getEncoder().encodeToString(tasks[k].encodePartial(k, a))});
            }
        };
        tasks[k].advance(t, emit);
        for (String[] p : partials) {
            PartialRecord pr = tasks[0].decodePartial(p[0], Base64.getDecoder().decode(p[1]));
            partialSizes.add(pr.sizeMs());
            assertThat(pr.sizeMs()).isEqualTo(isDetail(p[0]) ? 60_000 : 10_000);
            assertThat(tasks[0].mergePartial(p[0], pr.sizeMs(), pr.start(), pr.partial())).isNull();
        }
        if (k != 0) {
            PartialRecord w = tasks[0].decodePartial(null, PartialRecord.watermark(k, tasks[k].streamTime()));
            tasks[0].upstreamWatermark(w.sender(), w.watermark(), a -> ownerOut.add(describe(a)));
        }
    }

    @Test
    void shouldCloseTheTenSecondWindowsAnEarlierSettingLeftInTheChangelogAndMergeThemIntoTheMinute() {
        KeyValueStore<Bytes, byte[]> kv = inner();
        SeriesWindowStore before = store(kv, 0, 1, false);
        List<String> out = new ArrayList<>();
        for (long t = T0; t < T0 + 15_000; t += 1000) { // a closed 10 s window, and 5 s of an open one
            before.add(SERIES[0], t, 4, false, -1, "ms");
            before.advance(t, a -> out.add(a.seriesId() + " " + (a.end() - a.start()) + " n=" + a.count()));
        }
        before.flushCache();
        SeriesWindowStore after = store(kv, 0, 1, true); // restarted with statement windows from 1 min
        for (long t = T0 + 15_000; t < T0 + 30_000; t += 1000) {
            after.add(SERIES[0], t, 4, false, -1, "ms");
            after.advance(t, a -> out.add(a.seriesId() + " " + (a.end() - a.start()) + " n=" + a.count()));
        }
        after.advance(T0 + 2 * 3_600_000, a -> out.add(a.seriesId() + " " + (a.end() - a.start()) + " n=" + a.count()));
        // the open 10 s window from before the restart closes as one; every event reaches the minute exactly once
        assertThat(out).containsExactly(SERIES[0] + " 10000 n=10", SERIES[0] + " 10000 n=5", SERIES[0] + " 60000 n=30",
            SERIES[0] + " 300000 n=30", SERIES[0] + " 3600000 n=30");
    }

    @Test
    void shouldCountALateEventInTheCurrentMinuteOfSuchASeries() {
        SeriesWindowStore s = store(inner(), 0, 1, true);
        s.add(SERIES[3], T0 + 90_000, 4, false, -1, "ms");
        s.advance(T0 + 90_000, a -> { });
        assertThat(s.closedAt(T0)).isGreaterThanOrEqualTo(0);
        s.countLate(SERIES[0], "ms");
        List<String> out = new ArrayList<>();
        s.advance(T0 + 3_600_000, a -> out.add(a.seriesId() + " " + (a.end() - a.start()) + " " + a.start() + " late="
            + a.late()));
        assertThat(out).contains(SERIES[0] + " 60000 " + (T0 + 60_000) + " late=1")
            .noneMatch(d -> d.startsWith(SERIES[0] + " 10000 "));
    }

    @Test
    void shouldRefuseAFirstSizeThatIsNotAnEventWindowSize() {
        SeriesWindowStore s = new SeriesWindowStore(inner(), SIZES, 3, GRACE, SKETCHES);
        assertThatThrownBy(() -> s.configureFirstSize(id -> true, 30_000)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("30000");
        assertThatThrownBy(() -> s.configureFirstSize(id -> true, 3_600_000)).isInstanceOf(IllegalArgumentException.class);
    }
}
