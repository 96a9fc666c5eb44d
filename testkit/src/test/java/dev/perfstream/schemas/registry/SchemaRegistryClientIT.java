package dev.perfstream.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.testkit.RegistryTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registry client against a real Apicurio registry that serves HTTPS only and requires basic
 * auth: the TLS trust store and credentials settings are exercised for real, as are register,
 * fetch by id and the caches.
 */
@Timeout(300)
class SchemaRegistryClientIT {
    private static final String PASSWORD = "changeit-" + System.nanoTime();
    private static Path dir;
    private static RegistryTestServer registry;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "tls-");
        Path keystore = dir.resolve("registry.p12");
        Path cert = dir.resolve("registry.crt");
        Path truststore = dir.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "registry", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
            "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1", "-storetype", "PKCS12",
            "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-alias", "registry", "-keystore", keystore.toString(), "-storepass", PASSWORD,
            "-rfc", "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "registry", "-file", cert.toString(), "-storetype", "PKCS12",
            "-keystore", truststore.toString(), "-storepass", PASSWORD);
        registry = RegistryTestServer.start(new RegistryTestServer.Options("perf", PASSWORD, keystore, PASSWORD));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static SchemaRegistryClient client(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("schema.registry.url", registry.url());
        m.put("schema.registry.username", "perf");
        m.put("schema.registry.password", PASSWORD);
        m.put("schema.registry.ssl.truststore.location", dir.resolve("trust.p12").toString());
        m.put("schema.registry.ssl.truststore.password", PASSWORD);
        m.put("schema.registry.retry.timeout", "3s");
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                m.remove(kv[i]);
            } else {
                m.put(kv[i], kv[i + 1]);
            }
        }
        return new SchemaRegistryClient(RegistryConfig.from(Settings.of(m)));
    }

    @Test
    void shouldRegisterAndFetchOverTlsWithBasicAuthAndCacheBoth() throws Exception {
        SchemaRegistryClient c = client();
        assertThat(registry.url()).startsWith("https://127.0.0.1:");

        int id = c.register("perf.stats-value", WindowStats.getClassSchema());
        int again = c.register("perf.stats-value", WindowStats.getClassSchema());
        long calls = c.httpCalls();
        SchemaRegistryClient fresh = client();
        Schema fetched = fresh.schemaById(id);
        Schema fetchedAgain = fresh.schemaById(id);

        assertThat(again).isEqualTo(id);
        assertThat(calls).isEqualTo(1); // the second register came from the cache
        assertThat(fetched).isEqualTo(WindowStats.getClassSchema());
        assertThat(fetchedAgain).isSameAs(fetched);
        assertThat(fresh.httpCalls()).isEqualTo(1);
        // Registering the same schema from another client is idempotent on the registry side too.
        assertThat(client().register("perf.stats-value", WindowStats.getClassSchema())).isEqualTo(id);
    }

    @Test
    void shouldGiveDistinctIdsToDistinctSchemasOfOneSubject() {
        SchemaRegistryClient c = client();
        int v1 = c.register("ids.metrics-value", MetricEvent.getClassSchema());
        Schema v2 = new Schema.Parser().parse(MetricEvent.getClassSchema().toString().replace("\"fields\":[",
            "\"fields\":[{\"name\":\"tenant\",\"type\":[\"null\",\"string\"],\"default\":null},"));
        int id2 = c.register("ids.metrics-value", v2);

        assertThat(id2).isNotEqualTo(v1);
        assertThat(List.of(c.register("ids.metrics-value", MetricEvent.getClassSchema()), c.register("ids.metrics-value", v2)))
            .containsExactly(v1, id2);
    }

    @Test
    void shouldAnswerUnknownSchemaFor404() {
        assertThatThrownBy(() -> client().schemaById(987654))
            .isInstanceOfSatisfying(UnknownSchemaException.class, e -> assertThat(e.code()).isEqualTo("unknown-schema"))
            .hasMessageContaining("987654");
    }

    @Test
    void shouldFailLoudlyOnWrongCredentialsWithoutRetrying() {
        SchemaRegistryClient c = client("schema.registry.password", "wrong");

        assertThatThrownBy(() -> c.register("auth.metrics-value", MetricEvent.getClassSchema()))
            .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.status()).isEqualTo(401))
            .isNotInstanceOf(RegistryUnavailableException.class)
            .hasMessageContaining("check schema.registry.username");
        assertThat(c.httpCalls()).isEqualTo(1);
    }

    @Test
    void shouldNotTrustTheRegistryWithoutTheTrustStore() {
        SchemaRegistryClient c = client("schema.registry.ssl.truststore.location", null, "schema.registry.retry.timeout", "500ms");

        assertThatThrownBy(() -> c.schemaById(1))
            .isInstanceOf(RegistryUnavailableException.class)
            .hasMessageContaining("SSLHandshakeException");
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("keytool " + String.join(" ", args) + ": " + out).isZero();
    }
}
