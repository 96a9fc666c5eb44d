package dev.perfstream.streams.stats.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * Three tasks' stores, one series owned by task 0, its events spread over all three at random: the
 * owner's windows, built from its own events and the partials the others forward, are exactly the
 * windows of one store that saw every event; and the owner closes nothing before every other task's
 * watermark has passed, also after a restart from its changelogged state.
 */
class SeriesOwnershipStoreTest {
    private static final long[] SIZES = {10_000, 60_000, 300_000, 3_600_000};
    private static final long GRACE = 5_000;
    private static final long T0 = 1_700_000_000_000L - 1_700_000_000_000L % 3_600_000;
    private static final String SERIES = "METRIC|lat|a|/x";

    private static KeyValueStore<Bytes, byte[]> inner() {
        return InnerStore.inMemory();
    }

    private static SeriesWindowStore store(KeyValueStore<Bytes, byte[]> inner, int self, int tasks) {
        SeriesWindowStore s = new SeriesWindowStore(inner, SIZES, 3, GRACE, new Sketches(0.01, 2048));
        s.configureOwnership(self, tasks, id -> self == 0);
        s.loadIfNeeded();
        return s;
    }

    private static String describe(WindowAccumulator a) {
        return a.sizeIndex() + " " + a.start() + " n=" + a.count() + " e=" + a.errors() + " min=" + a.min() + " max=" + a.max()
            + " sum=" + Math.round(a.mean() * a.count() * 1e6) + " q=" + a.quantile(0.5) + "/" + a.quantile(0.9) + "/"
            + a.quantile(0.99) + "/" + a.quantile(0.999);
    }

    @Test
    void shouldEmitFromTheOwnerExactlyTheWindowsOfOneStoreThatSawEveryEventWhateverTaskGotEachEvent() throws Exception {
        KeyValueStore<Bytes, byte[]> ownerKv = inner();
        SeriesWindowStore[] tasks = {store(ownerKv, 0, 3), store(inner(), 1, 3), store(inner(), 2, 3)};
        SeriesWindowStore reference = store(inner(), 0, 1);
        List<String> refOut = new ArrayList<>();
        List<String> ownerOut = new ArrayList<>();
        Random r = new Random(3);
        long end = T0 + 20 * 60_000;
        long[] streamTimes = new long[3];
        for (long t = T0; t < end; t += 97) {
            double v = Math.exp(3 + r.nextGaussian());
            boolean err = r.nextInt(50) == 0;
            reference.add(SERIES, t, v, err, -1, "ms");
            reference.advance(t, a -> refOut.add(describe(a)));
            int k = r.nextInt(3);
            // each task's own stream time moves on with its own events, never ahead of t
            streamTimes[k] = t;
            tasks[k].add(SERIES, t, v, err, -1, "ms");
            deliver(tasks, k, t, ownerOut);
            if (t == T0 + 9 * 60_000 + 97 * 30) {
                // the owner restarts from what it committed: its windows and the others' watermarks come back
                tasks[0].flushCache();
                tasks[0] = store(ownerKv, 0, 3);
            }
        }
        // the end of the input: every task's stream time moves on (the quiet-input rule), all windows close
        long last = end + 3_600_000;
        for (int k = 0; k < 3; k++) {
            deliver(tasks, k, last, ownerOut);
        }
        reference.advance(last, a -> refOut.add(describe(a)));
        assertThat(ownerOut).hasSize(refOut.size()).containsExactlyInAnyOrderElementsOf(refOut);
        assertThat(refOut).hasSize(120 + 20 + 4 + 1);
    }

    /** Task k advances to t: its partials go to the owner, then its watermark; the owner's own windows close. */
    private static void deliver(SeriesWindowStore[] tasks, int k, long t, List<String> ownerOut) throws Exception {
        List<byte[]> partials = new ArrayList<>();
        tasks[k].advance(t, a -> {
            if (a.owned()) {
                ownerOut.add(describe(a));
            } else {
                partials.add(tasks[k].encodePartial(k, a));
            }
        });
        for (byte[] p : partials) {
            PartialRecord pr = tasks[0].decodePartial(SERIES, p);
            assertThat(pr.sender()).isEqualTo(k);
            assertThat(tasks[0].mergePartial(SERIES, pr.sizeMs(), pr.start(), pr.partial())).isNull();
        }
        if (k != 0) {
            PartialRecord w = tasks[0].decodePartial(null, PartialRecord.watermark(k, tasks[k].streamTime()));
            tasks[0].upstreamWatermark(w.sender(), w.watermark(), a -> ownerOut.add(describe(a)));
        }
    }

    @Test
    void shouldCloseNothingUntilEveryOtherTaskAnnouncedAWatermarkPastTheDeadline() {
        SeriesWindowStore owner = store(inner(), 0, 3);
        List<WindowAccumulator> out = new ArrayList<>();
        owner.add(SERIES, T0 + 1_000, 5, false, -1, "ms");
        owner.advance(T0 + 3_600_000, out::add);
        assertThat(out).isEmpty();
        assertThat(owner.closeTime()).isEqualTo(Long.MIN_VALUE);
        owner.upstreamWatermark(1, T0 + 3_600_000, out::add);
        assertThat(out).isEmpty();
        owner.upstreamWatermark(2, T0 + 10_000 + GRACE - 1, out::add);
        assertThat(out).isEmpty();
        owner.upstreamWatermark(2, T0 + 10_000 + GRACE, out::add);
        assertThat(out).extracting(WindowAccumulator::sizeIndex).containsExactly(0);
        assertThat(out.get(0).count()).isEqualTo(1);
        // a watermark never moves back, and one from this task itself is ignored
        owner.upstreamWatermark(2, T0, out::add);
        owner.upstreamWatermark(0, T0 + 7_200_000, out::add);
        assertThat(owner.closeTime()).isEqualTo(T0 + 10_000 + GRACE);
    }

    @Test
    void shouldRefuseAPartialForAWindowThatAlreadyClosedAndOneInAnotherUnit() {
        SeriesWindowStore owner = store(inner(), 0, 2);
        SeriesWindowStore other = store(inner(), 1, 2);
        List<WindowAccumulator> partials = new ArrayList<>();
        other.add(SERIES, T0 + 1_000, 5, false, -1, "ms");
        other.advance(T0 + 10_000, partials::add);
        assertThat(partials).hasSize(1);
        assertThat(partials.get(0).owned()).isFalse();
        owner.advance(T0 + 20_000, a -> { });
        owner.upstreamWatermark(1, T0 + 20_000, a -> { });
        assertThat(owner.mergePartial(SERIES, 10_000, T0, partials.get(0))).isEqualTo("late");
        SeriesWindowStore other2 = store(inner(), 1, 2);
        List<WindowAccumulator> seconds = new ArrayList<>();
        owner.add(SERIES, T0 + 21_000, 1, false, -1, "ms");
        other2.add(SERIES, T0 + 21_000, 1, false, -1, "s");
        other2.advance(T0 + 30_000, seconds::add);
        assertThat(owner.mergePartial(SERIES, 10_000, T0 + 20_000, seconds.get(0))).contains("unit \"s\"");
    }

    @Test
    void shouldCloseOwnedWindowsOnAnnouncedWatermarksOnlyNeverOnAnotherTasksStateInMemory() {
        SeriesWindowStore owner = store(inner(), 0, 2);
        SeriesWindowStore other = store(inner(), 1, 2);
        List<WindowAccumulator> out = new ArrayList<>();
        owner.add(SERIES, T0 + 1_000, 5, false, -1, "ms");
        other.advance(T0 + 15_000, a -> { });
        owner.advance(T0 + 15_000, out::add);
        assertThat(out).as("the other task has announced nothing").isEmpty();

        owner.upstreamWatermark(1, T0 + 14_999, out::add);
        assertThat(out).as("watermark before end + grace").isEmpty();
        owner.upstreamWatermark(1, T0 + 15_000, out::add);
        assertThat(out).extracting(WindowAccumulator::count).containsExactly(1L);
    }

    @Test
    void shouldRestoreWatermarksWrittenByTheEarlierLayoutWithPartialCounts() {
        KeyValueStore<Bytes, byte[]> kv = inner();
        // earlier layout: watermarks, partials forwarded per owner, partials consumed per sender
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + 8 * 6);
        b.putInt(2).putLong(Long.MIN_VALUE).putLong(T0 + 15_000);
        b.putInt(2).putLong(0).putLong(7);
        b.putInt(2).putLong(0).putLong(3);
        kv.put(Bytes.wrap(AccumulatorCodec.WATERMARKS_KEY), b.array());
        SeriesWindowStore owner = store(kv, 0, 2);
        List<WindowAccumulator> out = new ArrayList<>();
        owner.add(SERIES, T0 + 1_000, 5, false, -1, "ms");
        owner.advance(T0 + 15_000, out::add);
        assertThat(out).as("task 1's restored watermark lets the window close").extracting(WindowAccumulator::count)
            .containsExactly(1L);
    }
}
