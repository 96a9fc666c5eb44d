package dev.perfstream.streams.alerts.state;

import dev.perfstream.streams.alerts.rule.Policy;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Alert episodes of the scoring stage's ANOMALY and FORECAST alerts, kept per fingerprint in a changelogged
 * store and advanced by {@link AlertStateMachine}: the same lifecycle as rule alerts (pending, re-notification,
 * flapping, idempotent replays), one place for it. Statuses are stored with {@link AlertStatusSerde}; an idle
 * status is deleted, so the store holds open episodes and recent flapping history only.
 *
 * <p>Before this class the scoring stage kept its own 12-byte episodes (start, count of calm windows); a store
 * restored from such a changelog is read as a FIRING status with that start and count, and rewritten in the
 * new form on its next window.
 */
public final class AlertEpisodes {
    private static final AlertStatusSerde SERDE = new AlertStatusSerde();
    private static final int LEGACY_BYTES = 12;

    private final KeyValueStore<String, byte[]> store;
    private final Policy policy;

    public AlertEpisodes(KeyValueStore<String, byte[]> store, Policy policy) {
        this.store = store;
        this.policy = policy;
    }

    public Policy policy() {
        return policy;
    }

    /**
     * Advances the episode of {@code fingerprint} by one window.
     *
     * @param value  the observed value (a score, a breach indicator); NaN changes nothing
     * @param breach the value is on the bad side of the firing threshold
     * @param clear  the value is on the good side of the resolve threshold
     */
    public Transition observe(String fingerprint, String series, long windowStart, long windowEnd, double value,
                              boolean breach, boolean clear) {
        byte[] bytes = store.get(fingerprint);
        AlertStatus before = bytes == null ? AlertStatus.initial(fingerprint, "", series) : decode(fingerprint, series, bytes);
        Transition t = AlertStateMachine.step(before, policy, windowStart, windowEnd, value, breach, clear);
        if (t.status().idle()) {
            if (bytes != null) {
                store.delete(fingerprint);
            }
        } else if (!t.status().equals(before) || bytes == null || bytes.length == LEGACY_BYTES) {
            store.put(fingerprint, SERDE.serializer().serialize(null, t.status()));
        }
        return t;
    }

    static AlertStatus decode(String fingerprint, String series, byte[] bytes) {
        if (bytes.length != LEGACY_BYTES) {
            return SERDE.deserializer().deserialize(null, bytes);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long startedAt = b.getLong();
        int calm = b.getInt();
        return new AlertStatus(fingerprint, "", series, Phase.FIRING, 1, calm, startedAt, startedAt, startedAt, 0,
            Long.MIN_VALUE, List.of(startedAt), false, Double.NaN);
    }
}
