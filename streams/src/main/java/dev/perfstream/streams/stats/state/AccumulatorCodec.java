package dev.perfstream.streams.stats.state;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Byte layout of the inner store. Hand-written (no Avro) because it is private to this store and
 * written for every dirty series at every commit: fixed headers, then DDSketch's own encoding.
 *
 * <p>One record per series, holding all its open windows, so that a commit writes one changelog
 * record per series touched rather than one per window (an event touches a window of every size).
 * Key: the series id (UTF-8). Value: version byte 2, window count (int), then per window: size ms,
 * start ms (8 bytes each, little-endian), body length (int) and body: six counters and three
 * doubles (little-endian), unit (length byte + ASCII), sketch. When histogram buckets went into the
 * window, the unit's length byte has its high bit set and the bucket error (double) follows the unit:
 * bodies without it are the same bytes as before. When events carried an instance, bit 0x40 of that byte is set
 * and the distinct instances follow (count as a long, then 64-bit hashes). When every measurement of an owned
 * window (of the per-version windows' size or smaller) was of one service version ({@code WindowAccumulator#version}),
 * bit 0x20 is set and that version follows (length in two bytes, big-endian, then UTF-8); units are names of at most 7 characters, so the bit was
 * never set before. Bit 0x10 ({@link #MERGED_FLAG}) marks a window larger than the smallest that is made by
 * merge-up; without it such a window was written by a build that fed every size per event, and is restored as
 * {@code direct}. Partials (smallest windows) never carry it, so builds before it still read them.
 *
 * <p>Version 1 (one record per window, key: series id, 0x00, size, start; value: version byte 1 and
 * the body) is still read, so state written by an older build is loaded and rewritten.
 */
final class AccumulatorCodec {
    static final byte VERSION_WINDOW = 1;
    static final byte VERSION_SERIES = 2;
    /** High bit of the unit's length byte: a bucket error follows the unit. */
    static final int BUCKET_ERROR_FLAG = 0x80;
    /**
     * Next bit of the unit's length byte (units are short names, at most 31 bytes): the window's distinct instances
     * follow (after the bucket error, if any): their count (long) and that many 64-bit hashes.
     */
    static final int INSTANCES_FLAG = 0x40;
    /** Next bit: the window stands for the per-version window of the version that follows (after the instances). */
    static final int VERSION_FLAG = 0x20;
    /**
     * Next bit: a window of a size larger than the smallest that receives the smaller windows as they close
     * ({@code WindowAccumulator#direct} false). Units are at most 15 bytes (the longest allowed is 7).
     */
    static final int MERGED_FLAG = 0x10;
    /** Key of the observed stream time; no series id starts with 0x00. */
    static final byte[] STREAM_TIME_KEY = {0, 'T'};
    /** Key of what the task knows of the others (watermarks, partials forwarded and consumed; {@code Upstream}). */
    static final byte[] WATERMARKS_KEY = {0, 'W'};

    private final Sketches sketches;
    private final GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(1024);

    AccumulatorCodec(Sketches sketches) {
        this.sketches = sketches;
    }

    static byte[] seriesKey(String seriesId) {
        return seriesId.getBytes(StandardCharsets.UTF_8);
    }

    static String seriesOf(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }

    /** @return {seriesId, sizeMs, start} of a version-1 window key */
    static Object[] parseWindowKey(byte[] key) {
        int sep = key.length - 17;
        ByteBuffer b = ByteBuffer.wrap(key, sep + 1, 16);
        return new Object[] {new String(key, 0, sep, StandardCharsets.UTF_8), b.getLong(), b.getLong()};
    }

    static boolean isWindowRecord(byte[] value) {
        return value.length > 0 && value[0] == VERSION_WINDOW;
    }

    /** The series' open windows, newest first within each size. */
    byte[] encodeSeries(List<WindowAccumulator> windows, long[] sizes) {
        byte[][] bodies = new byte[windows.size()][];
        int total = 1 + 4;
        for (int i = 0; i < bodies.length; i++) {
            WindowAccumulator a = windows.get(i);
            if (a.encoded == null) {
                a.encoded = body(a);
            }
            bodies[i] = a.encoded;
            total += 8 + 8 + 4 + bodies[i].length;
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(VERSION_SERIES).putInt(bodies.length);
        for (int i = 0; i < bodies.length; i++) {
            WindowAccumulator a = windows.get(i);
            b.putLong(sizes[a.sizeIndex]).putLong(a.start).putInt(bodies[i].length).put(bodies[i]);
        }
        return b.array();
    }

    /** One decoded window of a series record: its size in ms and its accumulator (size index still unset). */
    record Stored(long sizeMs, long start, byte[] value, int offset, int length) {
    }

    /** Splits a version-2 series record into its windows (bodies decoded by {@link #decodeBody}). */
    static List<Stored> splitSeries(byte[] value) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        if (b.get() != VERSION_SERIES) {
            throw new IOException("unknown state version " + value[0]);
        }
        int n = b.getInt();
        if (n < 0 || n > 1_000_000) {
            throw new IOException("corrupt series record: " + n + " windows");
        }
        List<Stored> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long size = b.getLong();
            long start = b.getLong();
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                throw new IOException("corrupt series record: window body of " + len + " bytes");
            }
            out.add(new Stored(size, start, value, b.position(), len));
            b.position(b.position() + len);
        }
        return out;
    }

    byte[] body(WindowAccumulator a) {
        out.clear();
        long[] longs = {a.count, a.errors, a.late, a.good, a.needsImprovement, a.poor};
        for (long l : longs) {
            out.writeLongLE(l);
        }
        out.writeLongLE(Double.doubleToRawLongBits(a.min));
        out.writeLongLE(Double.doubleToRawLongBits(a.max));
        out.writeLongLE(Double.doubleToRawLongBits(a.sum));
        byte[] unit = a.unit().getBytes(StandardCharsets.US_ASCII);
        boolean buckets = !Double.isNaN(a.bucketError);
        boolean instances = a.instanceCount > 0;
        byte[] version = a.version == null || a.version == WindowAccumulator.MIXED ? null
            : a.version.getBytes(StandardCharsets.UTF_8);
        boolean merged = a.sizeIndex > 0 && !a.direct;
        out.writeByte((byte) (Math.min(unit.length, 15) | (buckets ? BUCKET_ERROR_FLAG : 0)
            | (instances ? INSTANCES_FLAG : 0) | (version != null ? VERSION_FLAG : 0) | (merged ? MERGED_FLAG : 0)));
        for (int i = 0; i < Math.min(unit.length, 15); i++) {
            out.writeByte(unit[i]);
        }
        if (buckets) {
            out.writeLongLE(Double.doubleToRawLongBits(a.bucketError));
        }
        if (instances) {
            out.writeLongLE(a.instanceCount);
            for (long x : a.instances) {
                if (x != 0) {
                    out.writeLongLE(x);
                }
            }
        }
        if (version != null) {
            out.writeByte((byte) (version.length >>> 8));
            out.writeByte((byte) version.length);
            for (byte b : version) {
                out.writeByte(b);
            }
        }
        sketches.encode(a.sketch, out);
        return out.trimmedCopy();
    }

    /** A version-1 window record (version byte, then the body). */
    WindowAccumulator decodeWindowRecord(String seriesId, int sizeIndex, long start, long end, byte[] value) throws IOException {
        return decodeBody(seriesId, sizeIndex, start, end, ByteArrayInput.wrap(value, 1, value.length - 1));
    }

    WindowAccumulator decodeBody(String seriesId, int sizeIndex, long start, long end, ByteArrayInput in) throws IOException {
        long[] l = new long[6];
        for (int i = 0; i < l.length; i++) {
            l[i] = in.readLongLE();
        }
        double min = Double.longBitsToDouble(in.readLongLE());
        double max = Double.longBitsToDouble(in.readLongLE());
        double sum = Double.longBitsToDouble(in.readLongLE());
        int flagged = in.readByte() & 0xff;
        int n = flagged & ~(BUCKET_ERROR_FLAG | INSTANCES_FLAG | VERSION_FLAG | MERGED_FLAG);
        byte[] unit = new byte[n];
        for (int i = 0; i < n; i++) {
            unit[i] = in.readByte();
        }
        double bucketError = (flagged & BUCKET_ERROR_FLAG) != 0 ? Double.longBitsToDouble(in.readLongLE()) : Double.NaN;
        long[] instances = null;
        if ((flagged & INSTANCES_FLAG) != 0) {
            long k = in.readLongLE();
            if (k < 0 || k > WindowAccumulator.MAX_INSTANCES) {
                throw new IOException("corrupt window body: " + k + " instances");
            }
            instances = new long[(int) k];
            for (int i = 0; i < k; i++) {
                instances[i] = in.readLongLE();
            }
        }
        String version = WindowAccumulator.MIXED;
        if ((flagged & VERSION_FLAG) != 0) {
            int len = (in.readByte() & 0xff) << 8 | (in.readByte() & 0xff);
            byte[] v = new byte[len];
            for (int i = 0; i < len; i++) {
                v[i] = in.readByte();
            }
            version = new String(v, StandardCharsets.UTF_8);
        }
        DDSketch sketch = sketches.decode(in);
        WindowAccumulator a = new WindowAccumulator(seriesId, sizeIndex, start, end, sketch);
        if (instances != null) {
            for (long x : instances) {
                a.addInstance(x);
            }
        }
        a.count = l[0];
        a.errors = l[1];
        a.late = l[2];
        a.good = l[3];
        a.needsImprovement = l[4];
        a.poor = l[5];
        a.min = min;
        a.max = max;
        a.sum = sum;
        a.unit = new String(unit, StandardCharsets.US_ASCII);
        a.bucketError = bucketError;
        a.version = version;
        a.direct = sizeIndex > 0 && (flagged & MERGED_FLAG) == 0; // the caller clears it for the rollup
        return a;
    }

    static boolean isStreamTimeKey(byte[] key) {
        return Arrays.equals(key, STREAM_TIME_KEY);
    }

    static boolean isWatermarksKey(byte[] key) {
        return Arrays.equals(key, WATERMARKS_KEY);
    }
}
