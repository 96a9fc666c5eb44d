package dev.perfstream.schemas.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real KRaft Kafka cluster inside the test JVM (Kafka's own test kit), started in about 2 s.
 * Use with try-with-resources or close it in {@code @AfterAll}; data lives under
 * {@code java.io.tmpdir} (which the build points under {@code target/}).
 */
public final class KafkaTestCluster implements AutoCloseable {
    private final KafkaClusterTestKit kit;

    private KafkaTestCluster(KafkaClusterTestKit kit) {
        this.kit = kit;
    }

    /** One combined broker and controller. */
    public static KafkaTestCluster start() throws Exception {
        return start(1);
    }

    /** @param brokers number of brokers (one controller) */
    public static KafkaTestCluster start(int brokers) throws Exception {
        // Production feature levels, or the group (streams protocol) and transaction features are missing.
        Map<String, Short> features = new HashMap<>();
        for (Feature f : Feature.PRODUCTION_FEATURES) {
            if (!f.featureName().equals("kraft.version")) {
                features.put(f.featureName(), f.latestProduction());
            }
        }
        BootstrapMetadata bootstrap = BootstrapMetadata.fromVersions(
            MetadataVersion.latestProduction(), features, "perfstream test kit");
        Path base = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "kafka-");
        TestKitNodes nodes = new TestKitNodes.Builder(bootstrap)
            .setCombined(brokers == 1)
            .setNumBrokerNodes(brokers)
            .setNumControllerNodes(1)
            .setBaseDirectory(base)
            .build();
        KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(nodes)
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("offsets.topic.replication.factor", String.valueOf(Math.min(brokers, 3)))
            .setConfigProp("transaction.state.log.replication.factor", String.valueOf(Math.min(brokers, 3)))
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("num.partitions", "1")
            .setConfigProp("auto.create.topics.enable", "false")
            .setConfigProp("group.streams.heartbeat.interval.ms", "500")
            .setConfigProp("group.streams.min.heartbeat.interval.ms", "500")
            .setConfigProp("group.consumer.heartbeat.interval.ms", "500")
            .setConfigProp("group.consumer.min.heartbeat.interval.ms", "500")
            .build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return new KafkaTestCluster(kit);
    }

    public String bootstrapServers() {
        return kit.bootstrapServers();
    }

    /** The underlying test kit, for tests that stop or restart brokers. */
    public KafkaClusterTestKit kit() {
        return kit;
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(p);
    }

    /** Creates topics with the given partition count and the cluster's replication (max 3). */
    public void createTopics(int partitions, String... names) throws Exception {
        short rf = (short) Math.min(kit.brokers().size(), 3);
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) {
            topics.add(new NewTopic(n, partitions, rf));
        }
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
            // A producer that writes before every partition has its leader gets NOT_LEADER errors, and an idempotent
            // one then retried a batch forever (OutOfOrderSequenceException): wait for the leaders here.
            Poll.until(java.time.Duration.ofSeconds(30), "a leader for every partition of " + List.of(names), () -> {
                try {
                    return admin.describeTopics(List.of(names)).allTopicNames().get().values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(pi -> pi.leader() != null && !pi.leader().isEmpty()) ? Boolean.TRUE : null;
                } catch (java.util.concurrent.ExecutionException e) {
                    return null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    @Override
    public void close() throws Exception {
        kit.close();
    }
}
