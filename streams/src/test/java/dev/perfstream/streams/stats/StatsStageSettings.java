package dev.perfstream.streams.stats;

import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.StageSettings;

/** The stats stage of one integration test: the set-up StatsIT, StatsAvroRegistryIT and StatsFailoverIT share. */
final class StatsStageSettings {
    private StatsStageSettings() {
    }

    /**
     * Its own topics (metrics, rum, stats, dead letters; made with 2 partitions), application id and state folder;
     * 10 s and 1 min windows, no rollup, a 5 s grace, 200 ms commits.
     */
    static StageSettings of(KafkaTestCluster kafka, String tag) {
        return StageSettings.on(kafka, tag).statsTopics()
            .applicationId("stats.application.id", "stats-it")
            .put("stats.windows", "10s,1m")
            .put("stats.rollup", "off")
            .put("stats.grace", "5s")
            .put("stats.commit.interval", "200ms")
            .tempDir("state.dir");
    }
}
