package dev.perfstream.ingest.collector;

import dev.perfstream.runtime.KafkaMetricsBridge;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.schemas.kafka.KafkaClients;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector's idempotent Kafka producer with a bounded buffer. {@code max.block.ms=0}: a request
 * thread never waits for buffer space or metadata; when Kafka cannot take more, the send is refused
 * at once (BufferExhaustedException, or TimeoutException when the topic's metadata is missing) and
 * the caller answers 503. Two ways to hand over a record:
 * <ul>
 *   <li>{@link #offer}: returns as soon as the record is in the producer's buffer (or was refused).
 *       A record that Kafka later fails to store (not acknowledged within {@code collector.send.timeout})
 *       is counted in {@code perfstream_collector_send_failures} and logged; never silently lost.</li>
 *   <li>{@link #send}: a future completed when Kafka acknowledged the record ({@code acks=all}).</li>
 * </ul>
 * Callbacks run on the producer's single I/O thread; they only count and complete futures. Whoever
 * waits on a future must not do request work on that thread (see {@code CollectorApp}).
 */
final class KafkaSink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
    private final Producer<String, byte[]> producer;
    private final PerfstreamMetrics.Registration producerMetrics;
    private final CollectorMetrics metrics;
    private final FailureLog failureLog = new FailureLog();

    KafkaSink(CollectorConfig c, KafkaClients clients, CollectorMetrics metrics) {
        this(new KafkaProducer<>(props(c, clients), new StringSerializer(), new ByteArraySerializer()), metrics);
    }

    KafkaSink(Producer<String, byte[]> producer, CollectorMetrics metrics) {
        this.producerMetrics = KafkaMetricsBridge.register("collector", producer::metrics);
        this.producer = producer;
        this.metrics = metrics;
    }

    static Properties props(CollectorConfig c, KafkaClients clients) {
        long timeout = c.sendTimeout().toMillis();
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "perfstream-collector");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(128 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(c.bufferBytes()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "0");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(timeout));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(500, timeout / 2 - 5)));
        return clients.producer(p);
    }

    /**
     * Puts the record into the producer's bounded buffer without waiting for Kafka.
     *
     * @return null if the record is in the buffer (its delivery is counted and failures are reported
     *         by the callback), else the reason the producer refused it
     */
    RuntimeException offer(String topic, String key, byte[] value) {
        Delivery d = new Delivery(topic, System.nanoTime());
        try {
            producer.send(new ProducerRecord<>(topic, key, value), d);
        } catch (KafkaException e) {
            d.handOver();
            return e;
        }
        return d.handOver();
    }

    /**
     * Callback of {@link #offer}. The producer calls it on the sending thread, before {@code send}
     * returns, when it refuses a record (buffer full, metadata missing): that refusal goes back to the
     * caller (503). Any later failure happened after the collector answered 202: counted and logged.
     */
    private final class Delivery implements Callback {
        private final String topic;
        private final long t0;
        private boolean handedOver; // guarded by this
        private RuntimeException refused;

        Delivery(String topic, long t0) {
            this.topic = topic;
            this.t0 = t0;
        }

        @Override
        public void onCompletion(RecordMetadata md, Exception e) {
            if (e == null) {
                metrics.sendLatency(System.nanoTime() - t0);
                return;
            }
            synchronized (this) {
                if (!handedOver) {
                    refused = e instanceof RuntimeException r ? r : new KafkaException(e);
                    return;
                }
            }
            metrics.sendFailure(topic, e);
            failureLog.report(topic, e);
        }

        synchronized RuntimeException handOver() {
            handedOver = true;
            return refused;
        }
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

    /**
     * Logs failed deliveries of accepted records: the first at once, then at most one summary line
     * per 10 s with the count (a broker outage fails thousands of records at the same moment).
     */
    private static final class FailureLog {
        private static final long EVERY_NANOS = 10_000_000_000L;
        private long lastLog = System.nanoTime() - EVERY_NANOS;
        private long suppressed;

        synchronized void report(String topic, Exception e) {
            long now = System.nanoTime();
            if (now - lastLog < EVERY_NANOS) {
                suppressed++;
                return;
            }
            LOG.error("Kafka did not store {} accepted event(s) on {} after the collector answered 202: {}: {} "
                + "(counted in perfstream_collector_send_failures)", suppressed + 1, topic, e.getClass().getSimpleName(), e.getMessage());
            suppressed = 0;
            lastLog = now;
        }
    }

    @Override
    public void close() {
        producerMetrics.close();
        producer.close(Duration.ofSeconds(10));
    }
}
