package dev.perfstream.testkit;

import static dev.perfstream.testkit.KafkaTestCluster.SUPER_USER;

import dev.perfstream.testkit.KafkaTestCluster.Security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.metadata.UserScramCredentialRecord;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.ApiMessageAndVersion;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * Builds and starts the brokers {@link KafkaTestCluster} wraps: a plain cluster of one or more brokers, or one broker
 * whose only client listener is secured (SASL_SSL with SCRAM, or mTLS) with the StandardAuthorizer. The settings every
 * cluster shares (fast group joins, no time-based retention, production feature levels) are here once.
 */
final class BrokerKits {
    private static final String LISTENER = "SECURE";
    static final int SCRAM_ITERATIONS = 4096;

    private BrokerKits() {
    }

    /** @param brokers number of brokers (one controller) */
    static KafkaClusterTestKit plain(int brokers) throws Exception {
        BootstrapMetadata bootstrap = bootstrap(List.of());
        Path base = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "kafka-");
        TestKitNodes nodes = new TestKitNodes.Builder(bootstrap)
            .setCombined(brokers == 1)
            .setNumBrokerNodes(brokers)
            .setNumControllerNodes(1)
            .setBaseDirectory(base)
            .build();
        KafkaClusterTestKit kit = configure(new KafkaClusterTestKit.Builder(nodes), brokers).build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return kit;
    }

    /** One broker (combined with its controller) whose only client listener is secured; see {@link KafkaTestCluster}. */
    static KafkaClusterTestKit secured(Security security, TestPki pki, String adminPassword) throws Exception {
        Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
        List<ApiMessageAndVersion> users = new ArrayList<>();
        if (security == Security.SASL_SSL) {
            ScramCredential c = new ScramFormatter(org.apache.kafka.common.security.scram.internals.ScramMechanism.SCRAM_SHA_512)
                .generateCredential(adminPassword, SCRAM_ITERATIONS);
            users.add(new ApiMessageAndVersion(new UserScramCredentialRecord().setName(SUPER_USER)
                .setMechanism(ScramMechanism.SCRAM_SHA_512.type()).setSalt(c.salt()).setStoredKey(c.storedKey())
                .setServerKey(c.serverKey()).setIterations(c.iterations()), (short) 0));
        }
        Path base = Files.createTempDirectory(tmp, "kafka-");
        TestKitNodes nodes = new TestKitNodes.Builder(bootstrap(users))
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1)
            .setBaseDirectory(base)
            .setBrokerListenerName(new ListenerName(LISTENER))
            .build();
        KafkaClusterTestKit.Builder b = configure(new KafkaClusterTestKit.Builder(nodes), 1);
        // The test kit's nodes take PLAINTEXT or SASL_PLAINTEXT only; the protocol map it would derive from
        // them gives way to this one.
        SecurityProtocol client = security == Security.SASL_SSL ? SecurityProtocol.SASL_SSL : SecurityProtocol.SSL;
        b.setConfigProp("listener.security.protocol.map", LISTENER + ":" + client.name + ","
            + nodes.controllerListenerName().value() + ":SSL");
        Path brokerStore = pki.keystore("broker", "localhost");
        b.setConfigProp("ssl.keystore.type", "PKCS12")
            .setConfigProp("ssl.keystore.location", brokerStore.toString())
            .setConfigProp("ssl.keystore.password", pki.storePassword())
            .setConfigProp("ssl.key.password", pki.storePassword())
            .setConfigProp("ssl.truststore.type", "PKCS12")
            .setConfigProp("ssl.truststore.location", pki.truststore().toString())
            .setConfigProp("ssl.truststore.password", pki.storePassword())
            .setConfigProp("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT")
            .setConfigProp("listener.name.controller.ssl.client.auth", "required")
            .setConfigProp("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
            .setConfigProp("allow.everyone.if.no.acl.found", "false")
            .setConfigProp("super.users", "User:" + SUPER_USER + ";User:broker");
        if (security == Security.SASL_SSL) {
            b.setConfigProp("sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .setConfigProp("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512")
                .setConfigProp("sasl.mechanism.controller.protocol", "SCRAM-SHA-512")
                .setConfigProp("listener.name." + LISTENER.toLowerCase(java.util.Locale.ROOT) + ".scram-sha-512.sasl.jaas.config",
                    KafkaTestCluster.scramJaas(SUPER_USER, adminPassword));
        } else {
            b.setConfigProp("ssl.client.auth", "required");
        }
        KafkaClusterTestKit kit = b.build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return kit;
    }

    private static BootstrapMetadata bootstrap(List<ApiMessageAndVersion> more) {
        // Production feature levels, or the group (streams protocol) and transaction features are missing.
        Map<String, Short> features = new HashMap<>();
        for (Feature f : Feature.PRODUCTION_FEATURES) {
            if (!f.featureName().equals("kraft.version")) {
                features.put(f.featureName(), f.latestProduction());
            }
        }
        BootstrapMetadata b = BootstrapMetadata.fromVersions(MetadataVersion.latestProduction(), features, "perfstream test kit");
        if (more.isEmpty()) {
            return b;
        }
        List<ApiMessageAndVersion> records = new ArrayList<>(b.records());
        records.addAll(more);
        return BootstrapMetadata.fromRecords(records, "perfstream test kit");
    }

    private static KafkaClusterTestKit.Builder configure(KafkaClusterTestKit.Builder b, int brokers) {
        return b
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("offsets.topic.replication.factor", String.valueOf(Math.min(brokers, 3)))
            .setConfigProp("transaction.state.log.replication.factor", String.valueOf(Math.min(brokers, 3)))
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("num.partitions", "1")
            .setConfigProp("auto.create.topics.enable", "false")
            // A transaction past its timeout is aborted within 1 s of it rather than within 10 s (the default check
            // interval), so outage tests need to outlast Streams' 10 s transaction timeout by little more than that.
            .setConfigProp("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
            // No time-based deletion: tests write records stamped with fixed event times (StatsFixtures.T0), which
            // age past the default 7 days; each such record then rolls its own segment, and the next retention check
            // (every 5 minutes) deleted them under a running test (AlertsIT lost its input or its alerts at random).
            .setConfigProp("log.retention.ms", "-1")
            .setConfigProp("group.streams.heartbeat.interval.ms", "500")
            .setConfigProp("group.streams.min.heartbeat.interval.ms", "500")
            .setConfigProp("group.consumer.heartbeat.interval.ms", "500")
            .setConfigProp("group.consumer.min.heartbeat.interval.ms", "500");
    }
}
