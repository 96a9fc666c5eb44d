package dev.perfstream.deploy.pipeline;

import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.StageSettings;

/** The stats stage and the sink of one pipeline IT: the set-up QueryCacheIT and ImpactIT share. */
final class PipelineSettings {
    private PipelineSettings() {
    }

    /**
     * The stats topics of the test (not yet created), windows of {@code windows} without rollup, a 1 s grace, 200 ms
     * commits, a fresh state folder; the sink writing to database {@code database} of {@code influx} every 200 ms.
     */
    static StageSettings of(KafkaTestCluster kafka, InfluxTestServer influx, String database, String windows) {
        return StageSettings.on(kafka, database).statsTopics()
            .put("stats.windows", windows)
            .put("stats.rollup", "off")
            .put("stats.grace", "1s")
            .put("stats.commit.interval", "200ms")
            .tempDir("state.dir")
            .put("influx.url", influx.url())
            .put("influx.database", database)
            .put("sink.linger", "200ms");
    }
}
