package dev.perfstream.streams.alert;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Configuration of the alerts stage. Keys (defaults in brackets): {@code kafka.bootstrap.servers}
 * [127.0.0.1:9092], {@code alerts.application.id} [perfstream-alerts], {@code state.dir}
 * [.perfstream/state], {@code topic.stats} [perf.stats], {@code topic.alerts} [perf.alerts],
 * {@code topic.deadletter} [perf.deadletter], {@code alerts.rules.file} [built-in KPI defaults],
 * {@code alerts.rules.reload.interval} [2s], {@code alerts.commit.interval} [100ms],
 * {@code alerts.threads} [1], {@code alerts.session.timeout} [45s], {@code stats.windows}
 * [10s,1m,5m] (sizes the stats stage emits; rules on other sizes warn),
 * {@code alerts.unmatched.warn.after} [10m].
 */
public record AlertsConfig(String bootstrapServers, String applicationId, Path stateDir, String statsTopic,
                           String alertsTopic, String deadletterTopic, Path rulesFile, Duration rulesReloadInterval,
                           Duration commitInterval, int threads, Duration sessionTimeout, List<Duration> statsWindows,
                           Duration unmatchedWarnAfter) {

    public static final String APPLICATION_ID = "perfstream-alerts";

    /** @throws IllegalArgumentException naming every bad key */
    public static AlertsConfig from(Settings s) {
        String rules = s.string("alerts.rules.file", null);
        Path rulesFile = rules == null ? null : Path.of(rules);
        if (rulesFile != null && !Files.isReadable(rulesFile)) {
            s.problem("alerts.rules.file: " + rules + " does not exist or is not readable");
        }
        AlertsConfig c = new AlertsConfig(
            s.string("kafka.bootstrap.servers", "127.0.0.1:9092"),
            s.string("alerts.application.id", APPLICATION_ID),
            Path.of(s.string("state.dir", ".perfstream/state")),
            s.string("topic.stats", Topics.STATS),
            s.string("topic.alerts", Topics.ALERTS),
            s.string("topic.deadletter", Topics.DEADLETTER),
            rulesFile,
            s.duration("alerts.rules.reload.interval", Duration.ofSeconds(2)),
            s.duration("alerts.commit.interval", Duration.ofMillis(100)),
            s.integer("alerts.threads", 1, 1, 64),
            s.duration("alerts.session.timeout", Duration.ofSeconds(45)),
            s.durations("stats.windows", List.of(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5))),
            s.duration("alerts.unmatched.warn.after", Duration.ofMinutes(10)));
        s.throwIfInvalid("alerts");
        return c;
    }
}
