package dev.perfstream.schemas.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The settings options every perfstream command shares, as a picocli mixin ({@code @Mixin}):
 * a properties file ({@code -c FILE}, or {@code $PERFSTREAM_CONFIG}) and {@code --set key=value}
 * overrides, on top of {@code PERFSTREAM_*} environment variables (see {@link Settings}).
 */
public final class SettingsOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
        description = "Properties file (every key: deploy/config/perfstream.properties). Default: $PERFSTREAM_CONFIG if set.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
        description = {"Override one setting, e.g. --set kafka.bootstrap.servers=127.0.0.1:19092 (repeatable; "
            + "'perfstream config list' lists every key). Kafka client settings go to every Kafka client: "
            + "kafka.client.<setting> (e.g. kafka.client.security.protocol=SASL_SSL), kafka.producer.*, "
            + "kafka.consumer.*, kafka.admin.*, kafka.streams.*, or kafka.client.config=FILE in Kafka's properties "
            + "format (as the Kafka tools' --command-config). Put secrets in that file or in PERFSTREAM_* "
            + "variables, not on the command line."})
    Map<String, String> overrides = new LinkedHashMap<>();

    /**
     * Loads file < environment < {@code --set}.
     *
     * @throws IllegalArgumentException listing every unknown key (with a suggestion) and bad value
     */
    public Settings load() throws IOException {
        return load(Map.of());
    }

    /**
     * Loads file < environment < {@code --set} < {@code commandOptions}, the command's own options
     * that name a setting (e.g. {@code --bootstrap}); absent ones are simply not in the map.
     */
    public Settings load(Map<String, String> commandOptions) throws IOException {
        Path file = config;
        if (file == null && System.getenv("PERFSTREAM_CONFIG") != null) {
            file = Path.of(System.getenv("PERFSTREAM_CONFIG"));
        }
        if (file != null && !Files.isRegularFile(file)) {
            throw new IOException("config file " + file.toAbsolutePath() + " does not exist");
        }
        Map<String, String> top = new LinkedHashMap<>(overrides);
        top.putAll(commandOptions);
        Settings s = Settings.load(file, System.getenv(), top);
        s.throwIfInvalid("perfstream");
        return s;
    }
}
