package dev.perfstream.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.config.ConfigCatalog;
import dev.perfstream.schemas.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientsTest {
    @Test
    void shouldLayerTuningThenFileThenClientThenRoleSettingsWithPerfstreamsBrokersLast(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nlinger.ms=7\n");
        KafkaClients clients = KafkaClients.from(Settings.of(Map.of("kafka.bootstrap.servers", "b:9093",
            "kafka.client.config", file.toString(), "kafka.client.sasl.mechanism", "PLAIN",
            "kafka.producer.linger.ms", "9", "kafka.consumer.max.poll.records", "50")));
        Properties producer = clients.producer(Map.of("linger.ms", "0", "acks", "all"));
        assertThat(producer).containsEntry("bootstrap.servers", "b:9093").containsEntry("security.protocol", "SASL_SSL")
            .containsEntry("sasl.mechanism", "PLAIN").containsEntry("linger.ms", "9").containsEntry("acks", "all")
            .doesNotContainKey("max.poll.records");
        Properties consumer = clients.consumer(Map.of());
        assertThat(consumer).containsEntry("security.protocol", "SASL_SSL").containsEntry("max.poll.records", "50")
            .doesNotContainKey("linger.ms"); // kafka.client.* gives each role only the settings it knows
        assertThat(clients.admin(Map.of())).containsEntry("sasl.mechanism", "PLAIN").containsEntry("bootstrap.servers", "b:9093");
    }

    @Test
    void shouldNameWhereEachSettingCameFromForTheMessagesButNeverItsValue(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.jaas.config=x required password=\"p\";\n");
        KafkaClients clients = KafkaClients.from(Settings.of(Map.of("kafka.client.config", file.toString(),
            "kafka.client.sasl.mechanism", "SCRAM-SHA-512", "kafka.admin.ssl.truststore.location", "/ts.p12")));
        assertThat(clients.origin(KafkaClients.Role.ADMIN, "sasl.jaas.config"))
            .isEqualTo("sasl.jaas.config in kafka.client.config=" + file);
        assertThat(clients.origin(KafkaClients.Role.PRODUCER, "sasl.mechanism")).isEqualTo("kafka.client.sasl.mechanism");
        assertThat(clients.origin(KafkaClients.Role.ADMIN, "ssl.truststore.location")).isEqualTo("kafka.admin.ssl.truststore.location");
        assertThat(clients.origin(KafkaClients.Role.PRODUCER, "ssl.truststore.location")).isNull();
    }

    @Test
    void shouldRejectAnUnknownClientSettingWithTheNearestKafkaSettingAsSuggestion() {
        assertThat(KafkaClients.clientProblem("security.protocl", "SSL"))
            .isEqualTo("not a Kafka client setting (did you mean kafka.client.security.protocol?)");
        assertThat(KafkaClients.roleProblem(KafkaClients.Role.PRODUCER, "max.poll.records", "5"))
            .startsWith("not a Kafka producer setting");
    }

    @Test
    void shouldRejectValuesKafkaRejectsAndSettingsPerfstreamFixesAllAtOnce() {
        assertThatThrownBy(() -> KafkaClients.from(Settings.of(Map.of("kafka.producer.linger.ms", "soon",
            "kafka.client.security.protocol", "CARRIER_PIGEON", "kafka.client.bootstrap.servers", "x:1",
            "kafka.consumer.enable.auto.commit", "true"))))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("kafka.producer.linger.ms: ")
            .hasMessageContaining("kafka.client.security.protocol: ")
            .hasMessageContaining("kafka.client.bootstrap.servers: set by perfstream: use kafka.bootstrap.servers")
            .hasMessageContaining("kafka.consumer.enable.auto.commit: set by perfstream");
    }

    @Test
    void shouldNotEchoAPasswordThatKafkaRejects() {
        assertThat(KafkaClients.clientProblem("ssl.truststore.password", "hunter2")).isNull(); // any string is a password
        assertThat(KafkaClients.clientProblem("sasl.login.refresh.window.factor", "x")).doesNotContain("hunter2");
        assertThat(ConfigCatalog.looksSecret("sasl.jaas.config")).isTrue();
        assertThat(ConfigCatalog.looksSecret("sasl.oauthbearer.client.credentials.client.secret")).isTrue();
    }

    @Test
    void shouldNameTheMissingClientConfigFile() {
        assertThatThrownBy(() -> KafkaClients.from(Settings.of(Map.of("kafka.client.config", "/nonexistent/client.properties"))))
            .hasMessageContaining("kafka.client.config: /nonexistent/client.properties does not exist or is not readable");
    }

    @Test
    void shouldCheckEverySettingOfTheClientConfigFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechansim=PLAIN\n");
        assertThat(KafkaClients.fileProblem(file.toString()))
            .contains("sasl.mechansim (in " + file + "): not a Kafka client setting (did you mean kafka.client.sasl.mechanism?)");
    }
}
