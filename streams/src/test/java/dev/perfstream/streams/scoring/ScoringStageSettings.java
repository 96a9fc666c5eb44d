package dev.perfstream.streams.scoring;

import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.StageSettings;

/** The scoring stage of one integration test: the set-up ScoringIT, ForecastIT and MultivariateIT share. */
public final class ScoringStageSettings {
    private ScoringStageSettings() {
    }

    /**
     * Its own topics (stats in; anomalies, forecasts, alerts, dead letters out; made with 2 partitions), application
     * id, state and model folders; 100 ms commits.
     */
    public static StageSettings of(KafkaTestCluster kafka, String tag) {
        return StageSettings.on(kafka, tag)
            .topics(TopicKeys.STATS, TopicKeys.ANOMALIES, TopicKeys.FORECASTS, TopicKeys.ALERTS, TopicKeys.DEADLETTER)
            .applicationId("scoring.application.id", "scoring-it")
            .tempDir("state.dir")
            .tempDir("models.dir")
            .put("scoring.commit.interval.ms", "100")
            .createTopics(2);
    }
}
