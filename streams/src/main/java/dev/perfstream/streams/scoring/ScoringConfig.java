package dev.perfstream.streams.scoring;

import dev.perfstream.models.anomaly.DetectorConfig;
import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.streams.stage.StreamsProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import dev.perfstream.streams.scoring.forecast.ForecastConfig;
import dev.perfstream.streams.scoring.forecast.CapacityConfig;
import dev.perfstream.streams.scoring.multivariate.MultivariateScoringConfig;

/**
 * Configuration of the scoring stage, through the keys declared here, in {@link ForecastConfig},
 * {@link MultivariateScoringConfig} and {@link ModelKeys}.
 *
 * @param metricStatistics statistics scored for METRIC series
 * @param rumStatistics    statistics scored for RUM series
 * @param modelsDir        root of the model store (share it between instances)
 * @param reloadInterval   how often the stage looks for newer model versions in the store
 * @param cacheMax         detectors kept decoded in memory per task (the rest are read from the store)
 * @param alertThreshold   score at which an ANOMALY alert fires (windows of {@code alertWindow} size only)
 * @param alertResolveThreshold an alert resolves after {@code alertResolveWindows} windows below this score
 * @param alertRenotify    reminder interval of an ANOMALY alert while it fires (event time; zero = none)
 * @param forecast       forecasts to perf.forecasts and FORECAST (capacity / SLO) alerts
 * @param multivariate   the per-service multivariate detector
 * @param capacity       scaling advice per service (perf.recommendations)
 */
public record ScoringConfig(String bootstrapServers, String applicationId, String stateDir, String statsTopic,
                            String anomaliesTopic, String deadletterTopic, List<Statistic> metricStatistics,
                            List<Statistic> rumStatistics, Path modelsDir, Duration reloadInterval, int cacheMax,
                            DetectorConfig detector, String alertsTopic, double alertThreshold,
                            double alertResolveThreshold, int alertResolveWindows, Duration alertWindow,
                            Duration alertRenotify, ForecastConfig forecast, MultivariateScoringConfig multivariate, CapacityConfig capacity) {

    public static final ConfigKey<String> APPLICATION_ID = ConfigKey.string("scoring.application.id", "perfstream-scoring")
        .doc("Kafka Streams application id of the scoring stage");
    public static final ConfigKey<Duration> COMMIT_INTERVAL = ConfigKey.duration("scoring.commit.interval",
            Duration.ofSeconds(1))
        .check(d -> d.toMillis() >= 10 && d.toMillis() <= 600_000, "is not within 10ms..10m")
        .renamedFrom("scoring.commit.interval.ms", ms -> ms + "ms")
        .doc("Exactly-once commit interval of the scoring stage");
    public static final ConfigKey<List<String>> STATISTICS_METRIC =
        ConfigKey.list("scoring.statistics.metric", List.of("p95", "error_rate", "rate"))
            .check(ScoringConfig::statisticsOk, "names an unknown statistic").doc("Statistics scored for METRIC series");
    public static final ConfigKey<List<String>> STATISTICS_RUM = ConfigKey.list("scoring.statistics.rum", List.of("p75"))
        .check(ScoringConfig::statisticsOk, "names an unknown statistic").doc("Statistics scored for RUM series");
    public static final ConfigKey<String> MODELS_DIR = ConfigKey.string("models.dir", ".perfstream/models")
        .doc("Model store root (share it between scoring instances)");
    public static final ConfigKey<Duration> MODELS_RELOAD_INTERVAL = ConfigKey.duration("models.reload.interval",
        Duration.ofSeconds(30)).doc("How often the scoring stage looks for newer stored models");
    public static final ConfigKey<Integer> CACHE_MAX = ConfigKey.integer("scoring.cache.max", 10_000, 1, 10_000_000)
        .doc("Detectors kept decoded in memory per task (the rest are read from the store)");
    public static final ConfigKey<Double> ALERT_THRESHOLD = ConfigKey.decimal("scoring.alert.threshold", 0.9, 0.0, 1.0)
        .doc("Score at which an ANOMALY alert fires (windows of scoring.alert.window only)");
    public static final ConfigKey<Double> ALERT_RESOLVE_THRESHOLD =
        ConfigKey.decimal("scoring.alert.resolve.threshold", 0.5, 0.0, 1.0)
            .doc("An ANOMALY alert resolves after scoring.alert.resolve.windows windows below this score");
    public static final ConfigKey<Integer> ALERT_RESOLVE_WINDOWS =
        ConfigKey.integer("scoring.alert.resolve.windows", 3, 1, 10_000).doc("Windows below the resolve threshold before RESOLVED");
    public static final ConfigKey<Duration> ALERT_WINDOW = ConfigKey.duration("scoring.alert.window", Duration.ofMinutes(1))
        .doc("Window size whose anomaly scores raise alerts");
    public static final ConfigKey<Duration> ALERT_RENOTIFY = ConfigKey.duration("scoring.alert.renotify", Duration.ofHours(4))
        .doc("An ANOMALY alert still firing is sent again after this much event time (0 = never), as rules' renotify");

    public static ScoringConfig from(Settings s) {
        ScoringConfig c = new ScoringConfig(
            s.get(KafkaClients.BOOTSTRAP_SERVERS),
            s.get(APPLICATION_ID),
            s.get(StreamsProperties.STATE_DIR),
            s.get(TopicKeys.STATS),
            s.get(TopicKeys.ANOMALIES),
            s.get(TopicKeys.DEADLETTER),
            statistics(s.get(STATISTICS_METRIC)),
            statistics(s.get(STATISTICS_RUM)),
            Path.of(s.get(MODELS_DIR)),
            s.get(MODELS_RELOAD_INTERVAL),
            s.get(CACHE_MAX),
            ModelKeys.detector(s),
            s.get(TopicKeys.ALERTS),
            s.get(ALERT_THRESHOLD),
            s.get(ALERT_RESOLVE_THRESHOLD),
            s.get(ALERT_RESOLVE_WINDOWS),
            s.get(ALERT_WINDOW),
            s.get(ALERT_RENOTIFY),
            ForecastConfig.from(s),
            MultivariateScoringConfig.from(s),
            CapacityConfig.from(s, s.get(ForecastConfig.WINDOW)));
        s.throwIfInvalid("scoring");
        return c;
    }

    /** The same configuration with the scaling advice off (its topic is missing and cannot be created). */
    ScoringConfig withoutCapacity() {
        return new ScoringConfig(bootstrapServers, applicationId, stateDir, statsTopic, anomaliesTopic, deadletterTopic,
            metricStatistics, rumStatistics, modelsDir, reloadInterval, cacheMax, detector, alertsTopic, alertThreshold,
            alertResolveThreshold, alertResolveWindows, alertWindow, alertRenotify, forecast, multivariate, capacity.disabled());
    }

    public static List<Statistic> statistics(List<String> labels) {
        return labels.stream().map(Statistic::ofLabel).toList();
    }

    public static boolean statisticsOk(List<String> labels) {
        try {
            statistics(labels);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
