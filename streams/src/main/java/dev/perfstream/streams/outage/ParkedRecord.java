package dev.perfstream.streams.outage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One input record as it arrived, with the metadata a stage needs to process it later (route by
 * topic, dead-letter with topic, partition and offset). Stored in a state store, so it has its own
 * compact binary form: a changelog record per parked record must stay small.
 *
 * @param topic     source topic
 * @param partition source partition, -1 if unknown
 * @param offset    source offset, -1 if unknown
 * @param timestamp record timestamp (ms)
 * @param key       raw key, may be null
 * @param value     raw value, may be null
 */
public record ParkedRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
    private static final byte VERSION = 1;

    /** Binary form: version, topic (length-prefixed UTF-8), partition, offset, timestamp, key, value (-1 = null). */
    public byte[] toBytes() {
        byte[] t = topic == null ? null : topic.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + len(t) + 4 + 8 + 8 + 4 + len(key) + 4 + len(value));
        b.put(VERSION);
        putBytes(b, t);
        b.putInt(partition).putLong(offset).putLong(timestamp);
        putBytes(b, key);
        putBytes(b, value);
        return b.array();
    }

    public static ParkedRecord fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte v = b.get();
        if (v != VERSION) {
            throw new IllegalStateException("parked record of unknown format version " + v);
        }
        byte[] t = getBytes(b);
        int partition = b.getInt();
        long offset = b.getLong();
        long ts = b.getLong();
        byte[] key = getBytes(b);
        byte[] value = getBytes(b);
        return new ParkedRecord(t == null ? null : new String(t, StandardCharsets.UTF_8), partition, offset, ts, key, value);
    }

    private static int len(byte[] a) {
        return a == null ? 0 : a.length;
    }

    private static void putBytes(ByteBuffer b, byte[] a) {
        b.putInt(a == null ? -1 : a.length);
        if (a != null) {
            b.put(a);
        }
    }

    private static byte[] getBytes(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        byte[] a = new byte[n];
        b.get(a);
        return a;
    }
}
