package dev.perfstream.streams.stats;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@link InputLag} from the main consumers' own {@code records-lag} metric per partition (what the
 * consumer saw at its last fetch: the partition's end, or last stable offset under exactly-once,
 * minus its position), refreshed by the stage's housekeeping thread. A task is caught up only when
 * every input partition it reads (its partition of each input topic that has one) reports lag 0: a
 * partition the consumer has not fetched yet has no such metric and counts as behind.
 */
final class ConsumerLag implements InputLag {
    private final String metricsTopic;
    private final int metricsPartitions;
    private final String rumTopic;
    private final int rumPartitions;
    private final Map<String, Double> lagByTopicPartition = new ConcurrentHashMap<>();
    volatile KafkaStreams streams;

    /**
     * @param metricsPartitions partitions of the metrics topic when the stage started
     * @param rumPartitions     partitions of the RUM topic when the stage started
     */
    ConsumerLag(StatsConfig c, int metricsPartitions, int rumPartitions) {
        this.metricsTopic = c.metricsTopic();
        this.metricsPartitions = metricsPartitions;
        this.rumTopic = c.rumTopic();
        this.rumPartitions = rumPartitions;
    }

    void refresh() {
        KafkaStreams s = streams;
        if (s == null) {
            return;
        }
        for (Map.Entry<MetricName, ? extends Metric> e : s.metrics().entrySet()) {
            MetricName n = e.getKey();
            if (!n.name().equals("records-lag") || !n.group().equals("consumer-fetch-manager-metrics")) {
                continue;
            }
            String client = n.tags().getOrDefault("client-id", "");
            String topic = n.tags().get("topic");
            String partition = n.tags().get("partition");
            if (client.contains("restore-consumer") || topic == null || partition == null
                || !(e.getValue().metricValue() instanceof Number v)) {
                continue;
            }
            update(topic, Integer.parseInt(partition), v.doubleValue());
        }
    }

    /** The lag the consumer last reported for one partition (NaN: it has no position there yet). */
    void update(String topic, int partition, double lag) {
        lagByTopicPartition.put(topic + '/' + partition, lag);
    }

    @Override
    public boolean caughtUp(int partition) {
        return caughtUp(metricsTopic, metricsPartitions, partition) && caughtUp(rumTopic, rumPartitions, partition);
    }

    @Override
    public boolean caughtUp(String topic, int partition) {
        if (topic.equals(metricsTopic)) {
            return caughtUp(metricsTopic, metricsPartitions, partition);
        }
        return topic.equals(rumTopic) ? caughtUp(rumTopic, rumPartitions, partition) : caughtUp(partition);
    }

    private boolean caughtUp(String topic, int partitions, int partition) {
        if (partition >= partitions) {
            return true; // the task reads no partition of this topic
        }
        Double lag = lagByTopicPartition.get(topic + '/' + partition);
        return lag != null && lag == 0;
    }
}
