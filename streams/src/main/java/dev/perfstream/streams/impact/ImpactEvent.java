package dev.perfstream.streams.impact;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * What the impact windows take from one RUM event with a session: an LCP or INP value on a page, or a conversion.
 * Also the value of the record a task sends to the owner of the app through the stats stage's partials topic, keyed
 * {@code IMPACT|app} ({@link #key}).
 *
 * @param vital {@link SessionState#LCP} or {@link SessionState#INP}; -1 for a conversion
 * @param goal  the conversion's goal, null for a vital
 */
public record ImpactEvent(long timestamp, String app, String page, String session, int vital, double value, String goal) {
    private static final String KEY_PREFIX = "IMPACT|";

    public static ImpactEvent vital(long timestamp, String app, String page, String session, int vital, double value) {
        return new ImpactEvent(timestamp, app, page, session, vital, value, null);
    }

    public static ImpactEvent conversion(long timestamp, String app, String page, String session, String goal) {
        return new ImpactEvent(timestamp, app, page, session, -1, 1, goal);
    }

    public boolean isConversion() {
        return goal != null;
    }

    /** The partials-topic key of an impact event: routed to the owner of the app. */
    public String key() {
        return KEY_PREFIX + app;
    }

    /** Whether a partials-topic key is an impact event's. */
    public static boolean isKey(String key) {
        return key != null && key.startsWith(KEY_PREFIX);
    }

    /** The app of an impact event's key. */
    public static String appOfKey(String key) {
        return key.substring(KEY_PREFIX.length());
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeLong(timestamp);
            out.writeByte(vital);
            out.writeDouble(value);
            out.writeUTF(page);
            out.writeUTF(session);
            out.writeUTF(goal == null ? "" : goal);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a byte array cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /** @throws IOException when the bytes are not an encoded impact event */
    public static ImpactEvent decode(String key, byte[] bytes) throws IOException {
        if (!isKey(key) || bytes == null) {
            throw new IOException("not an impact event: key " + key);
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            if (in.readByte() != 1) {
                throw new IOException("unknown impact event layout");
            }
            long ts = in.readLong();
            int vital = in.readByte();
            double value = in.readDouble();
            String page = in.readUTF();
            String session = in.readUTF();
            String goal = in.readUTF();
            return new ImpactEvent(ts, appOfKey(key), page, session, vital, value, goal.isEmpty() ? null : goal);
        }
    }

    /** The key bytes of a session's state in one window: window start (big-endian, so windows sort), app, 0, session. */
    static byte[] stateKey(long windowStart, String app, String session) {
        byte[] a = app.getBytes(StandardCharsets.UTF_8);
        byte[] s = session.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + a.length + 1 + s.length);
        b.putLong(windowStart).put(a).put((byte) 0).put(s);
        return b.array();
    }
}
