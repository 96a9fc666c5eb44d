package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsumerLagTest {
    private final StatsConfig config = StatsConfig.from(Settings.of(Map.of()));

    @Test
    void shouldNotCountATaskCaughtUpWhileOneOfItsInputPartitionsHasNoLagYet() {
        ConsumerLag lag = new ConsumerLag(config, 6, 6);
        lag.update(config.rumTopic(), 2, 0);

        assertThat(lag.caughtUp(2)).as("metrics partition 2 not fetched yet").isFalse();

        lag.update(config.metricsTopic(), 2, 0);
        assertThat(lag.caughtUp(2)).isTrue();
    }

    @Test
    void shouldNotCountATaskCaughtUpWhileAnyInputPartitionLags() {
        ConsumerLag lag = new ConsumerLag(config, 6, 6);
        lag.update(config.metricsTopic(), 0, 0);
        lag.update(config.rumTopic(), 0, 3);

        assertThat(lag.caughtUp(0)).isFalse();
        assertThat(lag.caughtUp(1)).as("nothing known about task 1").isFalse();
    }

    @Test
    void shouldIgnoreATopicWithFewerPartitionsThanTheTaskIndex() {
        ConsumerLag lag = new ConsumerLag(config, 6, 2);
        lag.update(config.metricsTopic(), 4, 0);

        assertThat(lag.caughtUp(4)).as("task 4 reads no RUM partition").isTrue();
        assertThat(lag.caughtUp(1)).as("task 1 reads RUM partition 1, lag unknown").isFalse();
    }

    @Test
    void shouldAnswerForOneInputTopicAlone() {
        ConsumerLag lag = new ConsumerLag(config, 6, 2);
        lag.update(config.metricsTopic(), 1, 0);
        lag.update(config.rumTopic(), 1, 5);

        assertThat(lag.caughtUp(config.metricsTopic(), 1)).isTrue();
        assertThat(lag.caughtUp(config.rumTopic(), 1)).isFalse();
        assertThat(lag.caughtUp(config.rumTopic(), 4)).as("task 4 reads no RUM partition").isTrue();
        assertThat(lag.caughtUp(config.metricsTopic(), 4)).as("lag unknown").isFalse();
    }
}
