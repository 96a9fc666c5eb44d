package dev.perfstream.streams.alert.attribution;

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
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * FIRING route latency alerts waiting (a few ms, at most {@link AttributionConfig#holdFor()}) for the dependency windows
 * of their window, in a changelogged store keyed by alert fingerprint, so that a crash neither loses nor doubles one.
 * Normally empty; {@link #isEmpty()} is answered from memory.
 */
public final class HeldAlerts {
    /**
     * One held alert.
     *
     * @param service   the alert's service
     * @param route     its series as an attribution candidate
     * @param sizeMs    its window size
     * @param heldAt    wall clock when it was held
     * @param timestamp the record timestamp to forward it with
     */
    public record Held(String fingerprint, String service, Candidate route, long sizeMs, long heldAt, long timestamp,
                       Alert alert) {
    }

    private final KeyValueStore<String, byte[]> store;
    private int size;

    public HeldAlerts(KeyValueStore<String, byte[]> store) {
        this.store = store;
        this.size = all().size();
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public boolean contains(String fingerprint) {
        return size > 0 && store.get(fingerprint) != null;
    }

    public void put(Held h) {
        if (store.get(h.fingerprint()) == null) {
            size++;
        }
        store.put(h.fingerprint(), encode(h));
    }

    public Held get(String fingerprint) {
        byte[] v = store.get(fingerprint);
        return v == null ? null : decode(fingerprint, v);
    }

    public void remove(String fingerprint) {
        if (store.delete(fingerprint) != null) {
            size--;
        }
    }

    public List<Held> all() {
        List<Held> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                out.add(decode(kv.key, kv.value));
            }
        }
        return out;
    }

    private static byte[] encode(Held h) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream o = new DataOutputStream(bytes);
            o.writeUTF(h.service());
            o.writeUTF(h.route().encode());
            o.writeLong(h.sizeMs());
            o.writeLong(h.heldAt());
            o.writeLong(h.timestamp());
            ByteBuffer a = h.alert().toByteBuffer();
            byte[] ab = new byte[a.remaining()];
            a.get(ab);
            o.writeInt(ab.length);
            o.write(ab);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Held decode(String fingerprint, byte[] v) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(v));
            String service = in.readUTF();
            Candidate route = Candidate.decode(in.readUTF());
            long size = in.readLong();
            long heldAt = in.readLong();
            long ts = in.readLong();
            byte[] ab = new byte[in.readInt()];
            in.readFully(ab);
            return new Held(fingerprint, service, route, size, heldAt, ts, Alert.fromByteBuffer(ByteBuffer.wrap(ab)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
