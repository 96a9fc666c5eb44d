package dev.perfstream.sink.notify;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alerts still firing according to {@code perf.alerts} itself: its records folded per fingerprint
 * (a FIRING puts, a RESOLVED removes) from the beginning of each partition up to a given offset. The
 * notifier rebuilds its active set from here when its state topic is empty (deleted, or a new
 * {@code notify.state.topic}) and when its consumer group has no committed offset (a new
 * {@code notify.group.id}): replaying the history through the receivers instead would page again for
 * every alert that fired and resolved long ago. The alerts stage keys each alert by its fingerprint,
 * so one alert's records are in one partition, in order.
 */
final class AlertsHistory {
    private static final Logger LOG = LoggerFactory.getLogger(AlertsHistory.class);

    private AlertsHistory() {
    }

    /**
     * @param consumerProperties the notifier's consumer properties (the group id is dropped: nothing is committed)
     * @param until              per partition, the first offset not to read
     * @return the last FIRING of every alert whose last record before {@code until} is a FIRING, in topic order
     */
    static Map<String, Alert> firing(Properties consumerProperties, RecordCodec<Alert> codec, Map<TopicPartition, Long> until) {
        Map<String, Alert> firing = new LinkedHashMap<>();
        List<TopicPartition> parts = until.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).toList();
        if (parts.isEmpty()) {
            return firing;
        }
        Properties p = new Properties();
        p.putAll(consumerProperties);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        long undecodable = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (parts.stream().anyMatch(tp -> c.position(tp) < until.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the alerts topic up to " + until + " within 120 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= until.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    try {
                        Alert a = codec.decode(r.topic(), r.value());
                        if (a.getState() == AlertState.FIRING) {
                            firing.remove(a.getFingerprint());
                            firing.put(a.getFingerprint(), a);
                        } else {
                            firing.remove(a.getFingerprint());
                        }
                    } catch (DecodeException e) {
                        undecodable++; // dead-lettered when it was first consumed
                    }
                }
            }
        }
        LOG.info("alerts topic history up to {}: {} alert(s) still firing{}", until, firing.size(),
            undecodable == 0 ? "" : " (" + undecodable + " undecodable record(s) skipped)");
        return firing;
    }
}
