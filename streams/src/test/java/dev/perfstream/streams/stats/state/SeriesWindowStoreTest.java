package dev.perfstream.streams.stats.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The write-back store against a real (in-memory) Kafka Streams key-value store: what a commit
 * writes is what a restarted task loads, one record per series, old layouts converted.
 */
class SeriesWindowStoreTest {
    private static final long[] SIZES = {10_000, 60_000, 300_000, 3_600_000};
    private static final long GRACE = 5_000;
    private static final long T0 = 1_700_000_000_000L - 1_700_000_000_000L % 3_600_000;

    private static KeyValueStore<Bytes, byte[]> inner() {
        return InnerStore.inMemory();
    }

    private static SeriesWindowStore store(KeyValueStore<Bytes, byte[]> inner, long[] sizes) {
        return new SeriesWindowStore(inner, sizes, 3, GRACE, new Sketches(0.01, 2048));
    }

    /** Feeds two series for 7 minutes of event time, closing some windows on the way. */
    private static void feed(SeriesWindowStore s, List<String> emitted, long from, long to) {
        for (long t = from; t < to; t += 700) {
            s.add("METRIC|lat|a|/x", t, 10 + (t / 700) % 50, t % 7 == 0, -1, "ms", 1 + (t / 700) % 3); // instances restored too
            if ((t - T0) % 2100 == 0) {
                s.add("METRIC|lat|b|/y", t, 100 + (t / 2100) % 13, false, -1, "ms");
            }
            if ((t - T0) % 4900 == 0) { // histogram buckets: restored with their error
                double e = 0.01 * (1 + (t / 4900) % 5);
                s.add("METRIC|lat|c|/z", t, new HistogramValues(new double[] {5, 50}, new double[] {3, 1}, 4, 4, 60, 80, e),
                    t % 3 == 0, "ms", 0x7fff_0000_0000L + (t / 4900) % 5);
            }
            s.advance(t, a -> emitted.add(describe(a)));
        }
    }

    private static String describe(WindowAccumulator a) {
        return a.seriesId() + " " + a.sizeIndex() + " " + a.start() + " n=" + a.count() + " e=" + a.errors() + " min=" + a.min()
            + " max=" + a.max() + " p50=" + a.quantile(0.5) + " p99=" + a.quantile(0.99) + " bucketError=" + a.bucketError()
            + " instances=" + a.instances();
    }

    @Test
    void shouldWriteOneRecordPerSeriesAndRestoreWindowsThatEmitTheSameStatsAsWithoutRestart() {
        KeyValueStore<Bytes, byte[]> kv = inner();
        SeriesWindowStore live = store(kv, SIZES);
        SeriesWindowStore reference = store(inner(), SIZES);
        List<String> liveOut = new ArrayList<>();
        List<String> refOut = new ArrayList<>();
        feed(live, liveOut, T0, T0 + 420_000);
        feed(reference, refOut, T0, T0 + 420_000);
        live.flushCache();

        Map<String, byte[]> records = new TreeMap<>();
        kv.all().forEachRemaining(e -> records.put(new String(e.key.get()), e.value));
        assertThat(records.keySet()).containsExactlyInAnyOrder("METRIC|lat|a|/x", "METRIC|lat|b|/y", "METRIC|lat|c|/z", "\0T");

        SeriesWindowStore restored = store(kv, SIZES);
        restored.loadIfNeeded();
        assertThat(restored.openWindows()).isEqualTo(live.openWindows()).isGreaterThan(4);
        assertThat(restored.streamTime()).isEqualTo(live.streamTime());

        feed(restored, liveOut, T0 + 420_000, T0 + 4_000_000);
        feed(reference, refOut, T0 + 420_000, T0 + 4_000_000);
        // the same windows with the same statistics; windows closing at the same stream time may come
        // out in another order after a restore (the order they were loaded in)
        assertThat(liveOut).containsExactlyInAnyOrderElementsOf(refOut);
        assertThat(refOut).anyMatch(s -> s.startsWith("METRIC|lat|a|/x 3 ")); // the hourly rollup closed too
        assertThat(refOut).anyMatch(s -> s.startsWith("METRIC|lat|c|/z 1 ") && s.contains("bucketError=0.05"));
        assertThat(refOut).anyMatch(s -> s.startsWith("METRIC|lat|a|/x 1 ") && s.contains("bucketError=null"));
        assertThat(refOut).anyMatch(s -> s.startsWith("METRIC|lat|a|/x 1 ") && s.endsWith("instances=3"));
        assertThat(refOut).anyMatch(s -> s.startsWith("METRIC|lat|c|/z 2 ") && s.endsWith("instances=5"));
        assertThat(refOut).anyMatch(s -> s.startsWith("METRIC|lat|b|/y ") && s.endsWith("instances=null"));
    }

    @Test
    void shouldRewriteChangedWindowsAndKeepUnchangedOnesAcrossManyCommits() {
        KeyValueStore<Bytes, byte[]> kv = inner();
        SeriesWindowStore live = store(kv, SIZES);
        SeriesWindowStore reference = store(inner(), SIZES);
        List<String> liveOut = new ArrayList<>();
        List<String> refOut = new ArrayList<>();
        // commits every 3.5 s of event time: windows change between some commits and not others, and the
        // record of a series always holds windows of both kinds
        for (long t = T0; t < T0 + 595_000; t += 3_500) {
            feed(live, liveOut, t, t + 3_500);
            live.flushCache();
        }
        feed(reference, refOut, T0, T0 + 595_000);
        SeriesWindowStore restored = store(kv, SIZES);
        restored.loadIfNeeded();
        feed(restored, liveOut, T0 + 595_000, T0 + 4_000_000);
        feed(reference, refOut, T0 + 595_000, T0 + 4_000_000);
        assertThat(liveOut).containsExactlyInAnyOrderElementsOf(refOut);
    }

    @Test
    void shouldTombstoneASeriesWhoseLastWindowClosed() {
        KeyValueStore<Bytes, byte[]> kv = inner();
        SeriesWindowStore s = store(kv, SIZES);
        s.add("METRIC|lat|gone|/", T0 + 1, 5, false, -1, "ms");
        s.flushCache();
        assertThat(kv.get(Bytes.wrap("METRIC|lat|gone|/".getBytes()))).isNotNull();
        s.add("METRIC|lat|other|/", T0 + 2 * 3_600_000, 5, false, -1, "ms");
        List<String> out = new ArrayList<>();
        s.advance(T0 + 2 * 3_600_000, a -> out.add(describe(a)));
        s.flushCache();
        assertThat(out).hasSize(4); // 10 s, 1 min, 5 min and the hourly rollup of the first series
        assertThat(kv.get(Bytes.wrap("METRIC|lat|gone|/".getBytes()))).isNull();
        assertThat(s.openWindows()).isEqualTo(1); // the other series' 10 s window: the larger ones open as it closes
    }

    @Test
    void shouldLoadTheOlderPerWindowLayoutAndDropSizesNoLongerConfigured() {
        KeyValueStore<Bytes, byte[]> kv = inner();
        // version-1 per-window records, the layout of older builds, which fed a window of every size per event
        Sketches sketches = new Sketches(0.01, 2048);
        AccumulatorCodec codec = new AccumulatorCodec(sketches);
        kv.put(Bytes.wrap(new byte[] {0, 'T'}), ByteBuffer.allocate(8).putLong(T0 + 2000).array());
        for (int i = 0; i < 3; i++) {
            WindowAccumulator a = new WindowAccumulator("METRIC|lat|a|/x", i, T0, T0 + SIZES[i], sketches.create());
            a.add(42, false, -1);
            a.add(44, true, -1);
            a.unit = "ms";
            a.direct = i > 0;
            byte[] body = codec.body(a);
            byte[] id = "METRIC|lat|a|/x".getBytes();
            byte[] key = ByteBuffer.allocate(id.length + 17).put(id).put((byte) 0).putLong(SIZES[i]).putLong(T0).array();
            byte[] value = new byte[body.length + 1];
            value[0] = AccumulatorCodec.VERSION_WINDOW;
            System.arraycopy(body, 0, value, 1, body.length);
            kv.put(Bytes.wrap(key), value);
        }
        // reload with the 5-minute size no longer configured
        SeriesWindowStore reader = new SeriesWindowStore(kv, new long[] {10_000, 60_000, 3_600_000}, 2, GRACE,
            new Sketches(0.01, 2048));
        reader.loadIfNeeded();
        assertThat(reader.openWindows()).isEqualTo(2);
        reader.flushCache();
        List<String> keys = new ArrayList<>();
        kv.all().forEachRemaining(e -> keys.add(new String(e.key.get())));
        assertThat(keys).containsExactlyInAnyOrder("METRIC|lat|a|/x", "\0T");
        List<String> out = new ArrayList<>();
        reader.advance(T0 + 120_000, a -> out.add(describe(a)));
        assertThat(out).anyMatch(s -> s.startsWith("METRIC|lat|a|/x 0 " + T0 + " n=2 e=1 min=42.0 max=44.0"));
        // the 1 min window was fed per event by the older build: the 10 s window is not merged into it again
        assertThat(out).anyMatch(s -> s.startsWith("METRIC|lat|a|/x 1 " + T0 + " n=2 e=1 min=42.0 max=44.0"));
    }

}
