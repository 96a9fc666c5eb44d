package dev.perfstream.ingest.collector;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The collector's idempotent Kafka producer with a bounded buffer. {@code max.block.ms=0}: a request
 * thread never waits for buffer space or metadata; when Kafka cannot take more, the returned future
 * fails at once (BufferExhaustedException, TimeoutException) and the caller answers 503. A record
 * Kafka does not acknowledge within {@code collector.send.timeout} fails the same way, so a request
 * never waits longer than that and nothing is silently dropped.
 */
final class KafkaSink implements AutoCloseable {
    private final Producer<String, byte[]> producer;
    private final CollectorMetrics metrics;

    KafkaSink(CollectorConfig c, CollectorMetrics metrics) {
        this(new KafkaProducer<>(props(c), new StringSerializer(), new ByteArraySerializer()), metrics);
    }

    KafkaSink(Producer<String, byte[]> producer, CollectorMetrics metrics) {
        this.producer = producer;
        this.metrics = metrics;
    }

    static Properties props(CollectorConfig c) {
        long timeout = c.sendTimeout().toMillis();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "perfstream-collector");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(128 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(c.bufferBytes()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "0");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(timeout));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(500, timeout / 2 - 5)));
        return p;
    }

    /** @return completes when Kafka acknowledged the record, or exceptionally with Kafka's error */
    CompletableFuture<Void> send(String topic, String key, byte[] value) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        long t0 = System.nanoTime();
        try {
            producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
                metrics.sendLatency(System.nanoTime() - t0);
                if (e == null) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(e);
                }
            });
        } catch (KafkaException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /**
     * Asks for the topics' metadata. With {@code max.block.ms=0} a send to a topic whose metadata the
     * producer does not hold fails at once, so the collector warms it up at start and refreshes it
     * every few seconds (which also keeps it from expiring after {@code metadata.max.idle.ms}).
     *
     * @return whether the metadata of every topic is present
     */
    boolean warm(java.util.List<String> topics) {
        try {
            for (String t : topics) {
                producer.partitionsFor(t);
            }
            return true;
        } catch (KafkaException e) {
            return false;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
