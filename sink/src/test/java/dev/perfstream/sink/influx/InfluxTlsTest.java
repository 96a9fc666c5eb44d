package dev.perfstream.sink.influx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.testkit.TestPki;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An InfluxDB behind https with a private CA: the sink writes to it once {@code influx.ssl.truststore.*}
 * names that CA (PKCS12 with a password, or PEM), and without it the write fails on the certificate, as
 * the Kafka clients do with {@code ssl.truststore.*}. The trust store password is never in the config's text.
 */
class InfluxTlsTest {
    @TempDir
    Path dir;
    private TestPki pki;
    private HttpsServer server;
    private final List<String> writes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        pki = TestPki.create(dir.resolve("pki"), "influx-test-ca");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.keystore("influx", "localhost"))) {
            ks.load(in, pki.storePassword().toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pki.storePassword().toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server.createContext("/write", x -> {
            writes.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void shouldWriteOverHttpsWithTheCaInAPkcs12TrustStore() throws Exception {
        SinkConfig c = config(Map.of("influx.ssl.truststore.location", pki.truststore().toString(),
            "influx.ssl.truststore.password", pki.storePassword()));
        assertThat(c.toString()).doesNotContain(pki.storePassword()).contains("truststore=PKCS12 ");
        try (V1Writer w = new V1Writer(c)) {
            w.write(List.of("m,s=a v=1 1700000000000"));
        }
        assertThat(writes).containsExactly("m,s=a v=1 1700000000000");
    }

    @Test
    void shouldWriteOverHttpsWithTheCaAsPem() throws Exception {
        Path pem = dir.resolve("ca.crt");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(pki.caCertificate().getEncoded()) + "\n-----END CERTIFICATE-----\n");
        try (V1Writer w = new V1Writer(config(Map.of("influx.ssl.truststore.location", pem.toString(),
            "influx.ssl.truststore.type", "PEM")))) {
            w.write(List.of("m,s=b v=2 1700000000000"));
        }
        assertThat(writes).containsExactly("m,s=b v=2 1700000000000");
    }

    @Test
    void shouldFailOnTheCertificateWithoutTheTrustStore() {
        try (V1Writer w = new V1Writer(config(Map.of()))) {
            assertThatThrownBy(() -> w.write(List.of("m v=1 1"))).isInstanceOf(WriteFailure.class)
                .hasMessageContaining("got no answer").hasMessageContaining("certification path");
        }
        assertThat(writes).isEmpty();
    }

    private SinkConfig config(Map<String, String> more) {
        Map<String, String> m = new HashMap<>(more);
        m.put("influx.url", "https://localhost:" + server.getAddress().getPort());
        m.put("influx.database", "tls");
        return SinkConfig.from(Settings.of(m));
    }
}
