package dev.perfstream.ingest.source;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source's loop: poll OTLP batches, produce their events and dead letters, wait for Kafka's
 * acknowledgement of all of them, then commit the batches' offsets. At least once: when a send fails the
 * polled batches are read again from their committed offsets after a pause (a plain consumer and producer
 * rather than Kafka Streams: ingest does not depend on Kafka Streams, and a replay is reported, not lost).
 * A replayed cumulative point is rejected as a duplicate by the stream state, so replays do not double
 * count cumulative data; spans and delta points of a replayed batch are counted again.
 */
final class OtlpSource implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OtlpSource.class);
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<String, byte[]> producer;
    private final OtlpRecords records;
    private final List<String> topics;
    private volatile boolean running = true;

    OtlpSource(Consumer<byte[], byte[]> consumer, Producer<String, byte[]> producer, OtlpRecords records, List<String> topics) {
        this.consumer = consumer;
        this.producer = producer;
        this.records = records;
        this.topics = topics;
    }

    @Override
    public void run() {
        consumer.subscribe(topics);
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(500));
                if (!polled.isEmpty()) {
                    forward(polled);
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void forward(ConsumerRecords<byte[], byte[]> polled) {
        List<Future<?>> sent = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : polled) {
            for (ProducerRecord<String, byte[]> out : records.process(r)) {
                sent.add(producer.send(out));
            }
            next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        producer.flush();
        try {
            for (Future<?> f : sent) {
                f.get();
            }
        } catch (Exception e) {
            LOG.error("Kafka did not take the events of {} OTLP batch(es); reading them again in 5 s: {}", polled.count(),
                e.getMessage());
            rewind(polled);
            return;
        }
        consumer.commitSync(next);
    }

    private void rewind(ConsumerRecords<byte[], byte[]> polled) {
        for (TopicPartition tp : polled.partitions()) {
            OffsetAndMetadata committed = consumer.committed(java.util.Set.of(tp)).get(tp);
            consumer.seek(tp, committed == null ? polled.records(tp).get(0).offset() : committed.offset());
        }
        try {
            Thread.sleep(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    void stop() {
        running = false;
        consumer.wakeup();
    }
}
