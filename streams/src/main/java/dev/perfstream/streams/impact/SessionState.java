package dev.perfstream.streams.impact;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one session did in one window of one app: per page the worst LCP and INP it reported there, and the
 * conversion goals it reached (anywhere in the app). The unit the impact windows keep per session, and what they
 * count at window close. Bounded: at most {@link #MAX_PAGES} pages and {@link #MAX_GOALS} goals per session (more is
 * ignored: a session that sees hundreds of pages in an hour is a bot or a test).
 */
public final class SessionState {
    public static final int MAX_PAGES = 50;
    public static final int MAX_GOALS = 20;
    /** Index of the LCP and of the INP in a page's values. */
    public static final int LCP = 0;
    public static final int INP = 1;

    private final Map<String, double[]> pages = new LinkedHashMap<>();
    private final List<String> goals = new ArrayList<>(1);

    /** Records a vital the session reported on {@code page}: its worst value there counts. */
    public void vital(String page, int vital, double value) {
        double[] v = pages.get(page);
        if (v == null) {
            if (pages.size() >= MAX_PAGES) {
                return;
            }
            v = new double[] {Double.NaN, Double.NaN};
            pages.put(page, v);
        }
        if (Double.isNaN(v[vital]) || value > v[vital]) {
            v[vital] = value;
        }
    }

    /** Records a conversion of the session. */
    public void goal(String goal) {
        if (!goals.contains(goal) && goals.size() < MAX_GOALS) {
            goals.add(goal);
        }
    }

    /** page -> {worst LCP, worst INP}, NaN where it reported none. */
    public Map<String, double[]> pages() {
        return pages;
    }

    public List<String> goals() {
        return goals;
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 24 * pages.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1); // layout version
            out.writeShort(pages.size());
            for (Map.Entry<String, double[]> e : pages.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeDouble(e.getValue()[LCP]);
                out.writeDouble(e.getValue()[INP]);
            }
            out.writeShort(goals.size());
            for (String g : goals) {
                out.writeUTF(g);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a byte array cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /** @throws IOException when the bytes are not an encoded state */
    public static SessionState decode(byte[] bytes) throws IOException {
        SessionState s = new SessionState();
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            int version = in.readByte();
            if (version != 1) {
                throw new IOException("unknown session state layout " + version);
            }
            int n = in.readShort();
            for (int i = 0; i < n; i++) {
                s.pages.put(in.readUTF(), new double[] {in.readDouble(), in.readDouble()});
            }
            int g = in.readShort();
            for (int i = 0; i < g; i++) {
                s.goals.add(in.readUTF());
            }
        }
        return s;
    }
}
