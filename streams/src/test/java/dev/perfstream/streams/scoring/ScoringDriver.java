package dev.perfstream.streams.scoring;

import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.config.Settings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The scoring topology in a TopologyTestDriver, wall clock starting at {@link ScoringTestData#T0}: the set-up the scoring topology tests share. */
public final class ScoringDriver implements AutoCloseable {
    public final ScoringConfig cfg;
    public final ModelStore models;
    public final TopologyTestDriver driver;
    public final TestInputTopic<byte[], byte[]> stats;

    /** @param settings the stage's settings ({@code models.dir} among them); state goes to {@code dir/state} */
    public ScoringDriver(Path dir, String applicationId, Map<String, String> settings) {
        cfg = ScoringConfig.from(Settings.of(settings));
        models = new ModelStore(cfg.modelsDir());
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        driver = new TopologyTestDriver(ScoringTopology.build(cfg, models, Clock.systemUTC()), p,
            Instant.ofEpochMilli(ScoringTestData.T0));
        stats = driver.createInputTopic(cfg.statsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** An output topic keyed by series id (anomalies, forecasts, alerts, recommendations). */
    public TestOutputTopic<String, byte[]> output(String topic) {
        return driver.createOutputTopic(topic, new StringDeserializer(), new ByteArrayDeserializer());
    }

    public TestOutputTopic<byte[], byte[]> deadletters() {
        return driver.createOutputTopic(cfg.deadletterTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void close() {
        driver.close();
    }
}
