package dev.perfstream.runtime;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import java.util.Map;

/** Where each stage serves {@code /metrics}, {@code /healthz} and {@code /readyz}. */
public final class StatusConfig {
    public static final ConfigKey<String> HOST = ConfigKey.string("status.http.host", "0.0.0.0")
        .doc("Bind address of every stage's status server (/metrics, /healthz, /readyz)");
    public static final ConfigKey<Integer> STATS_PORT = port("stats", 9401);
    public static final ConfigKey<Integer> ALERTS_PORT = port("alerts", 9402);
    public static final ConfigKey<Integer> SCORING_PORT = port("scoring", 9403);
    public static final ConfigKey<Integer> SINK_PORT = port("sink", 9404);
    public static final ConfigKey<Integer> NOTIFY_PORT = port("notify", 9405);
    public static final ConfigKey<Integer> OTLP_PORT = port("otlp", 9406);

    private static final Map<String, ConfigKey<Integer>> PORTS = Map.of("stats", STATS_PORT, "alerts", ALERTS_PORT,
        "scoring", SCORING_PORT, "sink", SINK_PORT, "notify", NOTIFY_PORT, "otlp", OTLP_PORT);

    private StatusConfig() {
    }

    private static ConfigKey<Integer> port(String stage, int def) {
        return ConfigKey.integer(stage + ".http.port", def, -1, 65_535)
            .doc("Port of the " + stage + " stage's status server (/metrics, /healthz, /readyz); 0 = any free port, "
                + "-1 = none");
    }

    /** The status port key of a stage. */
    public static ConfigKey<Integer> portKey(String stage) {
        ConfigKey<Integer> k = PORTS.get(stage);
        if (k == null) {
            throw new IllegalArgumentException("no status port is declared for stage " + stage);
        }
        return k;
    }

    public static int port(Settings settings, String stage) {
        return settings.get(portKey(stage));
    }
}
