package dev.perfstream.streams.alerts.slo;

import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Event and error totals of one service per SLO bucket (the stats window, 1 min by default), in a
 * changelogged key-value store. Keys are {@code slo-id NUL service NUL zero-padded bucket start}, so
 * a range scan returns one service's buckets in time order.
 *
 * <p>Why our own accumulation rather than the stats stage's 1-hour rollups: burn rates need totals
 * over 5 min .. 1 day ending at every minute, summed over every route of a service; one range scan
 * of at most 1440 small buckets per evaluation gives all six windows at once.
 */
public final class SloBuckets {
    private final KeyValueStore<String, long[]> store;

    public SloBuckets(KeyValueStore<String, long[]> store) {
        this.store = store;
    }

    static String key(String sloId, String service, long bucketStart) {
        return sloId + '\u0000' + service + '\u0000' + String.format("%015d", bucketStart);
    }

    /** Adds a window's totals to its bucket. */
    public void add(String sloId, String service, long bucketStart, long count, long errors) {
        String k = key(sloId, service, bucketStart);
        long[] v = store.get(k);
        store.put(k, v == null ? new long[] {count, errors} : new long[] {v[0] + count, v[1] + errors});
    }

    /** Deletes buckets that start before {@code cutoff}. */
    public void expire(String sloId, String service, long cutoff) {
        try (KeyValueIterator<String, long[]> it = store.range(key(sloId, service, 0), key(sloId, service, cutoff - 1))) {
            while (it.hasNext()) {
                store.delete(it.next().key);
            }
        }
    }

    /**
     * Totals over {@code [now - w, now)} for each look-back {@code w}.
     *
     * @return per look-back: {count, errors}; the last row is {earliest bucket start, 0} (Long.MAX_VALUE when none)
     */
    public long[][] totals(String sloId, String service, long now, long[] lookbacks) {
        long longest = 0;
        for (long w : lookbacks) {
            longest = Math.max(longest, w);
        }
        long[][] out = new long[lookbacks.length + 1][2];
        out[lookbacks.length][0] = Long.MAX_VALUE;
        try (KeyValueIterator<String, long[]> it = store.range(key(sloId, service, Math.max(0, now - longest)),
            key(sloId, service, now - 1))) {
            while (it.hasNext()) {
                KeyValue<String, long[]> kv = it.next();
                long start = Long.parseLong(kv.key.substring(kv.key.lastIndexOf('\u0000') + 1));
                out[lookbacks.length][0] = Math.min(out[lookbacks.length][0], start);
                for (int i = 0; i < lookbacks.length; i++) {
                    if (start >= now - lookbacks[i]) {
                        out[i][0] += kv.value[0];
                        out[i][1] += kv.value[1];
                    }
                }
            }
        }
        return out;
    }

    /** 16-byte big-endian {count, errors}. */
    public static Serde<long[]> serde() {
        Serializer<long[]> ser = (t, v) -> v == null ? null : ByteBuffer.allocate(16).putLong(v[0]).putLong(v[1]).array();
        Deserializer<long[]> de = (t, b) -> {
            if (b == null) {
                return null;
            }
            ByteBuffer bb = ByteBuffer.wrap(b);
            return new long[] {bb.getLong(), bb.getLong()};
        };
        return org.apache.kafka.common.serialization.Serdes.serdeFrom(ser, de);
    }
}
