package dev.perfstream.streams.stats;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;

/**
 * {@link InputLag} from the main consumers' own {@code records-lag} metric per partition (what the
 * consumer saw at its last fetch: the partition's end, or last stable offset under exactly-once,
 * minus its position). The metric objects are looked up by the stage's housekeeping thread once a
 * second ({@link #refresh}); their values are read when asked, so an answer is as current as the
 * consumer's last fetch, the same lag Kafka Streams' own wait for unfetched data reads. A task is
 * caught up only when every input partition it reads (its partition of each input topic that has one)
 * reports lag 0. A partition the consumer has no such metric for (not fetched since it was assigned) is
 * asked of the broker instead at each refresh ({@link BrokerOffsets}): caught up when the stage's group has
 * committed an offset at or past the partition's last stable offset, or the partition holds nothing; behind
 * otherwise, and until the broker has answered.
 */
final class ConsumerLag implements InputLag {
    private final String metricsTopic;
    private final String rumTopic;
    /** Per partition of each input topic, its lag metric; null while the consumer has none. Replaced by refresh. */
    private volatile AtomicReferenceArray<Metric> metricsLag;
    private volatile AtomicReferenceArray<Metric> rumLag;
    /** The partitions without a lag metric that the broker last said are read to their end (see {@link BrokerOffsets}). */
    private volatile Set<TopicPartition> drainedByBroker = Set.of();
    volatile KafkaStreams streams;
    private final BrokerOffsets broker;
    private final long settleMillis;

    /**
     * What the broker says of input partitions whose consumer has reported no lag, read by the housekeeping thread.
     *
     * <p>Why not wait for the metric: the consumer records a partition's lag at a fetch that returns the partition, and
     * drops it when the partition is revoked, also when a fenced stream thread rejoins and gets the same partitions back
     * (2026-12-07). An empty partition may not come back in any fetch response after that (incremental fetch sessions
     * leave out partitions without news), and one that had no metric before the rejoin then never got one: its task
     * counted as behind for good, its stream time stopped following the wall clock, and the owners of every other
     * task's windows waited for its watermark (StatsAvroRegistryIT, no window for 3 minutes in the stop CI).
     */
    @FunctionalInterface
    interface BrokerOffsets {
        /** The partitions among {@code partitions} that have nothing the stage's group has not committed. */
        Set<TopicPartition> drained(Set<TopicPartition> partitions) throws Exception;

        /**
         * From the brokers: caught up when the group's committed offset is at or past the partition's last stable offset
         * (what a read_committed consumer can read to), or the partition holds nothing (its earliest offset is its last).
         */
        static BrokerOffsets of(Admin admin, String group) {
            return partitions -> {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
                for (TopicPartition tp : partitions) {
                    latest.put(tp, OffsetSpec.latest());
                    earliest.put(tp, OffsetSpec.earliest());
                }
                var end = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(5, TimeUnit.SECONDS);
                var start = admin.listOffsets(earliest).all().get(5, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                Set<TopicPartition> drained = new HashSet<>();
                for (TopicPartition tp : partitions) {
                    if (!end.containsKey(tp) || !start.containsKey(tp)) {
                        continue;
                    }
                    long lso = end.get(tp).offset();
                    OffsetAndMetadata c = committed.get(tp);
                    long read = Math.max(start.get(tp).offset(), c == null ? Long.MIN_VALUE : c.offset());
                    if (read >= lso) {
                        drained.add(tp);
                    }
                }
                return drained;
            };
        }
    }

    /** Without a broker to ask (tests that set the metrics themselves): a partition without a metric stays behind. */
    ConsumerLag(StatsConfig c, int metricsPartitions, int rumPartitions) {
        this(c, metricsPartitions, rumPartitions, partitions -> Set.of(), 0);
    }

    /**
     * @param metricsPartitions partitions of the metrics topic when the stage started
     * @param rumPartitions     partitions of the RUM topic when the stage started
     * @param broker            asked about the partitions without a lag metric at each {@link #refresh()}
     * @param settleMillis      see {@link InputLag#settleMillis()}
     */
    ConsumerLag(StatsConfig c, int metricsPartitions, int rumPartitions, BrokerOffsets broker, long settleMillis) {
        this.broker = broker;
        this.settleMillis = settleMillis;
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
    void refresh() throws Exception {
        KafkaStreams s = streams;
        if (s != null) {
            refresh(s.metrics(), assigned(s), broker);
        }
    }

    /**
     * {@link #refresh(Map)}, then asks the broker about the partitions that still have no lag metric (none: no request).
     *
     * @throws Exception the broker's failure to answer; those partitions keep counting as behind
     */
    void refresh(Map<MetricName, ? extends Metric> metrics, Set<TopicPartition> assigned, BrokerOffsets broker)
        throws Exception {
        refresh(metrics);
        Set<TopicPartition> unknown = new HashSet<>();
        for (TopicPartition tp : assigned) {
            AtomicReferenceArray<Metric> lags = tp.topic().equals(metricsTopic) ? metricsLag
                : tp.topic().equals(rumTopic) ? rumLag : null;
            if (lags != null && tp.partition() < lags.length() && lags.get(tp.partition()) == null) {
                unknown.add(tp);
            }
        }
        if (unknown.isEmpty()) {
            drainedByBroker = Set.of();
            return;
        }
        try {
            drainedByBroker = Set.copyOf(broker.drained(unknown));
        } catch (Exception e) {
            drainedByBroker = Set.of(); // no answer: behind, as before any answer
            throw e;
        }
    }

    /** The input partitions of the active tasks of this instance. */
    private static Set<TopicPartition> assigned(KafkaStreams streams) {
        Set<TopicPartition> tps = new HashSet<>();
        for (ThreadMetadata t : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : t.activeTasks()) {
                tps.addAll(task.topicPartitions());
            }
        }
        return tps;
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
    public long settleMillis() {
        return settleMillis;
    }

    @Override
    public boolean caughtUp(int partition) {
        return caughtUp(metricsTopic, metricsLag, partition) && caughtUp(rumTopic, rumLag, partition);
    }

    @Override
    public boolean caughtUp(String topic, int partition) {
        if (topic.equals(metricsTopic)) {
            return caughtUp(metricsTopic, metricsLag, partition);
        }
        return topic.equals(rumTopic) ? caughtUp(rumTopic, rumLag, partition) : caughtUp(partition);
    }

    @Override
    public String whyBehind(String topic, int partition) {
        AtomicReferenceArray<Metric> lags = topic.equals(metricsTopic) ? metricsLag : topic.equals(rumTopic) ? rumLag : null;
        Metric m = lags == null || partition >= lags.length() ? null : lags.get(partition);
        if (m == null) {
            return "its consumer has reported no lag for it (nothing fetched since it was assigned), and the broker says the"
                + " stage's group has not committed to its end";
        }
        return "lag " + m.metricValue() + " as of its consumer's last fetch";
    }

    private boolean caughtUp(String topic, AtomicReferenceArray<Metric> lags, int partition) {
        if (partition >= lags.length()) {
            return true; // the task reads no partition of this topic
        }
        Metric m = lags.get(partition);
        if (m == null) {
            return drainedByBroker.contains(new TopicPartition(topic, partition));
        }
        return m.metricValue() instanceof Number v && v.doubleValue() == 0; // NaN: no position yet
    }
}
