package dev.perfstream.streams.stats;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * {@link InputLag} from the main consumers' own {@code records-lag} metric per partition (what the
 * consumer saw at its last fetch: the partition's end, or last stable offset under exactly-once,
 * minus its position). The metric objects are looked up by the stage's housekeeping thread once a
 * second ({@link #refresh}); their values are read when asked, so an answer is as current as the
 * consumer's last fetch, the same lag Kafka Streams' own wait for unfetched data reads. A task is
 * caught up only when every input partition it reads (its partition of each input topic that has one)
 * reports lag 0: a partition the consumer has no such metric for yet (not fetched since it was
 * assigned) counts as behind.
 */
final class ConsumerLag implements InputLag {
    private final String metricsTopic;
    private final String rumTopic;
    /** Per partition of each input topic, its lag metric; null while the consumer has none. Replaced by refresh. */
    private volatile AtomicReferenceArray<Metric> metricsLag;
    private volatile AtomicReferenceArray<Metric> rumLag;
    volatile KafkaStreams streams;

    /**
     * @param metricsPartitions partitions of the metrics topic when the stage started
     * @param rumPartitions     partitions of the RUM topic when the stage started
     */
    ConsumerLag(StatsConfig c, int metricsPartitions, int rumPartitions) {
        this.metricsTopic = c.metricsTopic();
        this.rumTopic = c.rumTopic();
        this.metricsLag = new AtomicReferenceArray<>(metricsPartitions);
        this.rumLag = new AtomicReferenceArray<>(rumPartitions);
    }

    /**
     * Looks up the consumers' lag metrics again: a partition assigned anew gets a new metric object at its first
     * fetch. A partition whose metric is gone keeps the last one found, with its last value: the consumer drops a
     * partition's metric when the partition is revoked (also when a fenced thread rejoins and gets it back) and records
     * a new one only at a fetch that returns data for it, which an empty partition may never have. Dropping the old
     * one held that input's stream time for good (StatsAvroRegistryIT, 2026-12-06); keeping it is what this class did
     * before it read the metric live.
     */
    void refresh() {
        KafkaStreams s = streams;
        if (s != null) {
            refresh(s.metrics());
        }
    }

    /** {@link #refresh()} from these metrics (all of Kafka Streams' clients). */
    void refresh(Map<MetricName, ? extends Metric> metrics) {
        AtomicReferenceArray<Metric> m = copy(metricsLag);
        AtomicReferenceArray<Metric> r = copy(rumLag);
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName n = e.getKey();
            if (!n.name().equals("records-lag") || !n.group().equals("consumer-fetch-manager-metrics")) {
                continue;
            }
            String client = n.tags().getOrDefault("client-id", "");
            String topic = n.tags().get("topic");
            String partition = n.tags().get("partition");
            if (client.contains("restore-consumer") || topic == null || partition == null) {
                continue;
            }
            set(topic.equals(metricsTopic) ? m : topic.equals(rumTopic) ? r : null, Integer.parseInt(partition), e.getValue());
        }
        metricsLag = m;
        rumLag = r;
    }

    private static AtomicReferenceArray<Metric> copy(AtomicReferenceArray<Metric> lags) {
        AtomicReferenceArray<Metric> c = new AtomicReferenceArray<>(lags.length());
        for (int i = 0; i < lags.length(); i++) {
            c.set(i, lags.get(i));
        }
        return c;
    }

    private static void set(AtomicReferenceArray<Metric> lags, int partition, Metric metric) {
        if (lags != null && partition < lags.length()) {
            lags.set(partition, metric);
        }
    }

    /** Sets one partition's lag metric (what {@link #refresh} finds; tests set their own). */
    void attach(String topic, int partition, Metric metric) {
        set(topic.equals(metricsTopic) ? metricsLag : topic.equals(rumTopic) ? rumLag : null, partition, metric);
    }

    @Override
    public boolean caughtUp(int partition) {
        return caughtUp(metricsLag, partition) && caughtUp(rumLag, partition);
    }

    @Override
    public boolean caughtUp(String topic, int partition) {
        if (topic.equals(metricsTopic)) {
            return caughtUp(metricsLag, partition);
        }
        return topic.equals(rumTopic) ? caughtUp(rumLag, partition) : caughtUp(partition);
    }

    @Override
    public String whyBehind(String topic, int partition) {
        AtomicReferenceArray<Metric> lags = topic.equals(metricsTopic) ? metricsLag : topic.equals(rumTopic) ? rumLag : null;
        Metric m = lags == null || partition >= lags.length() ? null : lags.get(partition);
        if (m == null) {
            return "its consumer has reported no lag for it: nothing fetched since it was assigned";
        }
        return "lag " + m.metricValue() + " as of its consumer's last fetch";
    }

    private static boolean caughtUp(AtomicReferenceArray<Metric> lags, int partition) {
        if (partition >= lags.length()) {
            return true; // the task reads no partition of this topic
        }
        Metric m = lags.get(partition);
        return m != null && m.metricValue() instanceof Number v && v.doubleValue() == 0; // NaN: no position yet
    }
}
