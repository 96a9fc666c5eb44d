package dev.perfstream.streams.stats;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offset of the last record each stream thread's consumer handed to Kafka Streams, per partition: with the
 * consumer's lag (which says whether it has fetched everything on the broker) it tells the input gate
 * ({@code StatsProcessor}) whether a partition still has records waiting in Kafka Streams' buffer, unprocessed.
 * Kafka Streams exposes neither per partition (its own wait for unfetched data is what the stage turns off), so a
 * consumer interceptor ({@link Interceptor}, installed by {@link StatsApp#properties}) records what each poll returns.
 *
 * <p>One instance per main consumer, found by its client id, which Kafka Streams derives from the name of the stream
 * thread that polls it and runs its tasks ({@code <thread name>-consumer}): a task reads only what its own thread's
 * consumer fetched. Written and read on that thread; concurrent maps only because the registry is shared.
 */
final class FetchedOffsets {
    private static final Map<String, FetchedOffsets> BY_CLIENT = new ConcurrentHashMap<>();

    private final Map<TopicPartition, Long> last = new ConcurrentHashMap<>();

    /**
     * The offsets of the consumer that the current thread polls, when it is a stream thread of a stage with the
     * interceptor; else null.
     */
    static FetchedOffsets ofCurrentThread() {
        return BY_CLIENT.get(Thread.currentThread().getName() + "-consumer");
    }

    /** The offset of the last record of {@code tp} that a poll returned, or -1 (none since {@link #forget}). */
    long last(TopicPartition tp) {
        Long o = last.get(tp);
        return o == null ? -1 : o;
    }

    /**
     * Forgets a partition, when the task that reads it starts: Kafka Streams pauses the partitions of a task until it
     * is initialised, so nothing of this assignment was polled yet, and an offset left from an earlier one is stale.
     */
    void forget(TopicPartition tp) {
        last.remove(tp);
    }

    void polled(ConsumerRecords<?, ?> records) {
        for (TopicPartition tp : records.partitions()) {
            List<? extends ConsumerRecord<?, ?>> l = records.records(tp);
            if (!l.isEmpty()) {
                last.put(tp, l.get(l.size() - 1).offset());
            }
        }
    }

    /** Registers the offsets of a consumer; for tests. */
    static FetchedOffsets register(String clientId) {
        return BY_CLIENT.computeIfAbsent(clientId, k -> new FetchedOffsets());
    }

    static void unregister(String clientId, FetchedOffsets offsets) {
        BY_CLIENT.remove(clientId, offsets);
    }

    /** The consumer interceptor that records each poll of a stats stage's main consumer. */
    public static final class Interceptor implements ConsumerInterceptor<byte[], byte[]> {
        private String clientId;
        private FetchedOffsets offsets;

        @Override
        public void configure(Map<String, ?> configs) {
            clientId = String.valueOf(configs.get(ConsumerConfig.CLIENT_ID_CONFIG));
            offsets = register(clientId);
        }

        @Override
        public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
            offsets.polled(records);
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        }

        @Override
        public void close() {
            unregister(clientId, offsets);
        }
    }
}
