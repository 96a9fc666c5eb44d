package dev.perfstream.streams.stats.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Writes the test resource {@code merge-up/state-f4287b8.bin}: the committed state of a single-task store fed
 * {@link #phaseOne()}, as the build before merge-up wrote it. Run with that build's classes (main f4287b8, which fed
 * every size per event) and this file and {@link MergeUpEvents} compiled against them; the steps are in
 * {@code SeriesWindowUpgradeTest}'s comment. File format: entry count, then per entry key length, key, value length,
 * value (big-endian ints).
 */
final class LegacyStateWriter {
    static final long SEED = 42;
    /** The commit the state is cut at: in the middle of a 10 s, a 1 min and a 5 min window. */
    static final long CUT = MergeUpEvents.T0 + 452_300;

    private LegacyStateWriter() {
    }

    static List<MergeUpEvents.Event> phaseOne() {
        return MergeUpEvents.events(SEED, MergeUpEvents.T0, CUT);
    }

    public static void main(String[] args) throws IOException {
        KeyValueStore<Bytes, byte[]> kv = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("windows"),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        kv.init(new MockProcessorContext<>().getStateStoreContext(), kv);
        SeriesWindowStore s = MergeUpEvents.configure(new SeriesWindowStore(kv, MergeUpEvents.SIZES, 3, MergeUpEvents.GRACE,
            new Sketches(0.01, 2048)), 0, 1);
        for (MergeUpEvents.Event e : phaseOne()) {
            MergeUpEvents.feed(s, e, a -> { });
        }
        s.flushCache();
        List<KeyValue<Bytes, byte[]>> entries = new ArrayList<>();
        kv.all().forEachRemaining(entries::add);
        try (DataOutputStream out = new DataOutputStream(new FileOutputStream(args[0]))) {
            out.writeInt(entries.size());
            for (KeyValue<Bytes, byte[]> e : entries) {
                out.writeInt(e.key.get().length);
                out.write(e.key.get());
                out.writeInt(e.value.length);
                out.write(e.value);
            }
        }
    }

    /** Reads a file written by {@link #main} into {@code kv}. */
    static void read(InputStream in, KeyValueStore<Bytes, byte[]> kv) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int n = d.readInt();
        for (int i = 0; i < n; i++) {
            byte[] k = new byte[d.readInt()];
            d.readFully(k);
            byte[] v = new byte[d.readInt()];
            d.readFully(v);
            kv.put(Bytes.wrap(k), v);
        }
    }
}
