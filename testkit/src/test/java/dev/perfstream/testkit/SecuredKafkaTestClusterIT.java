package dev.perfstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The secured modes of the test cluster do what they say: a principal with ACLs produces and consumes;
 * one without is refused by the authorizer; a wrong password, a client that does not trust the
 * broker's CA, and a client speaking plaintext to the secured listener never get in.
 */
@Timeout(120)
class SecuredKafkaTestClusterIT {
    @ParameterizedTest
    @EnumSource(value = KafkaTestCluster.Security.class, names = {"SASL_SSL", "MTLS"})
    void shouldLetInOnlyWhatTheAclsAllow(KafkaTestCluster.Security security) throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.startSecured(security)) {
            kafka.createTopics(1, "in", "other");
            kafka.allowTopic("app", "in", AclOperation.WRITE, AclOperation.READ);
            kafka.allow("app", ResourceType.GROUP, "app-", PatternType.PREFIXED, AclOperation.READ);

            try (KafkaProducer<String, String> p = producer(kafka, kafka.client("app"))) {
                p.send(new ProducerRecord<>("in", "k", "v")).get(30, TimeUnit.SECONDS);
                assertThatThrownBy(() -> p.send(new ProducerRecord<>("other", "k", "v")).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            }
            Map<String, Object> cc = new HashMap<>(kafka.client("app"));
            cc.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            cc.put(ConsumerConfig.GROUP_ID_CONFIG, "app-group");
            cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cc, new StringDeserializer(), new StringDeserializer())) {
                c.subscribe(List.of("in"));
                String v = Poll.until(Duration.ofSeconds(30), "the record", () -> {
                    ConsumerRecords<String, String> rs = c.poll(Duration.ofMillis(200));
                    return rs.isEmpty() ? null : rs.iterator().next().value();
                });
                assertThat(v).isEqualTo("v");
            }

            // a principal the broker knows but that has no ACL
            try (KafkaProducer<String, String> p = producer(kafka, kafka.client("nobody"))) {
                assertThatThrownBy(() -> p.send(new ProducerRecord<>("in", "k", "v")).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
            }
            // a client that does not trust the broker's CA
            TestPki other = TestPki.create(java.nio.file.Files.createTempDirectory(
                java.nio.file.Path.of(System.getProperty("java.io.tmpdir")), "other-ca-"), "someone-else");
            Map<String, String> untrusting = new HashMap<>(kafka.client("app"));
            untrusting.put("ssl.truststore.location", other.truststore().toString());
            untrusting.put("ssl.truststore.password", other.storePassword());
            assertThatThrownBy(() -> describe(kafka, untrusting)).hasCauseInstanceOf(SslAuthenticationException.class);
            if (security == KafkaTestCluster.Security.SASL_SSL) {
                Map<String, String> wrong = new HashMap<>(kafka.client("app"));
                wrong.put("sasl.jaas.config", KafkaTestCluster.scramJaas("app", "not-the-password"));
                assertThatThrownBy(() -> describe(kafka, wrong)).hasCauseInstanceOf(SaslAuthenticationException.class);
            } else {
                Map<String, String> noCertificate = new HashMap<>(kafka.client("app"));
                noCertificate.keySet().removeIf(k -> k.startsWith("ssl.keystore") || k.equals("ssl.key.password"));
                assertThatThrownBy(() -> describe(kafka, noCertificate)).isInstanceOf(ExecutionException.class);
            }
        }
    }

    @Test
    void shouldRefuseAPlaintextClientOnTheSecuredListener() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.startSecured(KafkaTestCluster.Security.SASL_SSL)) {
            assertThatThrownBy(() -> describe(kafka, Map.of())).isInstanceOf(Exception.class);
        }
    }

    private static void describe(KafkaTestCluster kafka, Map<String, String> client) throws Exception {
        Map<String, Object> p = new HashMap<>(client);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        try (Admin a = Admin.create(p)) {
            a.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<String, String> producer(KafkaTestCluster kafka, Map<String, String> client) {
        Map<String, Object> pc = new HashMap<>(client);
        pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        pc.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        pc.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        pc.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        return new KafkaProducer<>(pc, new StringSerializer(), new StringSerializer());
    }
}
