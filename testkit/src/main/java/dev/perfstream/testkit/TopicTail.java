package dev.perfstream.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * A consumer that follows some topics while a test runs and keeps every record it saw, by topic: poll it inside a
 * {@link Poll} condition, then read what arrived so far ({@link #decoded}). Made by {@link TestClients#tail}.
 */
public final class TopicTail implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, List<ConsumerRecord<byte[], byte[]>>> seen = new LinkedHashMap<>();

    TopicTail(KafkaConsumer<byte[], byte[]> consumer, String... topics) {
        this.consumer = consumer;
        for (String t : topics) {
            seen.put(t, new ArrayList<>());
        }
        consumer.subscribe(List.of(topics));
    }

    /** Polls once (up to 200 ms) and keeps what came; returns this. */
    public TopicTail poll() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            seen.get(r.topic()).add(r);
        }
        return this;
    }

    /** Every record seen on {@code topic} so far. */
    public List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        List<ConsumerRecord<byte[], byte[]>> r = seen.get(topic);
        if (r == null) {
            throw new IllegalArgumentException("not followed: " + topic + " (following " + seen.keySet() + ")");
        }
        return List.copyOf(r);
    }

    /** Every record seen on {@code topic} so far, decoded; an undecodable one fails the test. */
    public <T> List<T> decoded(String topic, TestClients.Decoder<T> decoder) {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records(topic)) {
            out.add(TestClients.decode(decoder, r));
        }
        return out;
    }

    /**
     * Polls until {@code found} returns non-null for what {@code topic} decodes to so far, or the deadline passes.
     */
    public <T, R> R until(Duration timeout, String what, String topic, TestClients.Decoder<T> decoder,
                          Function<List<T>, R> found) {
        return Poll.until(timeout, what, () -> found.apply(poll().decoded(topic, decoder)));
    }

    /** The consumer, for position or assignment checks. */
    public KafkaConsumer<byte[], byte[]> consumer() {
        return consumer;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
