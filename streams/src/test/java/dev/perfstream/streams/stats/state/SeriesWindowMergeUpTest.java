package dev.perfstream.streams.stats.state;

import static dev.perfstream.streams.stats.state.MergeUpEvents.GRACE;
import static dev.perfstream.streams.stats.state.MergeUpEvents.SERIES;
import static dev.perfstream.streams.stats.state.MergeUpEvents.SIZES;
import static dev.perfstream.streams.stats.state.MergeUpEvents.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Merge-up (events into the smallest window only, each larger window made of the closed smaller ones) against
 * {@link DirectWindows}, every window of every size computed directly from its events: values, histograms, errors,
 * ratings, instances, versions, late events, partials from another task, restarts from the changelog.
 */
class SeriesWindowMergeUpTest {
    static final Sketches SKETCHES = new Sketches(0.01, 2048);

    static SeriesWindowStore store(KeyValueStore<Bytes, byte[]> kv, int self, int tasks) {
        return MergeUpEvents.configure(new SeriesWindowStore(kv, SIZES, 3, GRACE, SKETCHES), self, tasks);
    }

    private static KeyValueStore<Bytes, byte[]> inner() {
        return InnerStore.inMemory();
    }

    /** Every emitted window, by key; a window emitted twice fails the test. */
    static void collect(Map<String, WindowAccumulator> out, WindowAccumulator a) {
        WindowAccumulator before = out.put(DirectWindows.key(a), a);
        assertThat(before).as("emitted twice: %s", DirectWindows.key(a)).isNull();
    }

    /** The emitted windows equal the expected ones: every field, the sum to rounding. */
    static void assertSameWindows(Map<String, WindowAccumulator> out, Map<String, WindowAccumulator> expected) {
        assertThat(out.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, WindowAccumulator> e : expected.entrySet()) {
            WindowAccumulator got = out.get(e.getKey());
            assertThat(DirectWindows.describe(got)).isEqualTo(DirectWindows.describe(e.getValue()));
            assertThat(got.sum()).isCloseTo(e.getValue().sum(), within(1e-9 * Math.abs(e.getValue().sum()) + 1e-12));
        }
    }

    @Test
    void shouldEmitEveryWindowOfEverySizeAsComputedDirectlyFromItsEvents() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            List<MergeUpEvents.Event> events = MergeUpEvents.events(seed, T0, T0 + 25 * 60_000);
            KeyValueStore<Bytes, byte[]> ownerKv = inner();
            SeriesWindowStore[] tasks = {store(ownerKv, 0, 2), store(inner(), 1, 2)};
            DirectWindows expected = new DirectWindows(SKETCHES, 2);
            Map<String, WindowAccumulator> out = new TreeMap<>();
            Random r = new Random(seed);
            for (int i = 0; i < events.size(); i++) {
                MergeUpEvents.Event e = events.get(i);
                int k = r.nextInt(10) < 7 ? 0 : 1; // most on the owner's partition, as keyed traffic
                expected.feed(k, e);
                deliver(tasks, k, e, out);
                if (i % (events.size() / 3) == events.size() / 7) { // a restart from what the owner committed
                    tasks[0].flushCache();
                    tasks[0] = store(ownerKv, 0, 2);
                }
            }
            long last = T0 + 24 * 3_600_000L;
            MergeUpEvents.Event end = new MergeUpEvents.Event(SERIES[1], last, 1, false, -1, 0, null, false);
            deliver(tasks, 1, end, out);
            expected.feed(1, end);
            deliver(tasks, 0, end, out);
            expected.feed(0, end);
            tasks[0].advance(last + 10 * 3_600_000L, a -> collect(out, a));
            for (WindowAccumulator a : List.copyOf(expected.windows.values())) {
                if (a.start() >= T0 + 20 * 3_600_000L) { // the last event's windows: still open
                    expected.windows.remove(DirectWindows.key(a));
                    out.remove(DirectWindows.key(a));
                }
            }
            assertSameWindows(out, expected.windows);
            assertThat(out.values()).anyMatch(a -> a.sizeIndex() == 3 && a.count() > 1000);
            assertThat(out.values()).anyMatch(a -> a.sizeIndex() == 2 && a.late() > 0 && a.instances() != null);
            assertThat(out.values()).anyMatch(a -> a.sizeIndex() == 1 && a.bucketError() != null && a.poor() > 0);
            assertThat(out.keySet()).anyMatch(key -> key.contains("|v=1.1 0 "));
        }
    }

    /** Task k takes event e and advances to its time: its partials go to the owner, then its watermark. */
    private static void deliver(SeriesWindowStore[] tasks, int k, MergeUpEvents.Event e, Map<String, WindowAccumulator> out)
        throws Exception {
        List<Object[]> partials = new ArrayList<>();
        MergeUpEvents.feed(tasks[k], e, a -> {
            if (a.owned()) {
                collect(out, a);
            } else {
                partials.add(new Object[] {a.seriesId(), tasks[k].encodePartial(k, a)});
            }
        });
        for (Object[] p : partials) {
            PartialRecord pr = tasks[0].decodePartial((String) p[0], (byte[]) p[1]);
            assertThat(tasks[0].mergePartial((String) p[0], pr.sizeMs(), pr.start(), pr.partial())).isNull();
        }
        if (k != 0) {
            tasks[0].upstreamWatermark(k, tasks[k].streamTime(), a -> collect(out, a));
        }
    }

    @Test
    void shouldCountALateEventOnceInTheCurrentWindowOfEverySize() {
        SeriesWindowStore s = store(inner(), 0, 1);
        Map<String, WindowAccumulator> out = new TreeMap<>();
        s.add(SERIES[1], T0 + 1_000, 5, false, -1, "ms");
        s.advance(T0 + 61_000, a -> collect(out, a));
        assertThat(s.closedAt(T0 + 1_000)).isPositive();
        s.countLate(SERIES[1], "ms"); // in the windows holding T0 + 61 s
        s.countLate(SERIES[1], "ms", 2);
        s.advance(T0 + 2 * 3_600_000L, a -> collect(out, a));
        for (int i = 0; i < SIZES.length; i++) {
            long start = (T0 + 61_000) / SIZES[i] * SIZES[i];
            assertThat(out.get(DirectWindows.key(SERIES[1], i, start)).late()).as("size %d", i).isEqualTo(3);
        }
        assertThat(out.get(DirectWindows.key(SERIES[1], 3, T0)).count()).isEqualTo(1);
    }

    @Test
    void shouldOpenALargerWindowWhenItsOnlySmallerWindowClosesAtTheSameDeadline() {
        SeriesWindowStore s = store(inner(), 0, 1);
        List<String> out = new ArrayList<>();
        s.add(SERIES[1], T0 + 3_599_999, 7, true, -1, "ms"); // the last 10 s of the hour: every size ends with it
        s.advance(T0 + 3_600_000 + GRACE, a -> out.add(a.sizeIndex() + " n=" + a.count() + " e=" + a.errors()));
        assertThat(out).containsExactly("0 n=1 e=1", "1 n=1 e=1", "2 n=1 e=1", "3 n=1 e=1");
        assertThat(s.openWindows()).isZero();
    }
}
