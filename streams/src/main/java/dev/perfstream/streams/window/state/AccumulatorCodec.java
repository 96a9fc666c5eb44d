package dev.perfstream.streams.window.state;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Byte layout of the inner store. Hand-written (no Avro) because it is private to this store and
 * written for every dirty window at every commit: a fixed header, then DDSketch's own encoding.
 *
 * <p>Key: series id (UTF-8), 0x00, window size ms (8 bytes), window start ms (8 bytes), so the keys
 * of one series sort together. Value: version byte, six counters and three doubles (little-endian),
 * unit (length byte + ASCII), sketch.
 */
final class AccumulatorCodec {
    static final byte VERSION = 1;
    /** Key of the observed stream time; no series id starts with 0x00. */
    static final byte[] STREAM_TIME_KEY = {0, 'T'};

    private final Sketches sketches;
    private final GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(1024);

    AccumulatorCodec(Sketches sketches) {
        this.sketches = sketches;
    }

    static byte[] key(String seriesId, long sizeMs, long start) {
        byte[] id = seriesId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(id.length + 17);
        b.put(id).put((byte) 0).putLong(sizeMs).putLong(start);
        return b.array();
    }

    /** @return {seriesId, sizeMs, start} of a window key */
    static Object[] parseKey(byte[] key) {
        int sep = key.length - 17;
        ByteBuffer b = ByteBuffer.wrap(key, sep + 1, 16);
        return new Object[] {new String(key, 0, sep, StandardCharsets.UTF_8), b.getLong(), b.getLong()};
    }

    byte[] encode(WindowAccumulator a) {
        out.clear();
        out.writeByte(VERSION);
        long[] longs = {a.count, a.errors, a.late, a.good, a.needsImprovement, a.poor};
        for (long l : longs) {
            out.writeLongLE(l);
        }
        out.writeLongLE(Double.doubleToRawLongBits(a.min));
        out.writeLongLE(Double.doubleToRawLongBits(a.max));
        out.writeLongLE(Double.doubleToRawLongBits(a.sum));
        byte[] unit = a.unit().getBytes(StandardCharsets.US_ASCII);
        out.writeByte((byte) unit.length);
        for (byte u : unit) {
            out.writeByte(u);
        }
        sketches.encode(a.sketch, out);
        return out.trimmedCopy();
    }

    WindowAccumulator decode(String seriesId, int sizeIndex, long start, long end, byte[] value) throws IOException {
        ByteArrayInput in = ByteArrayInput.wrap(value);
        byte v = in.readByte();
        if (v != VERSION) {
            throw new IOException("unknown state version " + v);
        }
        long[] l = new long[6];
        for (int i = 0; i < l.length; i++) {
            l[i] = in.readLongLE();
        }
        double min = Double.longBitsToDouble(in.readLongLE());
        double max = Double.longBitsToDouble(in.readLongLE());
        double sum = Double.longBitsToDouble(in.readLongLE());
        int n = in.readByte();
        byte[] unit = new byte[n];
        for (int i = 0; i < n; i++) {
            unit[i] = in.readByte();
        }
        DDSketch sketch = sketches.decode(in);
        WindowAccumulator a = new WindowAccumulator(seriesId, sizeIndex, start, end, sketch);
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
        return a;
    }

    static boolean isStreamTimeKey(byte[] key) {
        return Arrays.equals(key, STREAM_TIME_KEY);
    }
}
