package dev.perfstream.streams.stats.state;

import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The changelogged side of a {@link SeriesWindowStore}: writes its dirty series to the inner store
 * (one record per series holding all its open windows, a tombstone when none is left), its stream
 * time and the upstream watermarks; and reads them all back after a restoration, converting records
 * of the older one-per-window layout. The formats are {@link AccumulatorCodec}'s.
 */
final class SeriesChangelog {
    private final KeyValueStore<Bytes, byte[]> inner;
    private final AccumulatorCodec codec;
    private final long[] sizes;

    SeriesChangelog(KeyValueStore<Bytes, byte[]> inner, AccumulatorCodec codec, long[] sizes) {
        this.inner = inner;
        this.codec = codec;
        this.sizes = sizes;
    }

    /** What {@link #load} found. */
    record Loaded(int windows, int dropped, int converted, long streamTime) {
    }

    /**
     * Writes the series changed since the last commit: all their open windows in one record, or a
     * tombstone when none is left (the series then leaves {@code open}). Clears their dirty flags.
     */
    void write(List<OpenSeries> dirty, Map<String, OpenSeries> open) {
        for (OpenSeries s : dirty) {
            s.dirty = false;
            Bytes key = Bytes.wrap(AccumulatorCodec.seriesKey(s.id));
            if (s.windows == 0) {
                if (s.persisted) {
                    inner.put(key, null);
                    s.persisted = false;
                }
                if (open.get(s.id) == s) {
                    open.remove(s.id);
                }
                s.removed = true;
            } else {
                inner.put(key, codec.encodeSeries(windowsOf(s), sizes));
                s.persisted = true;
            }
        }
    }

    void writeStreamTime(long streamTime) {
        inner.put(Bytes.wrap(AccumulatorCodec.STREAM_TIME_KEY), ByteBuffer.allocate(8).putLong(streamTime).array());
    }

    void writeWatermarks(Upstream upstream) {
        inner.put(Bytes.wrap(AccumulatorCodec.WATERMARKS_KEY), upstream.encode());
    }

    /** Bytes the series' open windows take in the inner store (encodes each). */
    long encodedBytes(Collection<OpenSeries> series) {
        long n = 0;
        for (OpenSeries s : series) {
            if (s.windows > 0) {
                n += codec.encodeSeries(windowsOf(s), sizes).length + AccumulatorCodec.seriesKey(s.id).length;
            }
        }
        return n;
    }

    /**
     * Links every window of the inner store into {@code into}, decodes the watermarks into its
     * upstream, and marks for rewriting the series that hold windows of sizes no longer
     * configured (dropped) or records of the per-window layout (deleted here, rewritten per series
     * at the next commit).
     *
     * @param streamTime the stream time to report when the inner store holds none
     */
    Loaded load(OpenWindows into, long streamTime) {
        int n = 0;
        int dropped = 0;
        List<Bytes> legacy = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = inner.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] k = kv.key.get();
                if (AccumulatorCodec.isStreamTimeKey(k)) {
                    streamTime = ByteBuffer.wrap(kv.value).getLong();
                    continue;
                }
                if (AccumulatorCodec.isWatermarksKey(k)) {
                    into.upstream.decode(kv.value);
                    continue;
                }
                if (AccumulatorCodec.isWindowRecord(kv.value)) {
                    legacy.add(kv.key);
                    Object[] parts = AccumulatorCodec.parseWindowKey(k);
                    OpenSeries series = into.series((String) parts[0]);
                    into.markDirty(series);
                    int idx = into.indexOf((Long) parts[1]);
                    if (idx < 0) {
                        dropped++;
                        continue;
                    }
                    long start = (Long) parts[2];
                    into.link(series, restored(into, codec.decodeWindowRecord(series.id, idx, start, start + sizes[idx], kv.value)));
                    n++;
                    continue;
                }
                OpenSeries series = into.series(AccumulatorCodec.seriesOf(k));
                series.persisted = true;
                for (AccumulatorCodec.Stored w : AccumulatorCodec.splitSeries(kv.value)) {
                    int idx = into.indexOf(w.sizeMs());
                    if (idx < 0) {
                        dropped++;
                        into.markDirty(series); // rewritten without it (or removed) at the next commit
                        continue;
                    }
                    into.link(series, restored(into, codec.decodeBody(series.id, idx, w.start(), w.start() + sizes[idx],
                        ByteArrayInput.wrap(w.value(), w.offset(), w.length()))));
                    n++;
                }
                if (series.windows == 0) {
                    into.markDirty(series);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("state store " + inner.name() + " holds an undecodable window", e);
        }
        for (Bytes k : legacy) {
            inner.put(k, null);
        }
        return new Loaded(n, dropped, legacy.size(), streamTime);
    }

    /**
     * A decoded window as the store keeps it: an event-size window without the merged flag was fed per event by an
     * older build and stays direct; the rollup was always merged (from the largest event size), whatever its flag.
     */
    private static WindowAccumulator restored(OpenWindows into, WindowAccumulator a) {
        if (a.sizeIndex >= into.baseCount) {
            a.direct = false;
        }
        return a;
    }

    private static List<WindowAccumulator> windowsOf(OpenSeries s) {
        List<WindowAccumulator> out = new ArrayList<>(s.windows);
        for (WindowAccumulator h : s.heads) {
            for (WindowAccumulator a = h; a != null; a = a.next) {
                out.add(a);
            }
        }
        return out;
    }
}
