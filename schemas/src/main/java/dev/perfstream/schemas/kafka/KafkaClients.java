package dev.perfstream.schemas.kafka;

import dev.perfstream.schemas.config.ConfigCatalog;
import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Builds the properties of every Kafka client perfstream creates. Precedence, lowest first: the
 * caller's own tuning (e.g. {@code linger.ms=0} for alerts), the {@code kafka.client.config} file,
 * {@code kafka.client.*}, the role's {@code kafka.producer.*} / {@code kafka.consumer.*} /
 * {@code kafka.admin.*}, and last {@code bootstrap.servers} from {@code kafka.bootstrap.servers}.
 * The settings in {@link #FIXED} are perfstream's to set (serializers, groups, isolation, exactly-once):
 * a user value for one of them is rejected at start, naming the perfstream key to use where there is one.
 *
 * <p>Secrets (SASL JAAS configuration, key-store passwords, OAuth client secrets) pass through here and
 * are never logged by perfstream; the Kafka clients log them as {@code [hidden]}.
 */
public final class KafkaClients {
    public static final ConfigKey<String> BOOTSTRAP_SERVERS = ConfigKey.string("kafka.bootstrap.servers", "127.0.0.1:9092")
        .doc("Kafka brokers every process connects to (host:port, comma-separated). The local broker (services start, "
            + "demo) listens on the first entry, which must then be a loopback address.");
    public static final ConfigKey<String> CLIENT_CONFIG = ConfigKey.string("kafka.client.config", null)
        .doc("A file of Kafka client settings in Kafka's properties format (as the Kafka tools' --command-config), "
            + "given to every Kafka client: security.protocol, sasl.*, ssl.*. Keep secrets here or in PERFSTREAM_* "
            + "variables, not on the command line. kafka.client.* keys override it.");
    public static final ConfigKey<String> CLIENT = ConfigKey.passThrough("kafka.client.")
        .doc("Any Kafka client setting, given to every producer, consumer, admin client and Kafka Streams app "
            + "(kafka.client.security.protocol=SASL_SSL); checked against the Kafka clients' own settings at start. "
            + "Values of keys like *password*, *secret*, sasl.jaas.config are never printed.");
    public static final ConfigKey<String> PRODUCER = ConfigKey.passThrough("kafka.producer.")
        .doc("A Kafka producer setting for every producer only; overrides kafka.client.*.");
    public static final ConfigKey<String> CONSUMER = ConfigKey.passThrough("kafka.consumer.")
        .doc("A Kafka consumer setting for every consumer only; overrides kafka.client.*.");
    public static final ConfigKey<String> ADMIN = ConfigKey.passThrough("kafka.admin.")
        .doc("A Kafka admin client setting for every admin client only; overrides kafka.client.*.");

    /** Settings perfstream sets itself, with the key to use instead where there is one. */
    public static final Map<String, String> FIXED = fixed();

    /** A client's role, with the names its ConfigDef knows. */
    public enum Role {
        PRODUCER(ProducerConfig.configDef()), CONSUMER(ConsumerConfig.configDef()), ADMIN(AdminClientConfig.configDef());

        private final ConfigDef def;

        Role(ConfigDef def) {
            this.def = def;
        }

        public ConfigDef configDef() {
            return def;
        }
    }

    private final String bootstrapServers;
    private final Map<String, String> client;
    private final Map<Role, Map<String, String>> roles;
    /** Where each setting of {@link #client} came from: the perfstream key, or the file. */
    private final Map<String, String> origins;

    private KafkaClients(String bootstrapServers, Map<String, String> client, Map<Role, Map<String, String>> roles,
                         Map<String, String> origins) {
        this.bootstrapServers = bootstrapServers;
        this.client = Map.copyOf(client);
        this.roles = Map.copyOf(roles);
        this.origins = Map.copyOf(origins);
    }

    /**
     * The client settings of a configuration.
     *
     * @throws IllegalArgumentException listing every rejected setting (unknown, wrong type, fixed by perfstream)
     */
    public static KafkaClients from(Settings s) {
        List<String> problems = new ArrayList<>();
        Map<String, String> client = new TreeMap<>();
        Map<String, String> origins = new TreeMap<>();
        String file = s.get(CLIENT_CONFIG);
        if (file != null) {
            String p = fileProblem(file);
            if (p != null) {
                problems.add(CLIENT_CONFIG.name() + ": " + p);
            } else {
                readFile(Path.of(file)).forEach((k, v) -> {
                    client.put(k, v);
                    origins.put(k, k + " in " + CLIENT_CONFIG.name() + "=" + file);
                });
            }
        }
        Map<String, String> passed = new TreeMap<>(s.withPrefix(CLIENT.prefix()));
        passed.remove(CLIENT_CONFIG.name().substring(CLIENT.prefix().length())); // kafka.client.config is ours
        client.putAll(passed);
        passed.keySet().forEach(k -> origins.put(k, CLIENT.prefix() + k));
        Map<Role, Map<String, String>> roles = new LinkedHashMap<>();
        roles.put(Role.PRODUCER, s.withPrefix(PRODUCER.prefix()));
        roles.put(Role.CONSUMER, s.withPrefix(CONSUMER.prefix()));
        roles.put(Role.ADMIN, s.withPrefix(ADMIN.prefix()));
        client.forEach((k, v) -> addProblem(problems, CLIENT.prefix() + k, clientProblem(k, v)));
        roles.forEach((role, m) -> m.forEach((k, v) -> addProblem(problems, prefixOf(role) + k, roleProblem(role, k, v))));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Kafka client configuration:\n  - " + String.join("\n  - ", problems));
        }
        String bootstrap = s.get(BOOTSTRAP_SERVERS);
        return new KafkaClients(bootstrap, client, roles, origins);
    }

    /** Clients with no user settings (benchmarks against their own embedded broker, tests). */
    public static KafkaClients plain(String bootstrapServers) {
        return new KafkaClients(bootstrapServers, Map.of(), Map.of(), Map.of());
    }

    /** The same user settings against other brokers (a benchmark's embedded cluster). */
    public KafkaClients withBootstrapServers(String servers) {
        return new KafkaClients(servers, client, roles, origins);
    }

    /**
     * Where a role's client setting came from, as a user would look for it: {@code kafka.admin.sasl.jaas.config},
     * {@code kafka.client.sasl.jaas.config}, or {@code sasl.jaas.config in kafka.client.config=FILE}; null when
     * the user did not set it. Names only, never values.
     */
    public String origin(Role role, String name) {
        if (role(role).containsKey(name)) {
            return prefixOf(role) + name;
        }
        return origins.get(name);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Properties producer(Map<String, ?> tuning) {
        return build(Role.PRODUCER, tuning);
    }

    public Properties consumer(Map<String, ?> tuning) {
        return build(Role.CONSUMER, tuning);
    }

    public Properties admin(Map<String, ?> tuning) {
        return build(Role.ADMIN, tuning);
    }

    /** What the user set for every client ({@code kafka.client.config} and {@code kafka.client.*}). */
    public Map<String, String> common() {
        return client;
    }

    /** What the user set for one role only ({@code kafka.producer.*}, ...). */
    public Map<String, String> role(Role role) {
        return roles.getOrDefault(role, Map.of());
    }

    private Properties build(Role role, Map<String, ?> tuning) {
        Properties p = new Properties();
        p.putAll(tuning);
        Set<String> known = role.configDef().names();
        client.forEach((k, v) -> {
            if (known.contains(k)) { // kafka.client.* holds the union of the roles' settings
                p.put(k, v);
            }
        });
        p.putAll(role(role));
        p.put(CommonClientConfigNames.BOOTSTRAP, bootstrapServers);
        return p;
    }

    // ---- validation -----------------------------------------------------------------------------

    /** A {@code kafka.client.*} setting: known to one of the roles, of the right type, not fixed. */
    public static String clientProblem(String name, String value) {
        if (FIXED.containsKey(name)) {
            return FIXED.get(name);
        }
        for (Role r : Role.values()) {
            ConfigDef.ConfigKey k = r.configDef().configKeys().get(name);
            if (k != null) {
                return valueProblem(k, name, value);
            }
        }
        Set<String> all = new TreeSet<>();
        for (Role r : Role.values()) {
            all.addAll(r.configDef().names());
        }
        return "not a Kafka client setting" + ConfigCatalog.nearest(name, all).map(n -> " (did you mean " + CLIENT.prefix()
            + n + "?)").orElse("");
    }

    /** A per-role setting: known to that role's ConfigDef, of the right type, not fixed. */
    public static String roleProblem(Role role, String name, String value) {
        if (FIXED.containsKey(name)) {
            return FIXED.get(name);
        }
        ConfigDef.ConfigKey k = role.configDef().configKeys().get(name);
        if (k == null) {
            return "not a Kafka " + role.name().toLowerCase(java.util.Locale.ROOT) + " setting"
                + ConfigCatalog.nearest(name, role.configDef().names()).map(n -> " (did you mean " + prefixOf(role) + n + "?)")
                .orElse("");
        }
        return valueProblem(k, name, value);
    }

    /** Type and validator of Kafka's own ConfigDef; never echoes a password's value. */
    public static String valueProblem(ConfigDef.ConfigKey k, String name, String value) {
        try {
            Object parsed = ConfigDef.parseType(name, value, k.type);
            if (k.validator != null) {
                k.validator.ensureValid(name, parsed);
            }
            return null;
        } catch (ConfigException e) {
            return k.type == ConfigDef.Type.PASSWORD || ConfigCatalog.looksSecret(name)
                ? "invalid value (" + k.type.name().toLowerCase(java.util.Locale.ROOT) + " expected)"
                : e.getMessage();
        }
    }

    /** Whether {@code kafka.client.config} names a readable file whose every setting is valid; null when it does. */
    public static String fileProblem(String file) {
        Path path = Path.of(file);
        if (!Files.isReadable(path)) {
            return file + " does not exist or is not readable";
        }
        List<String> problems = new ArrayList<>();
        readFile(path).forEach((k, v) -> addProblem(problems, k + " (in " + file + ")", clientProblem(k, v)));
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static Map<String, String> readFile(Path path) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException(CLIENT_CONFIG.name() + ": cannot read " + path + ": " + e.getMessage(), e);
        }
        Map<String, String> out = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k).trim()));
        return out;
    }

    private static void addProblem(List<String> problems, String key, String problem) {
        if (problem != null) {
            problems.add(key + ": " + problem);
        }
    }

    private static String prefixOf(Role role) {
        switch (role) {
            case PRODUCER: return PRODUCER.prefix();
            case CONSUMER: return CONSUMER.prefix();
            default: return ADMIN.prefix();
        }
    }

    private static Map<String, String> fixed() {
        Map<String, String> m = new TreeMap<>();
        m.put(CommonClientConfigNames.BOOTSTRAP, "set by perfstream: use " + BOOTSTRAP_SERVERS.name());
        String serde = "set by perfstream (records are read and written as bytes)";
        m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, serde);
        m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, serde);
        m.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, serde);
        m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, serde);
        m.put(ConsumerConfig.GROUP_ID_CONFIG, "set by perfstream: use sink.group.id or the stage's *.application.id");
        m.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "set by perfstream (offsets are committed after processing)");
        m.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "set by perfstream (results are read committed)");
        m.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "set by perfstream (Kafka Streams' exactly-once)");
        return Map.copyOf(m);
    }

    /** Names shared by every client. */
    private static final class CommonClientConfigNames {
        static final String BOOTSTRAP = org.apache.kafka.clients.CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG;
    }
}
