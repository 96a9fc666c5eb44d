package dev.perfstream.deploy.cli;

import dev.perfstream.schemas.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options shared by the commands of this module: a properties file and {@code --set key=value}
 * overrides, on top of {@code PERFSTREAM_*} environment variables (see {@link Settings}).
 */
public final class SettingsOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
        description = "Properties file (see deploy/config/perfstream.properties). Default: $PERFSTREAM_CONFIG if set.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
        description = "Override one setting, e.g. --set kafka.bootstrap.servers=127.0.0.1:19092 (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** Loads file < environment < --set. */
    public Settings load() throws IOException {
        Path file = config;
        if (file == null && System.getenv("PERFSTREAM_CONFIG") != null) {
            file = Path.of(System.getenv("PERFSTREAM_CONFIG"));
        }
        if (file != null && !Files.isRegularFile(file)) {
            throw new IOException("config file " + file.toAbsolutePath() + " does not exist");
        }
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        // The launcher's own variables are not settings.
        env.keySet().removeIf(k -> k.equals("PERFSTREAM_HOME") || k.equals("PERFSTREAM_T0")
            || k.equals("PERFSTREAM_CONFIG") || k.equals("PERFSTREAM_CLASSPATH"));
        return Settings.load(file, env, overrides);
    }

    /** The project root the launcher runs from (relative service folders resolve against it). */
    public static Path home() {
        String h = System.getProperty("perfstream.home", System.getenv("PERFSTREAM_HOME"));
        return (h == null || h.isBlank() ? Path.of("") : Path.of(h)).toAbsolutePath().normalize();
    }
}
