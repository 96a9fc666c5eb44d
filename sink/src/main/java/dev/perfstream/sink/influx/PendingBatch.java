package dev.perfstream.sink.influx;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Records read but not yet committed, each either with its point (line protocol) or with the
 * reason it goes to the dead-letter topic. Owned by the sink's one consumer thread.
 */
final class PendingBatch {
    /** One record: exactly one of {@code line} and {@code reason} is set. */
    record Entry(ConsumerRecord<byte[], byte[]> record, String line, String code, String reason) {
        static Entry point(ConsumerRecord<byte[], byte[]> r, String line) {
            return new Entry(r, line, null, null);
        }

        static Entry deadLetter(ConsumerRecord<byte[], byte[]> r, String code, String reason) {
            return new Entry(r, null, code, reason);
        }

        boolean isPoint() {
            return line != null;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private long firstAddedAtMs = -1;

    void add(Entry e, long nowMs) {
        if (entries.isEmpty()) {
            firstAddedAtMs = nowMs;
        }
        entries.add(e);
    }

    List<Entry> entries() {
        return entries;
    }

    int size() {
        return entries.size();
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Milliseconds the oldest entry has waited, 0 when empty. */
    long ageMs(long nowMs) {
        return entries.isEmpty() ? 0 : nowMs - firstAddedAtMs;
    }

    /** Offsets to commit once every entry is in InfluxDB or the dead-letter topic: last offset + 1 per partition. */
    Map<TopicPartition, OffsetAndMetadata> offsets() {
        Map<TopicPartition, Long> next = new HashMap<>();
        for (Entry e : entries) {
            next.merge(new TopicPartition(e.record().topic(), e.record().partition()), e.record().offset() + 1, Math::max);
        }
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        next.forEach((tp, o) -> out.put(tp, new OffsetAndMetadata(o)));
        return out;
    }

    /**
     * Forgets the entries of partitions this instance no longer owns: they were not committed, so
     * their new owner reads them again (and the points it writes overwrite any we wrote).
     */
    int drop(Collection<TopicPartition> partitions) {
        int before = entries.size();
        entries.removeIf(e -> partitions.contains(new TopicPartition(e.record().topic(), e.record().partition())));
        if (entries.isEmpty()) {
            firstAddedAtMs = -1;
        }
        return before - entries.size();
    }

    void clear() {
        entries.clear();
        firstAddedAtMs = -1;
    }
}
