package dev.perfstream.streams.window;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@link InputLag} from the main consumers' own {@code records-lag} metric per partition (what the
 * consumer saw at its last fetch: the partition's end, or last stable offset under exactly-once,
 * minus its position), refreshed by the stage's housekeeping thread. A partition the consumer has
 * not fetched yet has no such metric and does not count as caught up.
 */
final class ConsumerLag implements InputLag {
    private final String metricsTopic;
    private final String rumTopic;
    private final Map<String, Double> lagByTopicPartition = new ConcurrentHashMap<>();
    volatile KafkaStreams streams;

    ConsumerLag(StatsConfig c) {
        this.metricsTopic = c.metricsTopic();
        this.rumTopic = c.rumTopic();
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
            if (client.contains("restore-consumer") || topic == null || !(e.getValue().metricValue() instanceof Number v)) {
                continue;
            }
            lagByTopicPartition.put(topic + '/' + n.tags().get("partition"), v.doubleValue());
        }
    }

    @Override
    public boolean caughtUp(int partition) {
        Double m = lagByTopicPartition.get(metricsTopic + '/' + partition);
        Double r = lagByTopicPartition.get(rumTopic + '/' + partition);
        if (m == null && r == null) {
            return false;
        }
        return (m == null || m == 0) && (r == null || r == 0);
    }
}
