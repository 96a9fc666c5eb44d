package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.testkit.KafkaTestCluster;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ConsumerLag.BrokerOffsets#of}, the broker's answer for an input partition whose consumer reports no lag, against
 * a real KRaft broker: an empty partition, one the group committed to its end, one it did not, and one whose end is
 * an open transaction (a read_committed consumer reads only to its start).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsumerLagIT {
    @Test
    void shouldCountAPartitionReadToItsEndWhenTheGroupCommittedItsLastStableOffsetOrItHoldsNothing() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); Admin admin = kafka.admin()) {
            String topic = "lag-in";
            String group = "lag-group";
            kafka.createTopics(4, topic);
            TopicPartition empty = new TopicPartition(topic, 0);
            TopicPartition committed = new TopicPartition(topic, 1);
            TopicPartition behind = new TopicPartition(topic, 2);
            TopicPartition open = new TopicPartition(topic, 3);
            try (KafkaProducer<byte[], byte[]> p = kafka.clients().producer()) {
                for (int i = 0; i < 3; i++) {
                    p.send(record(topic, 1)).get();
                    p.send(record(topic, 2)).get();
                    p.send(record(topic, 3)).get();
                }
            }
            KafkaProducer<byte[], byte[]> tx = kafka.clients().producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "lag-tx",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
            try (tx) {
                tx.initTransactions();
                tx.beginTransaction();
                tx.send(record(topic, 3)).get(); // offset 3 of partition 3, not committed: the last stable offset stays 3
                admin.alterConsumerGroupOffsets(group, Map.of(committed, new OffsetAndMetadata(3),
                    behind, new OffsetAndMetadata(2), open, new OffsetAndMetadata(3))).all().get(30, TimeUnit.SECONDS);

                Set<TopicPartition> drained = ConsumerLag.BrokerOffsets.of(admin, group)
                    .drained(Set.of(empty, committed, behind, open));

                assertThat(drained).containsExactlyInAnyOrder(empty, committed, open);
                tx.abortTransaction();
            }
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, int partition) {
        return new ProducerRecord<>(topic, partition, null, "{}".getBytes(StandardCharsets.UTF_8));
    }
}
