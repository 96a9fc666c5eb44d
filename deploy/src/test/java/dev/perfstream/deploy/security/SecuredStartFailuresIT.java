package dev.perfstream.deploy.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.TestPki;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stage started the way a user starts it ({@code perfstream run stats -c FILE}, its own JVM, the
 * production logging configuration) against a broker with only a SASL_SSL listener, when Kafka refuses
 * it: a wrong password, a broker certificate its trust store does not trust, a principal without WRITE
 * on the stage's output topic. Each time the process stops at start, within 30 s, with a non-zero exit
 * and one line on the terminal that names the setting and says what the broker answered, instead of
 * retrying in a loop; and neither the terminal nor the log file holds a password.
 */
@Timeout(180)
class SecuredStartFailuresIT {
    private static final String APP = "sf-stats-app";
    static KafkaTestCluster kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaTestCluster.startSecured(KafkaTestCluster.Security.SASL_SSL);
        kafka.createTopics(1, "sf-metrics", "sf-rum", "sf-stats", "sf-dlq");
        // Everything the stats stage needs, except WRITE on its output: READ there, a usual slip.
        kafka.allowTopic("stats", "sf-metrics", AclOperation.READ);
        kafka.allowTopic("stats", "sf-rum", AclOperation.READ);
        kafka.allowTopic("stats", "sf-dlq", AclOperation.WRITE);
        kafka.allowTopic("stats", "sf-stats", AclOperation.READ);
        kafka.allow("stats", ResourceType.TOPIC, APP, PatternType.PREFIXED, AclOperation.ALL);
        kafka.allow("stats", ResourceType.GROUP, APP, PatternType.PREFIXED, AclOperation.READ);
        kafka.allow("stats", ResourceType.TRANSACTIONAL_ID, APP, PatternType.PREFIXED, AclOperation.WRITE, AclOperation.DESCRIBE);
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldStopAtStartWithOneLineNamingTheSettingOnAWrongPassword() throws Exception {
        Properties client = clientFile("stats");
        String wrong = TestPki.randomSecret();
        client.setProperty("sasl.jaas.config", KafkaTestCluster.scramJaas("stats", wrong));
        Run run = runStats(client);
        assertThat(run.line()).as(run.terminal)
            .contains("refused the SASL SCRAM-SHA-512 login of user 'stats'")
            .contains("sasl.jaas.config in kafka.client.config=" + run.clientFile)
            .contains("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512");
        run.assertNoSecret(wrong);
    }

    @Test
    void shouldStopAtStartWithOneLineNamingTheTrustStoreWhenTheBrokersCertificateIsNotTrusted() throws Exception {
        Properties client = clientFile("stats");
        TestPki other = TestPki.create(tmp.resolve("other-ca"), "not-the-brokers-ca");
        client.setProperty("ssl.truststore.location", other.truststore().toString());
        client.setProperty("ssl.truststore.password", other.storePassword());
        Run run = runStats(client);
        assertThat(run.line()).as(run.terminal)
            .contains("TLS handshake with Kafka at " + kafka.bootstrapServers() + " failed")
            .contains("the broker's certificate is not signed by a CA in the trust store (ssl.truststore.location in "
                + "kafka.client.config=" + run.clientFile + ")")
            .contains("SSL handshake failed")
            .contains("unable to find valid certification path");
        run.assertNoSecret(other.storePassword());
    }

    @Test
    void shouldStopAtStartWithOneLineNamingTheTopicWhenTheStagePrincipalMayNotWriteItsOutput() throws Exception {
        Run run = runStats(clientFile("stats"));
        assertThat(run.line()).as(run.terminal)
            .contains("User 'stats' (sasl.jaas.config in kafka.client.config=" + run.clientFile + ") may not WRITE topic "
                + "'sf-stats' (topic.stats)")
            .contains("answered that its authorized operations there are [DESCRIBE, READ]")
            .contains("--allow-principal User:stats --operation Write --topic sf-stats");
        run.assertNoSecret();
    }

    /** The client settings of a principal as the test kit writes them (kafka.client.config). */
    private static Properties clientFile(String principal) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(kafka.clientConfigFile(principal), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return p;
    }

    /** What a run of `perfstream run stats` left: the terminal (stdout and stderr) and the log file. */
    record Run(int exit, long millis, String terminal, String log, Path clientFile) {
        /** The terminal's only line, asserting there is exactly one and no stack trace. */
        String line() {
            List<String> lines = terminal.lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines).as("the terminal output of the failed start:\n" + terminal).hasSize(1);
            assertThat(lines.get(0)).startsWith("perfstream stats: ");
            return lines.get(0);
        }

        void assertNoSecret(String... more) {
            List<String> secrets = new ArrayList<>(kafka.secrets());
            secrets.addAll(List.of(more));
            for (String s : secrets) {
                assertThat(terminal).as("the terminal holds a password").doesNotContain(s);
                assertThat(log).as("the log file holds a password").doesNotContain(s);
            }
        }
    }

    /** Runs {@code perfstream run stats -c FILE} in its own JVM, as the launcher does, and waits at most 60 s. */
    private Run runStats(Properties client) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "run-");
        Path clientFile = dir.resolve("client.properties");
        try (Writer w = Files.newBufferedWriter(clientFile, StandardCharsets.UTF_8)) {
            client.store(w, null);
        }
        Properties s = new Properties();
        s.setProperty("kafka.bootstrap.servers", kafka.bootstrapServers());
        s.setProperty("kafka.client.config", clientFile.toString());
        s.setProperty("topic.metrics", "sf-metrics");
        s.setProperty("topic.rum", "sf-rum");
        s.setProperty("topic.stats", "sf-stats");
        s.setProperty("topic.deadletter", "sf-dlq");
        s.setProperty("stats.application.id", APP);
        s.setProperty("state.dir", dir.resolve("state").toString());
        Path settings = dir.resolve("perfstream.properties");
        try (Writer w = Files.newBufferedWriter(settings, StandardCharsets.UTF_8)) {
            s.store(w, null);
        }
        Path log = dir.resolve("perfstream.log");
        Path terminal = dir.resolve("terminal.txt");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
            "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-Dlogback.configurationFile=logback.xml",
            "-Dperfstream.log.file=" + log, "-cp", System.getProperty("java.class.path"),
            "dev.perfstream.deploy.cli.PerfstreamCli", "run", "stats", "-c", settings.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(terminal.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PERFSTREAM_"));
        long t0 = System.nanoTime();
        Process p = pb.start();
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        if (!exited) {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(terminal);
        String logText = Files.exists(log) ? Files.readString(log) : "";
        System.out.println("perfstream run stats exited " + (exited ? p.exitValue() : "never") + " after " + millis + " ms:\n" + out);
        assertThat(exited).as("the process stops by itself; terminal:\n" + out).isTrue();
        assertThat(millis).as("time to exit").isLessThan(30_000);
        assertThat(p.exitValue()).as("exit code").isNotZero();
        assertThat(logText).as("the log file was written").isNotEmpty();
        return new Run(p.exitValue(), millis, out, logText, clientFile);
    }
}
