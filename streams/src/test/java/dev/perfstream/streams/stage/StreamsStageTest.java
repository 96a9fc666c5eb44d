package dev.perfstream.streams.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** The readiness rule of every Kafka Streams stage; ObservabilityIT checks it with the broker really down. */
class StreamsStageTest {
    private static Map<MetricName, Metric> heartbeat(double secondsAgo) {
        MetricName n = new MetricName("last-heartbeat-seconds-ago", "consumer-coordinator-metrics", "",
            Map.of("client-id", "app-StreamThread-1-consumer"));
        return Map.of(n, new Metric() {
            @Override
            public MetricName metricName() {
                return n;
            }

            @Override
            public Object metricValue() {
                return secondsAgo;
            }
        });
    }

    @Test
    void shouldBeReadyOnlyWhenRunningWithNothingToRestoreAndInTouchWithTheCoordinator() {
        assertThat(StreamsStage.readiness(KafkaStreams.State.RUNNING, 0, heartbeat(2))).isEmpty();
        assertThat(StreamsStage.readiness(KafkaStreams.State.REBALANCING, 0, heartbeat(2)))
            .hasValue("Kafka Streams is REBALANCING");
        assertThat(StreamsStage.readiness(KafkaStreams.State.RUNNING, 3, heartbeat(2)))
            .hasValue("restoring 3 state store partition(s) from their changelogs");
        assertThat(StreamsStage.readiness(KafkaStreams.State.REBALANCING, 1, heartbeat(2)))
            .hasValue("restoring 1 state store partition(s) from their changelogs (Kafka Streams is REBALANCING)");
        assertThat(StreamsStage.readiness(KafkaStreams.State.RUNNING, 0, heartbeat(40)))
            .hasValueSatisfying(r -> assertThat(r).contains("no heartbeat to the group coordinator for 40 s"));
        assertThat(StreamsStage.readiness(KafkaStreams.State.RUNNING, 0, heartbeat(-1)))
            .hasValueSatisfying(r -> assertThat(r).contains("no group coordinator"));
    }
}
