package dev.perfstream.schemas.serde;

import dev.perfstream.schemas.kafka.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows every partition of a topic, without a consumer group (nothing committed), for the CLI's
 * watchers ({@code perfstream alerts}, {@code perfstream tail}): read-committed records from the start or
 * only new ones, until {@code max} records or Ctrl-C (a shutdown hook wakes the consumer and waits for it).
 */
public final class TopicFollower {
    private TopicFollower() {
    }

    /** @return how many records were handed to {@code each} */
    public static long follow(KafkaClients clients, String topic, boolean fromBeginning, long max,
                              Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Properties p = clients.consumer(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        AtomicBoolean running = new AtomicBoolean(true);
        long seen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                running.set(false);
                consumer.wakeup();
                try {
                    main.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "follow-" + topic + "-stop"));
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(pi -> new TopicPartition(topic, pi.partition())).toList();
            consumer.assign(parts);
            if (fromBeginning) {
                consumer.seekToBeginning(parts);
            } else {
                consumer.seekToEnd(parts);
            }
            while (running.get() && seen < max) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    each.accept(r);
                    if (++seen >= max) {
                        break;
                    }
                }
            }
        } catch (WakeupException e) {
            // Ctrl-C
        }
        return seen;
    }
}
