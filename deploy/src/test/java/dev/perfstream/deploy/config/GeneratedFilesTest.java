package dev.perfstream.deploy.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.config.ConfigCatalog;
import dev.perfstream.schemas.config.ConfigDocs;
import dev.perfstream.schemas.config.ConfigKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GeneratedFilesTest {
    /** Surefire runs in deploy/; the generated files are named relative to the project root. */
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    void shouldFindTheCommittedPropertiesFileAndReadmesIdenticalToWhatTheKeyDeclarationsGenerate() throws Exception {
        List<Path> stale = GeneratedFiles.stale(ConfigCatalog.installed(), ROOT);
        assertThat(stale).as("these files differ from what the key declarations generate: run '%s' and commit them",
            ConfigDocs.REGENERATE).isEmpty();
    }

    @Test
    void shouldListEveryDeclaredKeyOfEveryModuleInThePropertiesFile() throws Exception {
        String file = Files.readString(ROOT.resolve(GeneratedFiles.PROPERTIES));
        List<ConfigKey<?>> keys = ConfigCatalog.installed().keys();
        assertThat(keys).extracting(ConfigKey::name).contains("kafka.bootstrap.servers", "stats.windows", "alerts.threads",
            "scoring.commit.interval", "multivariate.alerts", "anomaly.warmup", "sink.batch.size", "collector.threads",
            "loadgen.rate", "services.dir", "kafka.client.*", "kafka.streams.*");
        for (ConfigKey<?> k : keys) {
            String name = k.type() == ConfigKey.Type.PASSTHROUGH ? k.prefix() + "<setting>" : k.name();
            assertThat(file).as(name).contains("\n#" + name + "=");
        }
    }

    @Test
    void shouldAcceptEveryDefaultThePropertiesFileShowsWhenUncommented() throws Exception {
        Map<String, String> uncommented = new TreeMap<>();
        for (String line : Files.readAllLines(ROOT.resolve(GeneratedFiles.PROPERTIES))) {
            int eq = line.indexOf('=');
            if (line.startsWith("#") && !line.startsWith("# ") && eq > 1 && eq < line.length() - 1 && !line.contains("<")) {
                uncommented.put(line.substring(1, eq), line.substring(eq + 1));
            }
        }
        assertThat(uncommented).containsKeys("stats.windows", "scoring.commit.interval", "collector.threads");
        assertThat(ConfigCatalog.installed().problems(uncommented)).isEmpty();
    }
}
