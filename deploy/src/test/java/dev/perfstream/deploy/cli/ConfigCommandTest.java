package dev.perfstream.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The command line's configuration checks, as a user meets them (no broker needed: they fail before). */
class ConfigCommandTest {
    @Test
    void shouldRefuseAMisspelledKeyNamingItAndSuggestingTheDeclaredOne() {
        Captured c = capture(() -> PerfstreamCli.run("run", "stats", "--set", "stats.windwos=1m"));
        assertThat(c.exit).isEqualTo(2);
        assertThat(c.err).contains("stats.windwos: unknown key (did you mean stats.windows?)");
    }

    @Test
    void shouldRefuseAnUnknownKafkaClientSettingWithKafkasOwnNameAsSuggestion() {
        Captured c = capture(() -> PerfstreamCli.run("run", "sink", "--set", "kafka.client.security.protocl=SASL_SSL"));
        assertThat(c.exit).isEqualTo(2);
        assertThat(c.err).contains("kafka.client.security.protocl: not a Kafka client setting "
            + "(did you mean kafka.client.security.protocol?)");
    }

    @Test
    void shouldListEveryKeyWithTypeDefaultAndDocAndMaskSecrets() {
        Captured c = capture(() -> PerfstreamCli.run("config", "list", "--set", "influx.password=hunter2",
            "--set", "kafka.client.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"u\" password=\"s3cret\";", "--set", "kafka.client.security.protocol=SASL_SSL",
            "--set", "influx.username=u", "--set", "kafka.client.config=/dev/null"));
        assertThat(c.exit).isZero();
        assertThat(c.out).contains("stats.windows  (list of durations, default 10s,1m,5m)")
            .contains("kafka.client.<setting>  (pass-through)")
            .contains("set: kafka.client.security.protocol=SASL_SSL")
            .contains("set: kafka.client.sasl.jaas.config=******")
            .contains("influx.password  (string, secret)\n  set: ******")
            .contains("kafka.client.config  (string)\n  set: /dev/null").doesNotContain("set: kafka.client.config")
            .doesNotContain("hunter2").doesNotContain("s3cret");
    }

    private record Captured(int exit, String out, String err) {
    }

    private static Captured capture(Supplier<Integer> run) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = run.get();
            return new Captured(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
