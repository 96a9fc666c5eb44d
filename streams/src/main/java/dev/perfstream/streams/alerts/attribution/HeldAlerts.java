package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.schemas.avro.Alert;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * FIRING route latency alerts waiting for the windows their attribution reads ({@link Evidence}), in a changelogged
 * store keyed by alert fingerprint, so that a crash neither loses nor doubles one. Each keeps the windows it reads as
 * they come (its own copy: the history's rings move on while it waits) and the later notifications of the same alert,
 * which go out after it, in order. Normally empty; the store is mirrored in memory (sorted by fingerprint).
 */
public final class HeldAlerts {
    /** A later notification of a held alert, with the record timestamp to forward it with. */
    public record Queued(Alert alert, long timestamp) {
    }

    /**
     * One held alert.
     *
     * @param service   the alert's service
     * @param route     its series as an attribution candidate
     * @param sizeMs    its window size
     * @param heldAt    wall clock when it was held
     * @param timestamp the record timestamp to forward it with
     * @param dropped   read windows the history no longer held when it was held ({@link Evidence#dropped}), or null
     * @param windows   the windows its attribution reads, as they came; null for one held by an earlier version
     *                  (then read from the history)
     * @param queued    later notifications of the same alert, oldest first
     */
    public record Held(String fingerprint, String service, Candidate route, long sizeMs, long heldAt, long timestamp,
                       Alert alert, String dropped, Map<Candidate, Ring> windows, List<Queued> queued) {
        public Held {
            queued = List.copyOf(queued);
        }

        Held withPoint(Candidate c, Ring.Point p, String unit, int capacity) {
            Map<Candidate, Ring> w = new TreeMap<>(Candidate.ORDER);
            w.putAll(windows);
            Ring old = w.get(c);
            w.put(c, (old == null ? new Ring(unit, List.of()) : old).with(p, unit, capacity));
            return new Held(fingerprint, service, route, sizeMs, heldAt, timestamp, alert, dropped, w, queued);
        }

        Held withQueued(Alert a, long ts) {
            List<Queued> q = new ArrayList<>(queued);
            q.add(new Queued(a, ts));
            return new Held(fingerprint, service, route, sizeMs, heldAt, timestamp, alert, dropped, windows, q);
        }
    }

    /** First bytes of the current encoding (an earlier one began with the service's UTF length). */
    private static final short FORMAT = (short) 0xFFFE;

    private final KeyValueStore<String, byte[]> store;
    private final TreeMap<String, Held> held = new TreeMap<>();

    public HeldAlerts(KeyValueStore<String, byte[]> store) {
        this.store = store;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                held.put(kv.key, decode(kv.key, kv.value));
            }
        }
    }

    public boolean isEmpty() {
        return held.isEmpty();
    }

    public boolean contains(String fingerprint) {
        return held.containsKey(fingerprint);
    }

    public void put(Held h) {
        held.put(h.fingerprint(), h);
        store.put(h.fingerprint(), encode(h));
    }

    public Held get(String fingerprint) {
        return held.get(fingerprint);
    }

    public void remove(String fingerprint) {
        if (held.remove(fingerprint) != null) {
            store.delete(fingerprint);
        }
    }

    /** Every held alert, by fingerprint. */
    public List<Held> all() {
        return new ArrayList<>(held.values());
    }

    private static byte[] encode(Held h) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream o = new DataOutputStream(bytes);
            o.writeShort(FORMAT);
            o.writeUTF(h.service());
            o.writeUTF(h.route().encode());
            o.writeLong(h.sizeMs());
            o.writeLong(h.heldAt());
            o.writeLong(h.timestamp());
            writeAlert(o, h.alert());
            o.writeUTF(h.dropped() == null ? "" : h.dropped());
            o.writeInt(h.windows() == null ? -1 : h.windows().size());
            if (h.windows() != null) {
                for (Map.Entry<Candidate, Ring> e : h.windows().entrySet()) {
                    o.writeUTF(e.getKey().encode());
                    byte[] r = e.getValue().encode();
                    o.writeInt(r.length);
                    o.write(r);
                }
            }
            o.writeInt(h.queued().size());
            for (Queued q : h.queued()) {
                o.writeLong(q.timestamp());
                writeAlert(o, q.alert());
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Held decode(String fingerprint, byte[] v) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(v));
            in.mark(2);
            boolean current = in.readShort() == FORMAT;
            if (!current) {
                in.reset();
            }
            String service = in.readUTF();
            Candidate route = Candidate.decode(in.readUTF());
            long size = in.readLong();
            long heldAt = in.readLong();
            long ts = in.readLong();
            Alert alert = readAlert(in);
            if (!current) {
                return new Held(fingerprint, service, route, size, heldAt, ts, alert, null, null, List.of());
            }
            String dropped = in.readUTF();
            int n = in.readInt();
            Map<Candidate, Ring> windows = null;
            if (n >= 0) {
                windows = new TreeMap<>(Candidate.ORDER);
                for (int i = 0; i < n; i++) {
                    Candidate c = Candidate.decode(in.readUTF());
                    byte[] r = new byte[in.readInt()];
                    in.readFully(r);
                    windows.put(c, Ring.decode(r));
                }
            }
            List<Queued> queued = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                long qts = in.readLong();
                queued.add(new Queued(readAlert(in), qts));
            }
            return new Held(fingerprint, service, route, size, heldAt, ts, alert, dropped.isEmpty() ? null : dropped,
                windows, queued);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeAlert(DataOutputStream o, Alert a) throws IOException {
        ByteBuffer b = a.toByteBuffer();
        byte[] ab = new byte[b.remaining()];
        b.get(ab);
        o.writeInt(ab.length);
        o.write(ab);
    }

    private static Alert readAlert(DataInputStream in) throws IOException {
        byte[] ab = new byte[in.readInt()];
        in.readFully(ab);
        return Alert.fromByteBuffer(ByteBuffer.wrap(ab));
    }
}
