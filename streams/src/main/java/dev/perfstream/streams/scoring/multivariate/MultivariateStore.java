package dev.perfstream.streams.scoring.multivariate;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueStore;
import dev.perfstream.streams.scoring.ScoringTopology;

/**
 * The six record kinds of the {@value ScoringTopology#MULTIVARIATE_STORE} store, one key prefix each, so that a
 * service's state lives in one changelogged store: {@code p|service|start} a pending (service, window) vector
 * (start zero-padded to 20 digits, so a prefix scan returns them in window order), {@code k|service} the series seen
 * in the service's closed vectors, {@code d|service} its detector state, {@code c|service} the start of its latest
 * closed vector (8 bytes), {@code v|service} its probation counts, {@code w|service} the run of vectors with a
 * dimension its detector lacks (4 bytes). The keys are part of the changelog: {@code MultivariateTopologyTest}
 * pins them.
 */
final class MultivariateStore {
    static final String PENDING = "p|";
    static final String KNOWN = "k|";
    static final String DETECTOR = "d|";
    static final String CLOSED = "c|";
    static final String PROBATION = "v|";
    static final String WIDEN = "w|";

    private final KeyValueStore<String, byte[]> kv;

    MultivariateStore(KeyValueStore<String, byte[]> kv) {
        this.kv = kv;
    }

    static String pendingKey(String service, long start) {
        return PENDING + service + '|' + String.format("%020d", start);
    }

    /** The pending vector of (service, window start), or null. */
    MultivariatePending.Window pending(String service, long start) {
        byte[] bytes = kv.get(pendingKey(service, start));
        return bytes == null ? null : MultivariatePending.Window.decode(bytes);
    }

    void putPending(MultivariatePending.Window p) {
        kv.put(pendingKey(p.service, p.start), p.encode());
    }

    void deletePending(MultivariatePending.Window p) {
        kv.delete(pendingKey(p.service, p.start));
    }

    /** Every pending vector, by service and then window start. */
    List<MultivariatePending.Window> allPending() {
        List<MultivariatePending.Window> pending = new ArrayList<>();
        try (var it = kv.prefixScan(PENDING, new StringSerializer())) {
            while (it.hasNext()) {
                pending.add(MultivariatePending.Window.decode(it.next().value));
            }
        }
        return pending;
    }

    MultivariatePending.Known known(String service) {
        return MultivariatePending.Known.decode(kv.get(KNOWN + service));
    }

    void putKnown(String service, MultivariatePending.Known known) {
        kv.put(KNOWN + service, known.encode());
    }

    /** The encoded detector of the service, or null. */
    byte[] detector(String service) {
        return kv.get(DETECTOR + service);
    }

    void putDetector(String service, byte[] state) {
        kv.put(DETECTOR + service, state);
    }

    void deleteDetector(String service) {
        kv.delete(DETECTOR + service);
    }

    /** The start of the service's latest closed vector, {@link Long#MIN_VALUE} before its first. */
    long closedUpTo(String service) {
        byte[] b = kv.get(CLOSED + service);
        return b == null ? Long.MIN_VALUE : ByteBuffer.wrap(b).getLong();
    }

    void putClosedUpTo(String service, long start) {
        kv.put(CLOSED + service, ByteBuffer.allocate(8).putLong(start).array());
    }

    /** The probation counts of the service: closes, then per dimension of {@code ServiceVitals.ALL}; or null. */
    byte[] probation(String service) {
        return kv.get(PROBATION + service);
    }

    void putProbation(String service, byte[] counts) {
        kv.put(PROBATION + service, counts);
    }

    void deleteProbation(String service) {
        kv.delete(PROBATION + service);
    }

    /** The run of consecutive vectors with a dimension the service's detector lacks; 0 if none is recorded. */
    int widenRun(String service) {
        byte[] b = kv.get(WIDEN + service);
        return b == null ? 0 : ByteBuffer.wrap(b).getInt();
    }

    void putWidenRun(String service, int run) {
        kv.put(WIDEN + service, ByteBuffer.allocate(4).putInt(run).array());
    }

    /** Drops the run, writing a tombstone only if there was one. */
    void clearWidenRun(String service) {
        if (kv.get(WIDEN + service) != null) {
            kv.delete(WIDEN + service);
        }
    }

    void deleteWidenRun(String service) {
        kv.delete(WIDEN + service);
    }
}
