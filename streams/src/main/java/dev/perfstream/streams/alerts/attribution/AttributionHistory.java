package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.schemas.avro.WindowStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recent windows of every {@link Candidate} of a service, in a changelogged store: key
 * {@code service \0 window size \0 kind \0 name \0 route}, value a {@link Ring} of at most
 * {@link AttributionConfig#capacity()} windows. Bounded: at most {@link AttributionConfig#maxSeries()} series per
 * service and window size (further ones are not kept, said once in the log), and {@link #sweep} drops series that
 * stopped (no window within the ring's span of the service's newest).
 */
public final class AttributionHistory {
    private static final Logger LOG = LoggerFactory.getLogger(AttributionHistory.class);
    private static final StringSerializer KEYS = new StringSerializer();
    /** A service without windows for this long (event time, against the newest of any service) is forgotten. */
    static final long SERVICE_IDLE_MS = 86_400_000L;
    private final KeyValueStore<String, byte[]> store;
    private final AttributionConfig config;
    /** Series per (service, size) prefix, counted from the store the first time the prefix is seen. */
    private final Map<String, Integer> counts = new HashMap<>();
    private final Set<String> capped = new HashSet<>();

    public AttributionHistory(KeyValueStore<String, byte[]> store, AttributionConfig config) {
        this.store = store;
        this.config = config;
    }

    static String prefix(String service, long sizeMs) {
        return service + '\u0000' + sizeMs + '\u0000';
    }

    /**
     * Adds the window to its candidate's ring.
     *
     * @param derived a perf.queries or perf.cache view
     * @return the candidate, or null when the window is none (or its service is at the cap)
     */
    public Candidate observe(WindowStats s, boolean derived) {
        Candidate c = Candidate.of(s, derived);
        if (c == null) {
            return null;
        }
        long size = s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli();
        String prefix = prefix(s.getService(), size);
        String key = prefix + c.encode();
        byte[] old = store.get(key);
        Ring ring;
        if (old == null) {
            int n = counts.computeIfAbsent(prefix, this::countStored);
            if (n >= config.maxSeries()) {
                if (capped.add(prefix)) {
                    LOG.warn("attribution: service {} has {} series of {} ms windows, the most kept "
                        + "(alerts.attribution.series.max); {} and later new ones are not kept", s.getService(), n, size, c);
                }
                return null;
            }
            counts.put(prefix, n + 1);
            ring = new Ring(Ring.unitOf(s), List.of());
        } else {
            ring = Ring.decode(old);
        }
        store.put(key, ring.with(Ring.Point.of(s), Ring.unitOf(s), config.capacity()).encode());
        return c;
    }

    /** Every candidate of the service with windows of {@code sizeMs}. */
    public Map<Candidate, Ring> load(String service, long sizeMs) {
        String prefix = prefix(service, sizeMs);
        Map<Candidate, Ring> out = new java.util.TreeMap<>(Candidate.ORDER);
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, KEYS)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                out.put(Candidate.decode(kv.key.substring(prefix.length())), Ring.decode(kv.value));
            }
        }
        return out;
    }

    private int countStored(String prefix) {
        int n = 0;
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, KEYS)) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    /**
     * Deletes the series without a window in the ring's span before the newest window of their service and size
     * (routes and statements that stopped), and those of services without a window for a day before the newest of
     * any service (services that stopped).
     *
     * @return series deleted
     */
    public int sweep() {
        record Entry(String key, String prefix, long lastEnd, long size) {
        }
        List<Entry> all = new ArrayList<>();
        Map<String, Long> newest = new HashMap<>();
        Map<Long, Long> newestOfSize = new HashMap<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                int a = kv.key.indexOf('\u0000');
                int b = kv.key.indexOf('\u0000', a + 1);
                if (a < 0 || b < 0) {
                    continue;
                }
                String prefix = kv.key.substring(0, b + 1);
                long size = Long.parseLong(kv.key.substring(a + 1, b));
                long last = Ring.decode(kv.value).lastEnd();
                all.add(new Entry(kv.key, prefix, last, size));
                newest.merge(prefix, last, Math::max);
                newestOfSize.merge(size, last, Math::max);
            }
        }
        int deleted = 0;
        for (Entry e : all) {
            long span = (long) config.capacity() * e.size();
            if (e.lastEnd() < newest.get(e.prefix()) - span
                || e.lastEnd() < newestOfSize.get(e.size()) - Math.max(span, SERVICE_IDLE_MS)) {
                store.delete(e.key());
                counts.computeIfPresent(e.prefix(), (k, n) -> n - 1);
                capped.remove(e.prefix());
                deleted++;
            }
        }
        return deleted;
    }
}
