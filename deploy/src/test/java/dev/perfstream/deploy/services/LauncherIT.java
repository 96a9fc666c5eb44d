package dev.perfstream.deploy.services;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.Topics;
import dev.perfstream.testkit.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the real launcher script ({@code deploy/perfstream services ...}) against the classes of
 * this build: a real Kafka broker JVM, a real influxd and the real schema registry (Apicurio on
 * Java 21+) on free ports, data in a temporary folder.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class LauncherIT {
    private static final Path LAUNCHER = Paths.get("perfstream").toAbsolutePath(); // failsafe runs in deploy/

    private Path dir;
    private final Map<String, String> env = new HashMap<>();

    record Run(int code, String out, String err) {
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "services-");
        env.put("PERFSTREAM_CLASSPATH", System.getProperty("java.class.path"));
        env.put("PERFSTREAM_SERVICES_DIR", dir.toString());
        env.put("PERFSTREAM_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + Ports.free());
        env.put("PERFSTREAM_KAFKA_CONTROLLER_PORT", String.valueOf(Ports.free()));
        env.put("PERFSTREAM_KAFKA_HEAP", "512m");
        env.put("PERFSTREAM_KAFKA_TOPIC_PARTITIONS", "2");
        env.put("PERFSTREAM_INFLUX_URL", "http://127.0.0.1:" + Ports.free());
        env.put("PERFSTREAM_INFLUX_RPC_PORT", String.valueOf(Ports.free()));
        env.put("PERFSTREAM_SCHEMA_REGISTRY_URL", "http://127.0.0.1:" + Ports.free() + "/apis/ccompat/v7");
        env.put("PERFSTREAM_REGISTRY_MANAGEMENT_PORT", String.valueOf(Ports.free()));
        env.put("PERFSTREAM_ALERTMANAGER_URL", "http://127.0.0.1:" + Ports.free());
    }

    @AfterEach
    void stopEverything() throws Exception {
        run("services", "stop"); // whatever happened, leave nothing running
        // The unpacked registry (~160 MB) is not worth keeping in target/ after the test.
        Path app = dir.resolve("registry/apicurio-registry-3.3.3");
        if (Files.isDirectory(app)) {
            try (var files = Files.walk(app)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void shouldStartAnswerAndStopKafkaInfluxAndTheRegistryThroughTheLauncher() throws Exception {
        Run start = run("services", "start");
        assertThat(start.code()).as(start.err()).isZero();
        String registry = env.get("PERFSTREAM_SCHEMA_REGISTRY_URL");
        assertThat(start.out()).contains("kafka     ready on " + env.get("PERFSTREAM_KAFKA_BOOTSTRAP_SERVERS"),
            "influxdb  ready on " + env.get("PERFSTREAM_INFLUX_URL"), "registry  ready on " + registry,
            "registry  unpacking", "alertmanager ready on " + env.get("PERFSTREAM_ALERTMANAGER_URL"), "services ready in");
        // The registry serves the Confluent API: a schema registers and comes back by id.
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> reg = client.send(HttpRequest.newBuilder(URI.create(registry + "/subjects/launcher-it-value/versions"))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"schema\": \"{\\\"type\\\": \\\"string\\\"}\"}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(reg.statusCode()).as(reg.body()).isEqualTo(200);
        String id = reg.body().replaceAll("[^0-9]", "");
        assertThat(client.send(HttpRequest.newBuilder(URI.create(registry + "/schemas/ids/" + id)).build(),
            HttpResponse.BodyHandlers.ofString()).body()).contains("string");
        // Its management interface is on loopback (Quarkus binds 0.0.0.0 unless told).
        assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + env.get("PERFSTREAM_REGISTRY_MANAGEMENT_PORT")
            + "/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);

        // Kafka answers metadata and has every perfstream topic with the configured partitions.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                env.get("PERFSTREAM_KAFKA_BOOTSTRAP_SERVERS")))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
            Map<String, TopicDescription> topics = admin.describeTopics(Topics.ALL).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(Topics.ALL);
            assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions()).hasSize(2));
        }
        // InfluxDB answers /ping with 204 and has the perfstream database.
        HttpClient http = HttpClient.newHttpClient();
        String influx = env.get("PERFSTREAM_INFLUX_URL");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(influx + "/ping")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(204);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(influx + "/query?q=SHOW%20DATABASES")).build(),
            HttpResponse.BodyHandlers.ofString()).body()).contains("\"perfstream\"");
        // Alertmanager (Debian's prometheus-alertmanager) takes alerts on its v2 API.
        String am = env.get("PERFSTREAM_ALERTMANAGER_URL");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(am + "/api/v2/status")).build(),
            HttpResponse.BodyHandlers.ofString()).body()).contains("\"cluster\"");
        // The broker logs through its SLF4J binding into the services folder.
        assertThat(Files.readString(dir.resolve("logs/kafka.log"), StandardCharsets.UTF_8)).contains("Kafka Server started");

        Run status = run("services", "status");
        assertThat(status.code()).isZero();
        assertThat(status.out()).contains("kafka     running (pid", "influxdb  running (pid", "registry  running (pid",
            "alertmanager running (pid");
        List<Long> pids = List.of(pid("kafka"), pid("influxdb"), pid("registry"));

        // A second start reuses the running services instead of failing on their ports.
        Run again = run("services", "start");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("kafka     already running", "influxdb  already running", "registry  already running");

        Run stop = run("services", "stop");
        assertThat(stop.code()).isZero();
        assertThat(stop.out()).contains("kafka     stopped (pid " + pids.get(0), "influxdb  stopped (pid " + pids.get(1),
            "registry  stopped (pid " + pids.get(2));
        assertThat(pids).allSatisfy(p -> assertThat(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)).isFalse());

        Run stopAgain = run("services", "stop");
        assertThat(stopAgain.code()).isZero();
        assertThat(stopAgain.out()).contains("kafka     not running", "influxdb  not running", "registry  not running");
        assertThat(run("services", "status").code()).isEqualTo(3);

        // A restart on the same folder reuses the formatted log directory and keeps the topics; the registry
        // reuses its unpacked app and keeps its schemas (ids in topics stay resolvable).
        Run restart = run("services", "start");
        assertThat(restart.code()).as(restart.err()).isZero();
        assertThat(restart.out()).doesNotContain("registry  unpacking");
        assertThat(client.send(HttpRequest.newBuilder(URI.create(registry + "/schemas/ids/" + id)).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                env.get("PERFSTREAM_KAFKA_BOOTSTRAP_SERVERS")))) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).containsAll(Topics.ALL);
        }
        assertThat(run("services", "stop").code()).isZero();
    }

    @Test
    void shouldNameTheBusyPortAndItsSettingAndStartNothing() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            env.put("PERFSTREAM_INFLUX_URL", "http://127.0.0.1:" + busy.getLocalPort());
            Run start = run("services", "start");
            assertThat(start.code()).isEqualTo(1);
            assertThat(start.err()).contains("port " + busy.getLocalPort() + " on 127.0.0.1 is already in use",
                "InfluxDB", "'influx.url'", "PERFSTREAM_INFLUX_URL");
            // The check runs before anything starts: no broker was launched for nothing.
            assertThat(start.out()).doesNotContain("starting");
            assertThat(run("services", "status").out()).contains("kafka     stopped", "influxdb  stopped");
        }
    }

    @Test
    void shouldNameTheRegistrysBusyPortAndItsSetting() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            env.put("PERFSTREAM_SCHEMA_REGISTRY_URL", "http://127.0.0.1:" + busy.getLocalPort() + "/apis/ccompat/v7");
            Run start = run("services", "start");
            assertThat(start.code()).isEqualTo(1);
            assertThat(start.err()).contains("port " + busy.getLocalPort() + " on 127.0.0.1 is already in use",
                "schema registry", "'schema.registry.url'", "PERFSTREAM_SCHEMA_REGISTRY_URL");
            assertThat(start.out()).doesNotContain("starting");
        }
    }

    private long pid(String service) throws IOException {
        return Long.parseLong(Files.readString(dir.resolve("run/" + service + ".pid")).trim());
    }

    private Run run(String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder();
        pb.command().add("bash");
        pb.command().add(LAUNCHER.toString());
        pb.command().addAll(List.of(args));
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(4, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("launcher " + String.join(" ", args) + " did not finish");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
