package dev.perfstream.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCatalogTest {
    static final ConfigKey<List<Duration>> WINDOWS = ConfigKey.durations("stats.windows", List.of(Duration.ofSeconds(10)));
    static final ConfigKey<Double> ACCURACY = ConfigKey.decimal("stats.sketch.relative-accuracy", 0.01, 0.0001, 0.5);
    static final ConfigKey<Duration> COMMIT = ConfigKey.duration("scoring.commit.interval", Duration.ofSeconds(1))
        .renamedFrom("scoring.commit.interval.ms", ms -> ms + "ms");
    static final ConfigKey<String> PASSWORD = ConfigKey.string("influx.password", null).secret();
    static final ConfigKey<Double> CAPACITY = ConfigKey.decimal("capacity.<service>.rate", Double.NaN, 0, 1e9);
    static final ConfigKey<String> CLIENT = ConfigKey.passThrough("kafka.client.");
    static final ConfigCatalog CATALOG = ConfigCatalog.of(
        List.of(new ConfigGroup("t", "test", 1, List.of(WINDOWS, ACCURACY, COMMIT, PASSWORD, CAPACITY, CLIENT))),
        Map.of(CLIENT.name(), (k, v) -> k.equals("security.protocol") ? null : "not a Kafka client setting"));

    @Test
    void shouldRejectAnUnknownKeyNamingItAndSuggestingTheNearestDeclaredKey() {
        assertThat(CATALOG.problems(Map.of("stats.windwos", "1m")))
            .containsExactly("stats.windwos: unknown key (did you mean stats.windows?)");
    }

    @Test
    void shouldNotSuggestAKeyThatIsFarFromTheUnknownOne() {
        assertThat(CATALOG.problems(Map.of("completely.different", "1"))).containsExactly("completely.different: unknown key");
    }

    @Test
    void shouldReportUnknownKeysAndBadValuesAllAtOnce() {
        Settings s = settings(Map.of("stats.windwos", "1m", "stats.windows", "10 parsecs", "stats.sketch.relative-accuracy", "2",
            "kafka.client.security.protocl", "SSL"));
        assertThatThrownBy(() -> s.throwIfInvalid("test"))
            .hasMessageContaining("stats.windwos: unknown key (did you mean stats.windows?)")
            .hasMessageContaining("stats.windows: \"10 parsecs\" has unknown unit")
            .hasMessageContaining("stats.sketch.relative-accuracy: 2 is out of range [0.0001, 0.5]")
            .hasMessageContaining("kafka.client.security.protocl: not a Kafka client setting");
    }

    @Test
    void shouldAcceptTemplatedAndPassThroughKeys() {
        assertThat(CATALOG.problems(Map.of("capacity.checkout.rate", "120", "kafka.client.security.protocol", "SSL"))).isEmpty();
        assertThat(settings(Map.of("capacity.checkout.rate", "120")).getAll(CAPACITY)).containsEntry("checkout", 120.0);
    }

    @Test
    void shouldReadAFormerKeyConvertedWithADeprecationWarningNamingTheNewKey() {
        Map<String, String> values = new HashMap<>(Map.of("scoring.commit.interval.ms", "250"));
        List<String> warnings = new ArrayList<>();
        CATALOG.applyRenames(values, warnings);
        assertThat(values).containsExactly(Map.entry("scoring.commit.interval", "250ms"));
        assertThat(warnings).singleElement().asString()
            .contains("scoring.commit.interval.ms is deprecated: use scoring.commit.interval");
        assertThat(Settings.of(Map.of("scoring.commit.interval.ms", "250")).get(COMMIT)).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void shouldPreferTheNewKeyWhenTheFormerIsSetToo() {
        Map<String, String> values = new HashMap<>(Map.of("scoring.commit.interval.ms", "250", "scoring.commit.interval", "2s"));
        List<String> warnings = new ArrayList<>();
        CATALOG.applyRenames(values, warnings);
        assertThat(values).containsExactly(Map.entry("scoring.commit.interval", "2s"));
        assertThat(warnings).singleElement().asString().contains("ignored");
    }

    @Test
    void shouldMapEnvironmentVariablesToDeclaredKeysWithDashesAndPassThroughKeys(@TempDir Path dir) throws Exception {
        Settings s = Settings.load(CATALOG, null, Map.of("PERFSTREAM_STATS_SKETCH_RELATIVE_ACCURACY", "0.02",
            "PERFSTREAM_KAFKA_CLIENT_SECURITY_PROTOCOL", "SSL", "PERFSTREAM_REGISTRY_DIR", "/tmp/x"), Map.of());
        assertThat(s.get(ACCURACY)).isEqualTo(0.02);
        assertThat(s.withPrefix("kafka.client.")).containsExactly(Map.entry("security.protocol", "SSL"));
        assertThat(s.asMap()).doesNotContainKey("registry.dir"); // not a key: warned about, not an error
        assertThat(s.problems()).isEmpty();
        Path f = dir.resolve("p.properties");
        Files.writeString(f, "stats.windwos=1m\n");
        assertThat(Settings.load(CATALOG, f, Map.of(), Map.of()).problems())
            .containsExactly("stats.windwos: unknown key (did you mean stats.windows?)");
    }

    @Test
    void shouldMaskDeclaredSecretsAndPassThroughKeysThatLookSecret() {
        assertThat(CATALOG.shown("influx.password", "hunter2")).isEqualTo("******");
        assertThat(CATALOG.shown("kafka.client.sasl.jaas.config", "x required password=\"p\";")).isEqualTo("******");
        assertThat(CATALOG.shown("kafka.client.ssl.keystore.password", "p")).isEqualTo("******");
        assertThat(CATALOG.shown("kafka.client.security.protocol", "SASL_SSL")).isEqualTo("SASL_SSL");
        assertThat(CATALOG.shown("stats.windows", "1m")).isEqualTo("1m");
    }

    @Test
    void shouldNeverEchoASecretValueInAProblem() {
        ConfigKey<String> token = ConfigKey.string("t.token", null).secret().check(v -> v.length() > 8, "is too short");
        assertThat(ConfigCatalog.of(List.of(new ConfigGroup("t", "t", 1, List.of(token))), Map.of())
            .problems(Map.of("t.token", "abc"))).containsExactly("t.token: the value is too short");
    }

    private static Settings settings(Map<String, String> m) {
        Settings s = Settings.of(m);
        CATALOG.problems(m).forEach(s::problem);
        return s;
    }
}
