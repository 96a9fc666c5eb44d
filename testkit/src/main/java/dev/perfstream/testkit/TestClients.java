package dev.perfstream.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The byte-level Kafka clients of one principal on a {@link KafkaTestCluster}: what a test needs to feed a stage and
 * read what it wrote, without building {@code Properties} by hand. Made by {@link KafkaTestCluster#clients()} (the
 * super user on a secured cluster) or {@link KafkaTestCluster#clients(String)}.
 *
 * <p>Defaults: producers wait for all replicas and keep order with one request in flight (no idempotence, so a
 * principal without IDEMPOTENT_WRITE can produce); consumers read from the earliest offset, committed
 * (transactional) records only, in a group of their own. Any default gives way to an override.
 */
public final class TestClients {
    private final KafkaTestCluster cluster;
    private final Map<String, Object> security;

    TestClients(KafkaTestCluster cluster, Map<String, String> security) {
        this.cluster = cluster;
        this.security = new HashMap<>(security);
    }

    /** A producer of raw bytes; close it (try-with-resources). */
    public KafkaProducer<byte[], byte[]> producer() {
        return producer(Map.of());
    }

    /** A producer of raw bytes with these settings over the defaults. */
    public KafkaProducer<byte[], byte[]> producer(Map<String, ?> overrides) {
        Map<String, Object> p = base();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        p.putAll(overrides);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A consumer of raw bytes in a new group, from the earliest offset, read_committed; close it. */
    public KafkaConsumer<byte[], byte[]> consumer() {
        return consumer(Map.of());
    }

    /** A consumer of raw bytes with these settings over the defaults. */
    public KafkaConsumer<byte[], byte[]> consumer(Map<String, ?> overrides) {
        Map<String, Object> p = base();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putAll(overrides);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** {@link #consumer()} subscribed to {@code topics}. */
    public KafkaConsumer<byte[], byte[]> subscribed(String... topics) {
        KafkaConsumer<byte[], byte[]> c = consumer();
        c.subscribe(List.of(topics));
        return c;
    }

    /**
     * Polls {@code consumer} once (up to 200 ms) and adds every record's decoded value to {@code into}; an
     * undecodable record fails the test. For a {@link Poll} condition that accumulates what a stage writes.
     */
    public static <T> void pollInto(KafkaConsumer<byte[], byte[]> consumer, Decoder<T> decoder, Collection<? super T> into) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            into.add(decode(decoder, r));
        }
    }

    /** A {@link TopicTail} on these topics: a consumer of its own, subscribed. */
    public TopicTail tail(String... topics) {
        return new TopicTail(consumer(), topics);
    }

    /** Sends one record and waits for its acknowledgement. */
    public void send(String topic, byte[] key, byte[] value) {
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            send(p, new ProducerRecord<>(topic, key, value));
        }
    }

    /** Sends text records (key, value; a key may be null) in their order and waits until all are acknowledged. */
    public void sendText(String topic, Iterable<? extends Map.Entry<String, String>> records) {
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            for (Map.Entry<String, String> r : records) {
                p.send(new ProducerRecord<>(topic, r.getKey() == null ? null : r.getKey().getBytes(StandardCharsets.UTF_8),
                    r.getValue().getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
    }

    /** Sends a record with {@code producer} and waits for its acknowledgement; a failure is an unchecked error. */
    public static void send(KafkaProducer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]> record) {
        try {
            producer.send(record).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot send to " + record.topic() + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending to " + record.topic(), e);
        }
    }

    /**
     * Every committed record on {@code topic} now: reads each partition from its beginning to its end offset as
     * it was when called. In partition order, then offset order.
     */
    public List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            Poll.until(Duration.ofSeconds(60), topic + " read to its end offsets " + end, () -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp)) ? Boolean.TRUE : null;
            });
        }
        out.sort(java.util.Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
            .thenComparingLong(ConsumerRecord::offset));
        return out;
    }

    /**
     * {@link #records(String)} decoded; a record that does not decode fails the test, naming its topic, partition
     * and offset.
     */
    public <T> List<T> drain(String topic, Decoder<T> decoder) {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records(topic)) {
            out.add(decode(decoder, r));
        }
        return out;
    }

    /** The record's value decoded; an undecodable record fails the test, naming its topic, partition and offset. */
    public static <T> T decode(Decoder<T> decoder, ConsumerRecord<byte[], byte[]> r) {
        try {
            return decoder.decode(r.topic(), r.value());
        } catch (Exception e) {
            throw new AssertionError("undecodable record on " + r.topic() + "-" + r.partition() + "@" + r.offset()
                + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Object> base() {
        Map<String, Object> p = new HashMap<>(security);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        return p;
    }

    /** Turns a record's value into a value of the test; {@code RecordCodec::decode} is one. */
    @FunctionalInterface
    public interface Decoder<T> {
        T decode(String topic, byte[] bytes) throws Exception;
    }
}
