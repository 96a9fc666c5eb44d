package dev.perfstream.streams.scoring;

import dev.perfstream.models.anomaly.DetectorConfig;
import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Configuration of the scoring stage (keys in streams/README and models/README).
 *
 * @param metricStatistics statistics scored for METRIC series
 * @param rumStatistics    statistics scored for RUM series
 * @param modelsDir        root of the model store (share it between instances)
 * @param reloadInterval   how often the stage looks for newer model versions in the store
 * @param cacheMax         detectors kept decoded in memory per task (the rest are read from the store)
 * @param alertThreshold   score at which an ANOMALY alert fires (windows of {@code alertWindow} size only)
 * @param alertResolveThreshold an alert resolves after {@code alertResolveWindows} windows below this score
 * @param forecast       forecasts to perf.forecasts and FORECAST (capacity / SLO) alerts
 * @param multivariate   the per-service multivariate detector
 */
public record ScoringConfig(String bootstrapServers, String applicationId, String stateDir, String statsTopic,
                            String anomaliesTopic, String deadletterTopic, List<Statistic> metricStatistics,
                            List<Statistic> rumStatistics, Path modelsDir, Duration reloadInterval, int cacheMax,
                            DetectorConfig detector, String alertsTopic, double alertThreshold,
                            double alertResolveThreshold, int alertResolveWindows, Duration alertWindow,
                            ForecastConfig forecast, MultivariateScoringConfig multivariate) {

    public static ScoringConfig from(Settings s) {
        ScoringConfig c = new ScoringConfig(
            s.string("kafka.bootstrap.servers", "127.0.0.1:9092"),
            s.string("scoring.application.id", "perfstream-scoring"),
            s.string("state.dir", ".perfstream/state"),
            s.string("topic.stats", Topics.STATS),
            s.string("topic.anomalies", Topics.ANOMALIES),
            s.string("topic.deadletter", Topics.DEADLETTER),
            statistics(s, "scoring.statistics.metric", List.of("p95", "error_rate", "rate")),
            statistics(s, "scoring.statistics.rum", List.of("p75")),
            Path.of(s.string("models.dir", ".perfstream/models")),
            s.duration("models.reload.interval", Duration.ofSeconds(30)),
            s.integer("scoring.cache.max", 10_000, 1, 10_000_000),
            DetectorConfig.from(s),
            s.string("topic.alerts", Topics.ALERTS),
            s.decimal("scoring.alert.threshold", 0.9, 0.0, 1.0),
            s.decimal("scoring.alert.resolve.threshold", 0.5, 0.0, 1.0),
            s.integer("scoring.alert.resolve.windows", 3, 1, 10_000),
            s.duration("scoring.alert.window", Duration.ofMinutes(1)),
            ForecastConfig.from(s),
            MultivariateScoringConfig.from(s));
        s.throwIfInvalid("scoring");
        return c;
    }

    private static List<Statistic> statistics(Settings s, String key, List<String> def) {
        try {
            return s.list(key, def).stream().map(Statistic::ofLabel).toList();
        } catch (IllegalArgumentException e) {
            s.problem(key + ": " + e.getMessage());
            return List.of();
        }
    }
}
