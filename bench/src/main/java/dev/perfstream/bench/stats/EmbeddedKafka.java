package dev.perfstream.bench.stats;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A one-node KRaft broker inside the bench JVM ({@code --embedded}), from Kafka's own test kit. The
 * same recipe as the schemas test fixture {@code KafkaTestCluster}, repeated here because that one
 * lives in a test-jar, which is not on the bench's runtime class path.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit kit;

    private EmbeddedKafka(KafkaClusterTestKit kit) {
        this.kit = kit;
    }

    /** @param dir parent folder for the broker's data */
    public static EmbeddedKafka start(Path dir) throws Exception {
        Map<String, Short> features = new HashMap<>();
        for (Feature f : Feature.PRODUCTION_FEATURES) {
            if (!f.featureName().equals("kraft.version")) {
                features.put(f.featureName(), f.latestProduction());
            }
        }
        BootstrapMetadata bootstrap = BootstrapMetadata.fromVersions(MetadataVersion.latestProduction(), features, "bench");
        Files.createDirectories(dir);
        TestKitNodes nodes = new TestKitNodes.Builder(bootstrap)
            .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
            .setBaseDirectory(Files.createTempDirectory(dir, "kafka-")).build();
        KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(nodes)
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("auto.create.topics.enable", "false")
            .build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return new EmbeddedKafka(kit);
    }

    public String bootstrapServers() {
        return kit.bootstrapServers();
    }

    @Override
    public void close() throws Exception {
        kit.close();
    }
}
