package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.config.Settings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ConsumerLagTest {
    private final StatsConfig config = StatsConfig.from(Settings.of(Map.of()));

    /** A records-lag metric whose value the test sets, as each fetch of the consumer does. */
    private static final class LagMetric implements Metric {
        final AtomicReference<Object> value;

        LagMetric(Object value) {
            this.value = new AtomicReference<>(value);
        }

        @Override
        public MetricName metricName() {
            return new MetricName("records-lag", "consumer-fetch-manager-metrics", "", Map.of());
        }

        @Override
        public Object metricValue() {
            return value.get();
        }
    }

    private static LagMetric metric(double lag) {
        return new LagMetric(lag);
    }

    @Test
    void shouldReadTheLagAsTheConsumerLastFetchedItNotAsItWasAtTheLastRefresh() {
        ConsumerLag lag = new ConsumerLag(config, 6, 6);
        LagMetric metrics = metric(0);
        lag.attach(config.metricsTopic(), 3, metrics);
        lag.attach(config.rumTopic(), 3, metric(0));
        assertThat(lag.caughtUp(3)).isTrue();

        metrics.value.set(120.0); // a fetch saw new records on the broker
        assertThat(lag.caughtUp(config.metricsTopic(), 3)).isFalse();
        assertThat(lag.caughtUp(3)).isFalse();
        metrics.value.set(Double.NaN); // no position
        assertThat(lag.caughtUp(config.metricsTopic(), 3)).isFalse();
        metrics.value.set(0.0);
        assertThat(lag.caughtUp(3)).isTrue();
    }

    @Test
    void shouldTakeTheMainConsumersMetricsAtARefreshAndKeepTheLastOneOfAPartitionWhoseMetricIsGone() {
        ConsumerLag lag = new ConsumerLag(config, 6, 6);
        LagMetric metrics1 = metric(0);
        LagMetric rum1 = metric(0);
        Map<MetricName, Metric> found = new java.util.HashMap<>();
        found.put(name("perfstream-stats-StreamThread-1-consumer", config.metricsTopic(), 1), metrics1);
        found.put(name("perfstream-stats-StreamThread-1-consumer", config.rumTopic(), 1), rum1);
        found.put(name("perfstream-stats-StreamThread-1-restore-consumer", config.metricsTopic(), 2), metric(0));
        lag.refresh(found);
        assertThat(lag.caughtUp(1)).isTrue();
        assertThat(lag.caughtUp(config.metricsTopic(), 2)).as("a restore consumer's lag says nothing").isFalse();

        rum1.value.set(7.0);
        assertThat(lag.caughtUp(1)).as("read at the question, not at the refresh").isFalse();
        rum1.value.set(0.0);

        // revoked and assigned again, an empty partition gets no new metric until a fetch returns data for it
        found.remove(name("perfstream-stats-StreamThread-1-consumer", config.rumTopic(), 1));
        lag.refresh(found);
        assertThat(lag.caughtUp(config.rumTopic(), 1)).as("the last metric found still answers").isTrue();

        LagMetric rumAgain = metric(12); // a fetch returned data: a new metric object
        found.put(name("perfstream-stats-StreamThread-1-consumer", config.rumTopic(), 1), rumAgain);
        lag.refresh(found);
        assertThat(lag.caughtUp(config.rumTopic(), 1)).isFalse();
        rumAgain.value.set(0.0);
        assertThat(lag.caughtUp(config.rumTopic(), 1)).isTrue();
    }

    private static MetricName name(String client, String topic, int partition) {
        return new MetricName("records-lag", "consumer-fetch-manager-metrics", "", Map.of("client-id", client, "topic", topic,
            "partition", Integer.toString(partition)));
    }

    @Test
    void shouldNotCountATaskCaughtUpWhileOneOfItsInputPartitionsHasNoLagYet() {
        ConsumerLag lag = new ConsumerLag(config, 6, 6);
        lag.attach(config.rumTopic(), 2, metric(0));

        assertThat(lag.caughtUp(2)).as("metrics partition 2 not fetched yet").isFalse();

        lag.attach(config.metricsTopic(), 2, metric(0));
        assertThat(lag.caughtUp(2)).isTrue();
    }

    @Test
    void shouldNotCountATaskCaughtUpWhileAnyInputPartitionLags() {
        ConsumerLag lag = new ConsumerLag(config, 6, 6);
        lag.attach(config.metricsTopic(), 0, metric(0));
        lag.attach(config.rumTopic(), 0, metric(3));

        assertThat(lag.caughtUp(0)).isFalse();
        assertThat(lag.caughtUp(1)).as("nothing known about task 1").isFalse();
    }

    @Test
    void shouldIgnoreATopicWithFewerPartitionsThanTheTaskIndex() {
        ConsumerLag lag = new ConsumerLag(config, 6, 2);
        lag.attach(config.metricsTopic(), 4, metric(0));

        assertThat(lag.caughtUp(4)).as("task 4 reads no RUM partition").isTrue();
        assertThat(lag.caughtUp(1)).as("task 1 reads RUM partition 1, lag unknown").isFalse();
    }

    @Test
    void shouldAnswerForOneInputTopicAlone() {
        ConsumerLag lag = new ConsumerLag(config, 6, 2);
        lag.attach(config.metricsTopic(), 1, metric(0));
        lag.attach(config.rumTopic(), 1, metric(5));

        assertThat(lag.caughtUp(config.metricsTopic(), 1)).isTrue();
        assertThat(lag.caughtUp(config.rumTopic(), 1)).isFalse();
        assertThat(lag.caughtUp(config.rumTopic(), 4)).as("task 4 reads no RUM partition").isTrue();
        assertThat(lag.caughtUp(config.metricsTopic(), 4)).as("lag unknown").isFalse();
    }
    @Test
    void shouldAskTheBrokerAboutAnAssignedPartitionWithoutALagMetricAndOnlyAboutThose() throws Exception {
        ConsumerLag lag = new ConsumerLag(config, 2, 2);
        TopicPartition metrics1 = new TopicPartition(config.metricsTopic(), 1);
        TopicPartition rum1 = new TopicPartition(config.rumTopic(), 1);
        lag.attach(config.metricsTopic(), 1, metric(0));
        List<Set<TopicPartition>> asked = new ArrayList<>();
        Set<TopicPartition> drained = new HashSet<>(Set.of(rum1));
        ConsumerLag.BrokerOffsets broker = tps -> {
            asked.add(Set.copyOf(tps));
            return tps.stream().filter(drained::contains).collect(java.util.stream.Collectors.toSet());
        };
        Set<TopicPartition> assigned = Set.of(metrics1, rum1); // task 1 only: task 0's partitions are another instance's

        assertThat(lag.caughtUp(1)).as("RUM partition 1 has no lag metric and the broker was not asked yet").isFalse();
        lag.refresh(Map.of(), assigned, broker);
        assertThat(asked).containsExactly(Set.of(rum1));
        assertThat(lag.caughtUp(1)).as("the broker says the group has committed RUM partition 1 to its end").isTrue();

        drained.clear(); // an event arrives and is not committed yet
        lag.refresh(Map.of(), assigned, broker);
        assertThat(lag.caughtUp(config.rumTopic(), 1)).isFalse();
        assertThat(lag.whyBehind(config.rumTopic(), 1)).contains("no lag").contains("broker");

        lag.attach(config.rumTopic(), 1, metric(0)); // the consumer fetched it: its own lag counts, the broker is not asked
        lag.refresh(Map.of(), assigned, broker);
        assertThat(asked).hasSize(2);
        assertThat(lag.caughtUp(1)).isTrue();
    }

    @Test
    void shouldCountAPartitionWithoutALagMetricAsBehindWhenTheBrokerDoesNotAnswer() throws Exception {
        ConsumerLag lag = new ConsumerLag(config, 1, 1);
        TopicPartition metrics0 = new TopicPartition(config.metricsTopic(), 0);
        TopicPartition rum0 = new TopicPartition(config.rumTopic(), 0);
        lag.refresh(Map.of(), Set.of(metrics0, rum0), tps -> Set.copyOf(tps));
        assertThat(lag.caughtUp(0)).isTrue();

        assertThatThrownBy(() -> lag.refresh(Map.of(), Set.of(metrics0, rum0), tps -> {
            throw new java.util.concurrent.TimeoutException("no answer");
        })).isInstanceOf(java.util.concurrent.TimeoutException.class);
        assertThat(lag.caughtUp(0)).as("an earlier answer is not kept once the broker stops answering").isFalse();
    }
}
