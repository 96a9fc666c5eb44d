package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.streams.alerts.attribution.AttributionConfig;
import dev.perfstream.streams.release.ReleaseConfig;
import dev.perfstream.streams.stage.StreamsProperties;
import dev.perfstream.streams.stats.StatsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Configuration of the alerts stage, through the keys declared here (and the shared ones: brokers, topics,
 * {@code state.dir}, {@code stats.windows}, the sizes the stats stage emits, on which a rule of another size warns).
 */
public record AlertsConfig(String bootstrapServers, String applicationId, Path stateDir, String statsTopic,
                           String alertsTopic, String deadletterTopic, Path rulesFile, Duration rulesReloadInterval,
                           Duration commitInterval, int threads, Duration sessionTimeout, List<Duration> statsWindows,
                           Duration unmatchedWarnAfter, ReleaseConfig release, AttributionConfig attribution) {

    public static final String APPLICATION_ID = "perfstream-alerts";
    public static final ConfigKey<String> APPLICATION_ID_KEY = ConfigKey.string("alerts.application.id", APPLICATION_ID)
        .doc("Kafka Streams application id of the alerts stage (state, group, internal topics)");
    public static final ConfigKey<String> RULES_FILE = ConfigKey.string("alerts.rules.file", null)
        .defaultText("built-in platform KPIs").doc("YAML rules file, reloaded when it changes "
            + "('perfstream run alerts --print-defaults' prints the built-in one)");
    public static final ConfigKey<Duration> RULES_RELOAD_INTERVAL =
        ConfigKey.duration("alerts.rules.reload.interval", Duration.ofSeconds(2)).doc("How often the rules file is checked");
    public static final ConfigKey<Duration> COMMIT_INTERVAL = ConfigKey.duration("alerts.commit.interval",
        Duration.ofMillis(100)).doc("Exactly-once commit interval: the main term of alert latency");
    public static final ConfigKey<Integer> THREADS = ConfigKey.integer("alerts.threads", 1, 1, 64)
        .doc("Kafka Streams threads of the stage");
    public static final ConfigKey<Duration> SESSION_TIMEOUT = ConfigKey.duration("alerts.session.timeout",
        Duration.ofSeconds(45)).doc("Consumer session timeout: how fast a dead instance's partitions move");
    public static final ConfigKey<Duration> UNMATCHED_WARN_AFTER = ConfigKey.duration("alerts.unmatched.warn.after",
        Duration.ofMinutes(10)).doc("Warn about rules that matched no series by then");

    /** @throws IllegalArgumentException naming every bad key */
    public static AlertsConfig from(Settings s) {
        String rules = s.get(RULES_FILE);
        Path rulesFile = rules == null ? null : Path.of(rules);
        if (rulesFile != null && !Files.isReadable(rulesFile)) {
            s.problem(RULES_FILE.name() + ": " + rules + " does not exist or is not readable");
        }
        AlertsConfig c = new AlertsConfig(
            s.get(KafkaClients.BOOTSTRAP_SERVERS),
            s.get(APPLICATION_ID_KEY),
            Path.of(s.get(StreamsProperties.STATE_DIR)),
            s.get(TopicKeys.STATS),
            s.get(TopicKeys.ALERTS),
            s.get(TopicKeys.DEADLETTER),
            rulesFile,
            s.get(RULES_RELOAD_INTERVAL),
            s.get(COMMIT_INTERVAL),
            s.get(THREADS),
            s.get(SESSION_TIMEOUT),
            s.get(StatsConfig.WINDOWS),
            s.get(UNMATCHED_WARN_AFTER),
            ReleaseConfig.from(s),
            AttributionConfig.from(s));
        s.throwIfInvalid("alerts");
        return c;
    }
}
