package dev.perfstream.streams.stats.state;

import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A record of the stats stage's partials topic, between the tasks of one stage: either a partial
 * aggregate of one series in one window that a task forwards to the series' owner (key: the series
 * id), or a watermark a task announces to every owner (key: null, sent to every partition).
 *
 * <p>Layout: version byte 1, kind byte ({@code P} or {@code W}), sender task (int); a watermark
 * then has the sender's stream time (long); a partial has the window size and start (ms, long) and
 * the window body in the store's own layout ({@code AccumulatorCodec}). Little-endian, like the
 * store. Hand-written for the same reason as the store's layout: it is private to the stage.
 *
 * @param partial the decoded window (null for a watermark)
 */
public record PartialRecord(byte kind, int sender, long watermark, long sizeMs, long start, WindowAccumulator partial) {
    static final byte VERSION = 1;
    public static final byte PARTIAL = 'P';
    public static final byte WATERMARK = 'W';
    private static final int HEADER = 1 + 1 + 4;

    /** Decodes a window body of the store's layout. */
    @FunctionalInterface
    interface BodyDecoder {
        WindowAccumulator decode(long sizeMs, long start, ByteArrayInput in) throws IOException;
    }

    public boolean isWatermark() {
        return kind == WATERMARK;
    }

    /** A watermark: the sender has forwarded every partial of the windows that ended by {@code streamTime}. */
    public static byte[] watermark(int sender, long streamTime) {
        return ByteBuffer.allocate(HEADER + 8).order(ByteOrder.LITTLE_ENDIAN)
            .put(VERSION).put(WATERMARK).putInt(sender).putLong(streamTime).array();
    }

    static byte[] partial(int sender, long sizeMs, long start, byte[] body) {
        return ByteBuffer.allocate(HEADER + 16 + body.length).order(ByteOrder.LITTLE_ENDIAN)
            .put(VERSION).put(PARTIAL).putInt(sender).putLong(sizeMs).putLong(start).put(body).array();
    }

    static PartialRecord decode(byte[] value, BodyDecoder bodies) throws IOException {
        if (value == null || value.length < HEADER + 8) {
            throw new IOException("partials record of " + (value == null ? "no" : value.length) + " bytes is too short");
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        byte version = b.get();
        if (version != VERSION) {
            throw new IOException("partials record of unknown version " + version);
        }
        byte kind = b.get();
        int sender = b.getInt();
        if (kind == WATERMARK) {
            return new PartialRecord(kind, sender, b.getLong(), 0, 0, null);
        }
        if (kind != PARTIAL || b.remaining() < 16) {
            throw new IOException("partials record of unknown kind " + kind + " or truncated");
        }
        long size = b.getLong();
        long start = b.getLong();
        WindowAccumulator a = bodies.decode(size, start, ByteArrayInput.wrap(value, b.position(), b.remaining()));
        return new PartialRecord(kind, sender, 0, size, start, a);
    }
}
