package dev.perfstream.deploy.services;

import dev.perfstream.ingest.source.OtlpSourceConfig;
import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.registry.RegistryConfig;
import dev.perfstream.sink.influx.SinkConfig;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how the local services run: a Kafka broker and an InfluxDB server on loopback, with
 * their data, logs and PID files under one project-local folder ({@code services.dir}).
 *
 * <p>Addresses come from the same keys the applications use ({@code kafka.bootstrap.servers},
 * {@code influx.url}), so a changed port applies to the services and to every stage at once.
 *
 * @param dir             services folder (data, logs, PID files), absolute
 * @param kafkaHost       loopback host the broker listens on
 * @param kafkaPort       client listener port
 * @param controllerPort  KRaft controller listener port
 * @param kafkaHeap       broker heap, a JVM size like {@code 1g}
 * @param partitions      partitions of each topic the services create
 * @param topics          topic names to create
 * @param influxHost      loopback host InfluxDB listens on
 * @param influxPort      InfluxDB HTTP port
 * @param influxRpcPort   InfluxDB backup/restore RPC port (bound too, so it must be free); not influxd's usual
 *                        8088, which is the collector's default port
 * @param influxDatabase  database to create
 * @param influxd         path to the influxd binary
 * @param startTimeout    deadline for each service to become ready
 * @param stopTimeout     grace period after SIGTERM before SIGKILL
 * @param registry        the local schema registry (Apicurio), or disabled
 */
public record ServicesConfig(Path dir, String kafkaHost, int kafkaPort, int controllerPort, String kafkaHeap,
                             int partitions, List<String> topics, String influxHost, int influxPort, int influxRpcPort,
                             String influxDatabase, Path influxd, Duration startTimeout, Duration stopTimeout,
                             Registry registry) {

    /**
     * The local schema registry: Apicurio Registry serving the Confluent-compatible API.
     *
     * @param enabled        {@code services.registry.enabled}; false = no local registry (the stages then use
     *                       JSON, or the {@code schema.registry.url} of a registry you run yourself)
     * @param host           loopback host of the HTTP API, from {@code schema.registry.url}
     * @param port           its port (8081 by default)
     * @param path           the Confluent API path, {@code /apis/ccompat/v7}
     * @param managementPort Quarkus' management (health, metrics) port, also bound to loopback
     * @param heap           registry JVM heap, e.g. {@code 256m}
     * @param java           a {@code java} binary of version 21+, or null to search for one
     */
    public record Registry(boolean enabled, String host, int port, String path, int managementPort, String heap,
                           String java) {
        public String url() {
            return "http://" + host + ":" + port + path;
        }
    }

    public static final ConfigKey<String> DIR = ConfigKey.string("services.dir", ".perfstream")
        .doc("Data, logs (logs/) and PID files (run/) of the local services; relative to the project folder");
    public static final ConfigKey<Integer> CONTROLLER_PORT = ConfigKey.integer("kafka.controller.port", 9093, 1, 65535)
        .doc("Controller listener of the local single-node KRaft broker");
    public static final ConfigKey<String> HEAP = ConfigKey.string("kafka.heap", "1g")
        .check(h -> h.toLowerCase(Locale.ROOT).matches("[0-9]+[kmg]"), "is not a JVM size like 512m or 1g")
        .doc("Heap of the local broker JVM");
    public static final ConfigKey<Integer> PARTITIONS = ConfigKey.integer("kafka.topic.partitions", 6, 1, 1000)
        .doc("Partitions of each topic the local services create (the most instances of one stage that can share work)");
    public static final ConfigKey<Integer> INFLUX_RPC_PORT = ConfigKey.integer("influx.rpc.port", 18088, 1, 65535)
        .doc("Backup/restore RPC port of the local influxd (bound on loopback, so it must be free too; not influxd's usual "
            + "8088, which is the collector's port)");
    public static final ConfigKey<String> INFLUXD = ConfigKey.string("influxd.path", "/usr/bin/influxd")
        .doc("influxd binary of Debian's influxdb package");
    public static final ConfigKey<Duration> START_TIMEOUT = ConfigKey.duration("services.start.timeout",
        Duration.ofSeconds(90)).doc("How long each local service may take to become ready");
    public static final ConfigKey<Duration> STOP_TIMEOUT = ConfigKey.duration("services.stop.timeout",
        Duration.ofSeconds(30)).doc("How long a local service may take to stop after SIGTERM before SIGKILL");
    public static final ConfigKey<Boolean> REGISTRY_ENABLED = ConfigKey.bool("services.registry.enabled", true)
        .doc("The local schema registry (Apicurio Registry 3.3.3 on Java 21+, loopback; its port comes from "
            + "schema.registry.url, default http://127.0.0.1:8081/apis/ccompat/v7). false: no local registry; the demo "
            + "then runs on JSON (or set schema.registry.url to your own registry)");
    public static final ConfigKey<Integer> REGISTRY_MANAGEMENT_PORT =
        ConfigKey.integer("registry.management.port", 8091, 1, 65535).doc("Local registry's health/metrics listener (loopback)");
    public static final ConfigKey<String> REGISTRY_HEAP = ConfigKey.string("registry.heap", "256m")
        .doc("Heap of the local registry JVM");
    public static final ConfigKey<String> REGISTRY_JAVA = ConfigKey.string("registry.java", null)
        .defaultText("the newest JDK 21+ under /usr/lib/jvm, or JAVA_HOME").doc("A java binary of version 21+ for the registry");

    public static final String KEY_DIR = DIR.name();
    public static final String KEY_BOOTSTRAP = KafkaClients.BOOTSTRAP_SERVERS.name();
    public static final String KEY_CONTROLLER_PORT = CONTROLLER_PORT.name();
    public static final String KEY_HEAP = HEAP.name();
    public static final String KEY_PARTITIONS = PARTITIONS.name();
    public static final String KEY_INFLUX_URL = SinkConfig.INFLUX_URL.name();
    public static final String KEY_INFLUX_RPC_PORT = INFLUX_RPC_PORT.name();
    public static final String KEY_INFLUX_DB = SinkConfig.INFLUX_DATABASE.name();
    public static final String KEY_INFLUXD = INFLUXD.name();
    public static final String KEY_START_TIMEOUT = START_TIMEOUT.name();
    public static final String KEY_STOP_TIMEOUT = STOP_TIMEOUT.name();
    public static final String KEY_REGISTRY_ENABLED = REGISTRY_ENABLED.name();
    public static final String KEY_REGISTRY_URL = RegistryConfig.URL;
    public static final String KEY_REGISTRY_MANAGEMENT_PORT = REGISTRY_MANAGEMENT_PORT.name();
    public static final String KEY_REGISTRY_HEAP = REGISTRY_HEAP.name();
    public static final String KEY_REGISTRY_JAVA = REGISTRY_JAVA.name();
    /** Where the local registry serves the Confluent API; the stages' {@code schema.registry.url} by default. */
    public static final String DEFAULT_REGISTRY_URL = "http://127.0.0.1:8081/apis/ccompat/v7";

    /** Topic name keys ({@code topic.metrics}, ...) and their defaults, as the stages read them. */
    public static Map<String, String> topicKeys() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String t : Topics.ALL) {
            m.put("topic." + t.substring(t.indexOf('.') + 1), t);
        }
        return m;
    }

    /**
     * @param home project root: a relative {@code services.dir} is resolved against it, so the
     *             launcher works from any working directory
     * @throws IllegalArgumentException naming every bad key
     */
    public static ServicesConfig from(Settings s, Path home) {
        Path dir = home.resolve(s.get(DIR)).toAbsolutePath().normalize();
        String bootstrap = s.get(KafkaClients.BOOTSTRAP_SERVERS).split(",")[0].trim();
        String kafkaHost = "127.0.0.1";
        int kafkaPort = 9092;
        int colon = bootstrap.lastIndexOf(':');
        if (colon <= 0) {
            s.problem(KEY_BOOTSTRAP + ": \"" + bootstrap + "\" is not host:port");
        } else {
            kafkaHost = bootstrap.substring(0, colon);
            kafkaPort = port(s, KEY_BOOTSTRAP, bootstrap.substring(colon + 1));
            requireLoopback(s, KEY_BOOTSTRAP, kafkaHost);
        }
        String influxHost = "127.0.0.1";
        int influxPort = 8086;
        String url = s.isSet(SinkConfig.INFLUX_URL) ? s.asMap().get(KEY_INFLUX_URL).trim() : SinkConfig.INFLUX_URL.defaultValue();
        try {
            URI u = URI.create(url);
            if (u.getHost() == null || !"http".equals(u.getScheme())) {
                s.problem(KEY_INFLUX_URL + ": \"" + url + "\" is not an http://host:port URL");
            } else {
                influxHost = u.getHost();
                influxPort = u.getPort() < 0 ? 80 : u.getPort();
                requireLoopback(s, KEY_INFLUX_URL, influxHost);
            }
        } catch (IllegalArgumentException e) {
            s.problem(KEY_INFLUX_URL + ": \"" + url + "\" is not a URL");
        }
        List<String> topics = new ArrayList<>();
        topicKeys().forEach((k, def) -> topics.add(s.string(k, def)));
        // where an OpenTelemetry Collector's Kafka exporter (or loadgen.format=otlp) writes for `run otlp`
        topics.add(s.get(OtlpSourceConfig.SPANS_TOPIC));
        topics.add(s.get(OtlpSourceConfig.METRICS_TOPIC));
        ServicesConfig c = new ServicesConfig(dir, kafkaHost, kafkaPort,
            s.get(CONTROLLER_PORT),
            s.get(HEAP),
            s.get(PARTITIONS),
            List.copyOf(topics), influxHost, influxPort,
            s.get(INFLUX_RPC_PORT),
            s.get(SinkConfig.INFLUX_DATABASE),
            Path.of(s.get(INFLUXD)),
            s.get(START_TIMEOUT),
            s.get(STOP_TIMEOUT),
            registry(s));
        if (c.kafkaPort == c.controllerPort) {
            s.problem(KEY_CONTROLLER_PORT + ": " + c.controllerPort + " is the Kafka client port too; pick another");
        }
        if (c.influxPort == c.influxRpcPort) {
            s.problem(KEY_INFLUX_RPC_PORT + ": " + c.influxRpcPort + " is the InfluxDB HTTP port too; pick another");
        }
        if (c.registry.enabled() && c.registry.managementPort() == c.registry.port()) {
            s.problem(KEY_REGISTRY_MANAGEMENT_PORT + ": " + c.registry.managementPort() + " is the registry's HTTP port too; pick another");
        }
        if (c.registry.enabled() && !c.registry.heap().toLowerCase(Locale.ROOT).matches("[0-9]+[kmg]")) {
            s.problem(KEY_REGISTRY_HEAP + ": \"" + c.registry.heap() + "\" is not a JVM size like 256m");
        }
        s.throwIfInvalid("services");
        return c;
    }

    /** The local registry's address comes from {@code schema.registry.url}, as the stages read it. */
    private static Registry registry(Settings s) {
        boolean enabled = s.get(REGISTRY_ENABLED);
        int mport = s.get(REGISTRY_MANAGEMENT_PORT);
        String heap = s.get(REGISTRY_HEAP);
        String java = s.get(REGISTRY_JAVA);
        String host = "127.0.0.1";
        int port = 8081;
        String path = "/apis/ccompat/v7";
        if (!enabled) {
            return new Registry(false, host, port, path, mport, heap, java);
        }
        String url = s.isSet(RegistryConfig.URLS) ? s.get(RegistryConfig.URLS).get(0) : DEFAULT_REGISTRY_URL;
        try {
            URI u = URI.create(url);
            if (u.getHost() == null || !"http".equals(u.getScheme())) {
                s.problem(KEY_REGISTRY_URL + ": \"" + url + "\" is not an http://host:port URL (the local registry serves "
                    + "plain HTTP on loopback; set " + KEY_REGISTRY_ENABLED + "=false to use a registry of your own)");
            } else {
                host = u.getHost();
                port = u.getPort() < 0 ? 80 : u.getPort();
                String p = u.getPath() == null ? "" : u.getPath().replaceAll("/+$", "");
                if (!p.equals(path)) {
                    s.problem(KEY_REGISTRY_URL + ": the local registry (Apicurio) serves the Confluent API under " + path
                        + ", not \"" + p + "\": use http://" + host + ":" + port + path);
                }
                requireLoopback(s, KEY_REGISTRY_URL, host);
            }
        } catch (IllegalArgumentException e) {
            s.problem(KEY_REGISTRY_URL + ": \"" + url + "\" is not a URL");
        }
        return new Registry(true, host, port, path, mport, heap, java);
    }

    public Path registryDir() {
        return dir.resolve("registry");
    }

    public String bootstrapServers() {
        return kafkaHost + ":" + kafkaPort;
    }

    public String influxUrl() {
        return "http://" + influxHost + ":" + influxPort;
    }

    public Path kafkaDir() {
        return dir.resolve("kafka");
    }

    public Path influxDir() {
        return dir.resolve("influxdb");
    }

    public Path logDir() {
        return dir.resolve("logs");
    }

    public Path runDir() {
        return dir.resolve("run");
    }

    private static int port(Settings s, String key, String raw) {
        try {
            int p = Integer.parseInt(raw.trim());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        s.problem(key + ": port \"" + raw + "\" is not a number in [1, 65535]");
        return 1;
    }

    /** The local services never listen beyond loopback: refuse a host that is not. */
    private static void requireLoopback(Settings s, String key, String host) {
        try {
            if (!InetAddress.getByName(host).isLoopbackAddress()) {
                s.problem(key + ": host " + host + " is not a loopback address; the local services listen on "
                    + "loopback only (use 127.0.0.1, or run your own server and skip 'services start'"
                    + (key.equals(KEY_REGISTRY_URL) ? "; for a registry of your own set " + KEY_REGISTRY_ENABLED + "=false" : "")
                    + ")");
            }
        } catch (UnknownHostException e) {
            s.problem(key + ": unknown host " + host);
        }
    }
}
