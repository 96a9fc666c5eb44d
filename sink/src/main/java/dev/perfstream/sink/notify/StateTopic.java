package dev.perfstream.sink.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifier's compacted state topic ({@code notify.state.topic}): per fingerprint, the Alertmanager alert
 * last sent FIRING, or a tombstone once it resolved. Read at start so a restarted notifier keeps re-sending what
 * is still firing.
 */
final class StateTopic {
    private static final Logger LOG = LoggerFactory.getLogger(StateTopic.class);

    private StateTopic() {
    }

    /**
     * Reads the state topic from its beginning to its end into {@code active}.
     *
     * @return whether the state topic held any record (an active alert or a tombstone)
     */
    static boolean load(NotifierConfig config, Properties consumerProperties, Map<String, ObjectNode> active) {
        boolean any = false;
        Properties p = new Properties();
        p.putAll(consumerProperties);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(config.stateTopic()).stream()
                .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the notifier's state topic " + config.stateTopic()
                        + " to its end within 60 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    any = true;
                    String fp = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        active.remove(fp);
                    } else {
                        try {
                            active.put(fp, (ObjectNode) AlertmanagerAlerts.json().readTree(r.value()));
                        } catch (java.io.IOException | ClassCastException e) {
                            LOG.warn("state topic {}-{}@{}: undecodable active alert {} skipped: {}", r.topic(), r.partition(),
                                r.offset(), fp, e.getMessage());
                        }
                    }
                }
            }
        }
        return any;
    }

    /** Creates the compacted state topic unless it exists. */
    static void create(NotifierConfig c, Settings settings) {
        try (Admin admin = Admin.create(KafkaClients.from(settings).admin(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(c.stateTopic(), 1, (short) -1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                .all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the notifier's state topic " + c.stateTopic() + ": "
                    + e.getCause().getMessage(), e);
            }
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka at " + c.bootstrapServers() + " did not answer creating " + c.stateTopic(), e);
        }
    }
}
