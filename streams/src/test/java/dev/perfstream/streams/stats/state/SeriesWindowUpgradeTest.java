package dev.perfstream.streams.stats.state;

import static dev.perfstream.streams.stats.state.MergeUpEvents.GRACE;
import static dev.perfstream.streams.stats.state.MergeUpEvents.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * State written by the build before merge-up (every size fed per event) restores without losing or doubling anything:
 * its larger windows stay direct until they close, windows opened after the restore are merged up.
 *
 * <p>The resource {@code merge-up/state-f4287b8.bin} was written by main f4287b8's classes:
 * {@code javac -d out -cp MAIN_CLASSES:TEST_CLASSPATH MergeUpEvents.java LegacyStateWriter.java} then
 * {@code java -cp out:MAIN_CLASSES:TEST_CLASSPATH dev.perfstream.streams.stats.state.LegacyStateWriter FILE}, where
 * MAIN_CLASSES is {@code streams/target/classes} of a build of f4287b8 and TEST_CLASSPATH the module's test classpath
 * ({@code mvn dependency:build-classpath -Dmdep.includeScope=test}).
 */
class SeriesWindowUpgradeTest {
    @Test
    void shouldRestoreStateOfTheBuildBeforeMergeUpWithoutLosingOrDoublingAnEvent() throws Exception {
        KeyValueStore<Bytes, byte[]> kv = InnerStore.inMemory();
        try (InputStream in = getClass().getResourceAsStream("/merge-up/state-f4287b8.bin")) {
            LegacyStateWriter.read(in, kv);
        }
        Set<Long> sizesStored = new HashSet<>();
        Set<Boolean> mergedFlags = new HashSet<>();
        for (KeyValue<Bytes, byte[]> e : (Iterable<KeyValue<Bytes, byte[]>>) () -> kv.all()) {
            if (e.key.get()[0] != 0) {
                for (AccumulatorCodec.Stored w : AccumulatorCodec.splitSeries(e.value)) {
                    sizesStored.add(w.sizeMs());
                    int unitByte = w.value()[w.offset() + 72] & 0xff; // after six counters and three doubles
                    mergedFlags.add((unitByte & AccumulatorCodec.MERGED_FLAG) != 0);
                }
            }
        }
        assertThat(sizesStored).containsExactlyInAnyOrder(10_000L, 60_000L, 300_000L, 3_600_000L);
        assertThat(mergedFlags).containsExactly(false); // written before the flag existed

        DirectWindows expected = new DirectWindows(SeriesWindowMergeUpTest.SKETCHES, 1);
        for (MergeUpEvents.Event e : LegacyStateWriter.phaseOne()) {
            expected.feed(0, e);
        }
        SeriesWindowStore s = SeriesWindowMergeUpTest.store(kv, 0, 1);
        long cut = s.streamTime();
        assertThat(cut).isEqualTo(expected.streamTime(0)); // the resource is the state of phaseOne()
        // windows closed before the cut were emitted by the build that wrote the state
        expected.windows.values().removeIf(a -> a.end() + GRACE <= cut);

        Map<String, WindowAccumulator> out = new TreeMap<>();
        List<MergeUpEvents.Event> phaseTwo = MergeUpEvents.events(43, LegacyStateWriter.CUT, T0 + 20 * 60_000);
        for (int i = 0; i < phaseTwo.size(); i++) {
            expected.feed(0, phaseTwo.get(i));
            MergeUpEvents.feed(s, phaseTwo.get(i), a -> SeriesWindowMergeUpTest.collect(out, a));
            if (i == 200) { // a restart of the new build while direct windows are still open
                s.flushCache();
                s = SeriesWindowMergeUpTest.store(kv, 0, 1);
            }
        }
        s.advance(T0 + 24 * 3_600_000L, a -> SeriesWindowMergeUpTest.collect(out, a));
        SeriesWindowMergeUpTest.assertSameWindows(out, expected.windows);
        // among them: the restored direct 1 min and 5 min windows, and the rollup that holds windows closed before it
        assertThat(out).containsKeys(DirectWindows.key(MergeUpEvents.SERIES[0], 1, T0 + 420_000),
            DirectWindows.key(MergeUpEvents.SERIES[0], 2, T0 + 300_000), DirectWindows.key(MergeUpEvents.SERIES[0], 3, T0));
    }
}
