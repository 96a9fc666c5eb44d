package dev.perfstream.streams.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.streams.alerts.AlertsApp;
import dev.perfstream.streams.alerts.AlertsConfig;
import dev.perfstream.streams.scoring.ScoringApp;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.stats.StatsApp;
import dev.perfstream.streams.stats.StatsConfig;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.LogAndFailExceptionHandler;
import org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler;
import org.junit.jupiter.api.Test;

class StreamsPropertiesTest {
    private static List<Properties> allStages(Settings s) {
        return List.of(StatsApp.properties(StatsConfig.from(s), s), AlertsApp.properties(AlertsConfig.from(s), s),
            ScoringApp.properties(ScoringConfig.from(s), s));
    }

    @Test
    void shouldGiveTheThreeStagesTheSameExplicitExceptionHandlersAndExactlyOnce() {
        for (Properties p : allStages(Settings.of(Map.of()))) {
            assertThat(p).containsEntry(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndFailExceptionHandler.class)
                .containsEntry(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndFailProcessingExceptionHandler.class)
                .containsEntry(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DefaultProductionExceptionHandler.class)
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
                .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        }
    }

    @Test
    void shouldPassUserClientSettingsToEveryStageOverItsOwnTuning() {
        Settings s = Settings.of(Map.of("kafka.client.security.protocol", "SASL_SSL", "kafka.client.linger.ms", "3",
            "kafka.consumer.max.poll.records", "77", "kafka.streams.replication.factor", "3"));
        for (Properties p : allStages(s)) {
            assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("linger.ms", "3")
                .containsEntry("consumer.max.poll.records", "77").containsEntry("replication.factor", "3")
                .doesNotContainKey("producer.linger.ms"); // the alerts stage's own linger.ms=0 gives way
        }
    }

    @Test
    void shouldReadTheScoringCommitIntervalAsADurationAndItsFormerMillisecondKey() {
        assertThat(ScoringApp.properties(ScoringConfig.from(Settings.of(Map.of())), Settings.of(Map.of("scoring.commit.interval",
            "250ms")))).containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 250L);
        assertThat(ScoringApp.properties(ScoringConfig.from(Settings.of(Map.of())), Settings.of(Map.of(
            "scoring.commit.interval.ms", "400")))).containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 400L);
    }

    @Test
    void shouldRefuseAnUnknownStreamsSettingAndTheHandlersPerfstreamSets() {
        assertThat(StreamsProperties.streamsProblem("num.standby.replica", "1"))
            .isEqualTo("not a Kafka Streams setting (did you mean kafka.streams.num.standby.replicas?)");
        assertThatThrownBy(() -> StatsApp.properties(StatsConfig.from(Settings.of(Map.of())), Settings.of(Map.of(
            "kafka.streams.deserialization.exception.handler", "x", "kafka.streams.processing.guarantee", "at_least_once"))))
            .hasMessageContaining("kafka.streams.deserialization.exception.handler: set by perfstream")
            .hasMessageContaining("kafka.streams.processing.guarantee: set by perfstream");
    }
}
