package dev.perfstream.deploy.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.config.Settings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServicesConfigTest {
    private static final Path HOME = Path.of("/srv/perfstream");

    @Test
    void shouldUseLoopbackDefaultsUnderTheProjectFolder() {
        ServicesConfig c = ServicesConfig.from(Settings.of(Map.of()), HOME);
        assertThat(c.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(c.controllerPort()).isEqualTo(9093);
        assertThat(c.influxUrl()).isEqualTo("http://127.0.0.1:8086");
        assertThat(c.influxRpcPort()).isEqualTo(18088);
        assertThat(c.influxDatabase()).isEqualTo("perfstream");
        assertThat(c.dir()).isEqualTo(HOME.resolve(".perfstream"));
        List<String> all = new java.util.ArrayList<>(Topics.ALL);
        all.addAll(List.of("otlp_spans", "otlp_metrics"));
        assertThat(c.topics()).containsExactlyElementsOf(all);
    }

    @Test
    void shouldReadPortsAndTopicNamesFromTheCommonKeys() {
        ServicesConfig c = ServicesConfig.from(Settings.of(Map.of(
            "kafka.bootstrap.servers", "localhost:19092,localhost:19094",
            "influx.url", "http://127.0.0.1:18086",
            "topic.stats", "my.stats",
            "services.dir", "/data/ps")), HOME);
        assertThat(c.kafkaHost()).isEqualTo("localhost");
        assertThat(c.kafkaPort()).isEqualTo(19092);
        assertThat(c.influxPort()).isEqualTo(18086);
        assertThat(c.topics()).contains("my.stats").doesNotContain(Topics.STATS);
        assertThat(c.dir()).isEqualTo(Path.of("/data/ps"));
    }

    @Test
    void shouldReportEveryBadKeyAtOnce() {
        assertThatThrownBy(() -> ServicesConfig.from(Settings.of(Map.of(
            "kafka.bootstrap.servers", "127.0.0.1:notaport",
            "influx.url", "ftp://127.0.0.1:8086",
            "kafka.heap", "lots",
            "kafka.topic.partitions", "0")), HOME))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("kafka.bootstrap.servers: port \"notaport\"")
            .hasMessageContaining("influx.url: \"ftp://127.0.0.1:8086\" is not an http://host:port URL")
            .hasMessageContaining("kafka.heap")
            .hasMessageContaining("kafka.topic.partitions");
    }

    @Test
    void shouldRunTheRegistryOnLoopback8081ByDefaultWithItsManagementPortOnLoopbackToo() {
        ServicesConfig c = ServicesConfig.from(Settings.of(Map.of()), HOME);
        assertThat(c.registry().enabled()).isTrue();
        assertThat(c.registry().url()).isEqualTo("http://127.0.0.1:8081/apis/ccompat/v7");
        List<String> cmd = new RegistryService(c, System.out).command("/jdk25/bin/java");
        assertThat(cmd).contains("-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=8081",
            "-Dquarkus.management.host=127.0.0.1", "-Dquarkus.management.port=8091",
            "-Dapicurio.datasource.url=jdbc:h2:file:" + HOME.resolve(".perfstream/registry/db/registry"));
        assertThat(cmd.get(0)).isEqualTo("/jdk25/bin/java");
        assertThat(cmd.get(cmd.size() - 1)).isEqualTo(HOME.resolve(".perfstream/registry/apicurio-registry-3.3.3/quarkus-run.jar").toString());
    }

    @Test
    void shouldTakeTheRegistryPortFromSchemaRegistryUrlAndRefuseWhatTheLocalRegistryCannotServe() {
        ServicesConfig c = ServicesConfig.from(Settings.of(Map.of("schema.registry.url", "http://localhost:18081/apis/ccompat/v7/")), HOME);
        assertThat(c.registry().port()).isEqualTo(18081);
        assertThat(c.registry().host()).isEqualTo("localhost");
        assertThatThrownBy(() -> ServicesConfig.from(Settings.of(Map.of("schema.registry.url", "http://10.0.0.5:8081/apis/ccompat/v7",
            "registry.management.port", "8081")), HOME))
            .hasMessageContaining("schema.registry.url: host 10.0.0.5 is not a loopback address")
            .hasMessageContaining("services.registry.enabled=false")
            .hasMessageContaining("registry.management.port: 8081 is the registry's HTTP port too");
        assertThatThrownBy(() -> ServicesConfig.from(Settings.of(Map.of("schema.registry.url", "http://127.0.0.1:8081")), HOME))
            .hasMessageContaining("serves the Confluent API under /apis/ccompat/v7");
        // A registry of your own: the local one is off, and its URL is not checked.
        ServicesConfig own = ServicesConfig.from(Settings.of(Map.of("schema.registry.url", "https://registry.example.com",
            "services.registry.enabled", "false")), HOME);
        assertThat(own.registry().enabled()).isFalse();
        assertThat(LocalServices.standard(own, "cp", System.out).services()).extracting(LocalService::name)
            .containsExactly("kafka", "influxdb");
        assertThat(LocalServices.standard(c, "cp", System.out).services()).extracting(LocalService::name)
            .containsExactly("kafka", "influxdb", "registry");
    }

    @Test
    void shouldRefuseToListenBeyondLoopback() {
        assertThatThrownBy(() -> ServicesConfig.from(Settings.of(Map.of("kafka.bootstrap.servers", "10.1.2.3:9092")), HOME))
            .hasMessageContaining("kafka.bootstrap.servers: host 10.1.2.3 is not a loopback address");
    }

    @Test
    void shouldWriteASingleNodeKraftConfigOnLoopback() {
        ServicesConfig c = ServicesConfig.from(Settings.of(Map.of("kafka.bootstrap.servers", "127.0.0.1:19092",
            "kafka.controller.port", "19093")), HOME);
        String p = new KafkaService(c, "cp").serverProperties();
        assertThat(p).contains("process.roles=broker,controller", "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:19093",
            "listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093",
            "log.dirs=" + HOME.resolve(".perfstream/kafka/data"),
            "group.initial.rebalance.delay.ms=0", "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1");
    }

    @Test
    void shouldWriteAnInfluxConfigOnLoopbackWithReportingDisabled() {
        ServicesConfig c = ServicesConfig.from(Settings.of(Map.of()), HOME);
        String conf = new InfluxService(c).config();
        assertThat(conf).contains("reporting-disabled = true", "bind-address = \"127.0.0.1:18088\"",
            "bind-address = \"127.0.0.1:8086\"", "dir = \"" + HOME.resolve(".perfstream/influxdb/data") + "\"");
        assertThat(conf).doesNotContain("0.0.0.0");
    }

    @Test
    void shouldNameThePortAndTheSettingWhenAPortIsTaken() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            assertThatThrownBy(() -> PortGuard.requireFree("the Kafka broker", "127.0.0.1", port, "kafka.bootstrap.servers"))
                .isInstanceOf(PortInUseException.class)
                .hasMessageContaining("port " + port + " on 127.0.0.1 is already in use")
                .hasMessageContaining("'kafka.bootstrap.servers'")
                .hasMessageContaining("PERFSTREAM_KAFKA_BOOTSTRAP_SERVERS");
        }
    }

    @Test
    void shouldAcceptAFreePort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        PortGuard.requireFree("InfluxDB", "127.0.0.1", port, "influx.url"); // throws if taken
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).as("the check released the port again").isEqualTo(port);
        }
    }
}
