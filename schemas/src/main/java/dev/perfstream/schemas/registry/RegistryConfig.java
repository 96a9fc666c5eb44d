package dev.perfstream.schemas.registry;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How to reach a Confluent-compatible schema registry. Built from the common keys:
 *
 * <ul>
 *   <li>{@code schema.registry.url}: base URL(s), comma-separated, e.g.
 *       {@code http://127.0.0.1:8081/apis/ccompat/v7} for Apicurio; unset means no registry (JSON only)</li>
 *   <li>{@code schema.registry.username}, {@code schema.registry.password}: HTTP basic auth (both or neither)</li>
 *   <li>{@code schema.registry.ssl.truststore.location}, {@code .password}, {@code .type} (PKCS12):
 *       trust store for {@code https} URLs; unset means the JDK's default trust</li>
 *   <li>{@code schema.registry.connect.timeout} (2s), {@code schema.registry.request.timeout} (5s): per HTTP call</li>
 *   <li>{@code schema.registry.retry.backoff} (200ms), {@code schema.registry.retry.backoff.max} (5s): backoff
 *       between attempts while the registry is unreachable; {@code schema.registry.retry.timeout} (2m): how long one
 *       lookup keeps retrying, blocking the calling thread, before {@link RegistryUnavailableException}. The
 *       Kafka Streams stages use 5 s unless set (their exactly-once transactions time out after 10 s) and then
 *       park the record until the registry answers, however long that takes (streams' {@code ParkedRecords}).</li>
 * </ul>
 *
 * @param urls             base URLs without trailing slash, tried in turn when one is unreachable
 * @param username         basic-auth user, or null
 * @param password         basic-auth password, or null
 * @param truststore       trust store file, or null
 * @param truststorePassword trust store password, or null
 * @param truststoreType   KeyStore type of the trust store (PKCS12, JKS)
 * @param connectTimeout   TCP/TLS connect timeout of one call
 * @param requestTimeout   whole-response timeout of one call
 * @param backoff          first pause between attempts, doubled each time
 * @param backoffMax       longest pause between attempts
 * @param retryTimeout     total time one lookup may retry before giving up
 */
public record RegistryConfig(List<URI> urls, String username, String password, Path truststore,
                             String truststorePassword, String truststoreType, Duration connectTimeout,
                             Duration requestTimeout, Duration backoff, Duration backoffMax, Duration retryTimeout) {
    public static final ConfigKey<List<String>> URLS = ConfigKey.list("schema.registry.url", List.of())
        .defaultText(null)
        .doc("Confluent-compatible schema registry base URL(s), comma-separated; unset: JSON only. Apicurio: "
            + "http://127.0.0.1:8081/apis/ccompat/v7 (the demo's and 'services start' registry)");
    public static final ConfigKey<String> USERNAME = ConfigKey.string("schema.registry.username", null)
        .doc("HTTP basic auth user (with schema.registry.password)");
    public static final ConfigKey<String> PASSWORD = ConfigKey.string("schema.registry.password", null).secret()
        .doc("HTTP basic auth password");
    public static final ConfigKey<String> TRUSTSTORE = ConfigKey.string("schema.registry.ssl.truststore.location", null)
        .doc("Trust store for https registries; unset: the JDK's default trust");
    public static final ConfigKey<String> TRUSTSTORE_PASSWORD =
        ConfigKey.string("schema.registry.ssl.truststore.password", null).secret().doc("Password of the trust store");
    public static final ConfigKey<String> TRUSTSTORE_TYPE = ConfigKey.string("schema.registry.ssl.truststore.type", "PKCS12")
        .doc("KeyStore type of the trust store (PKCS12, JKS)");
    public static final ConfigKey<Duration> CONNECT_TIMEOUT =
        ConfigKey.duration("schema.registry.connect.timeout", Duration.ofSeconds(2)).check(RegistryConfig::positive,
            "must be positive").doc("TCP/TLS connect timeout of one registry call");
    public static final ConfigKey<Duration> REQUEST_TIMEOUT =
        ConfigKey.duration("schema.registry.request.timeout", Duration.ofSeconds(5)).check(RegistryConfig::positive,
            "must be positive").doc("Whole-response timeout of one registry call");
    public static final ConfigKey<Duration> RETRY_BACKOFF =
        ConfigKey.duration("schema.registry.retry.backoff", Duration.ofMillis(200)).check(RegistryConfig::positive,
            "must be positive").doc("First pause between attempts while the registry is unreachable (doubling)");
    public static final ConfigKey<Duration> RETRY_BACKOFF_MAX =
        ConfigKey.duration("schema.registry.retry.backoff.max", Duration.ofSeconds(5))
            .doc("Longest pause between attempts while the registry is unreachable");
    public static final ConfigKey<Duration> RETRY_TIMEOUT =
        ConfigKey.duration("schema.registry.retry.timeout", Duration.ofMinutes(2))
            .doc("How long one lookup retries in the calling thread (unset: 5s in the stream stages and the sink); then a "
                + "stream stage parks the record, the sink pauses, other callers fail");
    public static final String URL = URLS.name();

    public RegistryConfig {
        urls = List.copyOf(urls);
    }

    /** True when {@code schema.registry.url} is set. */
    public static boolean configured(Settings settings) {
        return settings.string(URL, null) != null;
    }

    /**
     * @throws IllegalArgumentException naming every bad key, or when {@code schema.registry.url} is unset
     */
    public static RegistryConfig from(Settings settings) {
        // A private copy: report only this config's problems, not those other stages already collected.
        Settings s = Settings.of(settings.asMap());
        List<URI> urls = new ArrayList<>();
        for (String u : s.get(URLS)) {
            String trimmed = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
            try {
                URI uri = URI.create(trimmed);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                    s.problem(URL + ": \"" + u + "\" is not an http(s) URL");
                } else {
                    urls.add(uri);
                }
            } catch (IllegalArgumentException e) {
                s.problem(URL + ": \"" + u + "\" is not a URL: " + e.getMessage());
            }
        }
        if (urls.isEmpty() && s.problems().isEmpty()) {
            s.problem(URL + ": not set");
        }
        String user = s.get(USERNAME);
        String password = s.get(PASSWORD);
        if ((user == null) != (password == null)) {
            s.problem("schema.registry.username/schema.registry.password: set both for basic auth, or neither");
        }
        String ts = s.get(TRUSTSTORE);
        Path truststore = ts == null ? null : Paths.get(ts);
        if (truststore != null && !Files.isReadable(truststore)) {
            s.problem("schema.registry.ssl.truststore.location: " + ts + " is not a readable file");
        }
        Duration connect = s.get(CONNECT_TIMEOUT);
        Duration request = s.get(REQUEST_TIMEOUT);
        Duration backoff = s.get(RETRY_BACKOFF);
        Duration backoffMax = s.get(RETRY_BACKOFF_MAX);
        Duration retryTimeout = s.get(RETRY_TIMEOUT);
        if (backoffMax.compareTo(backoff) < 0) {
            s.problem("schema.registry.retry.backoff.max: " + backoffMax + " is shorter than schema.registry.retry.backoff");
        }
        s.throwIfInvalid("schema registry");
        return new RegistryConfig(urls, user, password, truststore,
            s.get(TRUSTSTORE_PASSWORD),
            s.get(TRUSTSTORE_TYPE),
            connect, request, backoff, backoffMax, retryTimeout);
    }

    private static boolean positive(Duration d) {
        return !d.isZero() && !d.isNegative();
    }

    /** The same registry with another retry budget (tests, the CLI). */
    public RegistryConfig withRetryTimeout(Duration timeout) {
        return new RegistryConfig(urls, username, password, truststore, truststorePassword, truststoreType,
            connectTimeout, requestTimeout, backoff, backoffMax, timeout);
    }

    @Override
    public String toString() {
        // Never print the passwords.
        return "RegistryConfig[urls=" + urls + ", username=" + username + ", truststore=" + truststore
            + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
            + ", backoff=" + backoff + ".." + backoffMax + ", retryTimeout=" + retryTimeout + "]";
    }
}
