package dev.perfstream.streams.stage;

import dev.perfstream.schemas.config.ConfigCatalog;
import dev.perfstream.schemas.config.ConfigDeclarations;
import dev.perfstream.schemas.config.ConfigGroup;
import dev.perfstream.streams.alerts.AlertsConfig;
import dev.perfstream.streams.alerts.attribution.AttributionConfig;
import dev.perfstream.streams.impact.ImpactConfig;
import dev.perfstream.streams.release.ReleaseConfig;
import dev.perfstream.streams.outage.ParkedRecords;
import dev.perfstream.streams.scoring.forecast.CapacityConfig;
import dev.perfstream.streams.scoring.forecast.ForecastConfig;
import dev.perfstream.streams.scoring.ModelKeys;
import dev.perfstream.streams.scoring.multivariate.MultivariateScoringConfig;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.stats.QueryCacheConfig;
import dev.perfstream.streams.stats.RumElementsConfig;
import dev.perfstream.streams.stats.StatsConfig;
import java.util.List;
import java.util.Map;

/** The keys of the three Kafka Streams stages and of the models the scoring stage runs. */
public final class StreamsConfigDeclarations implements ConfigDeclarations {
    @Override
    public List<ConfigGroup> groups() {
        return List.of(
            ConfigGroup.of("streams", "Kafka Streams stages (all three)", 35, StreamsProperties.class,
                ParkedRecords.Config.class),
            ConfigGroup.of("stats", "Stats stage (perf.metrics, perf.rum -> perf.stats, perf.queries, perf.cache, perf.impact,"
                + " perf.rum.elements)", 40, StatsConfig.class, QueryCacheConfig.class, ImpactConfig.class,
                RumElementsConfig.class),
            ConfigGroup.of("alerts", "Alerts stage (perf.stats -> perf.alerts)", 50, AlertsConfig.class,
                AttributionConfig.class),
            ConfigGroup.of("release", "Release comparison: per-version windows (stats), REGRESSION alerts (alerts), "
                + "perfstream compare", 52, ReleaseConfig.class),
            ConfigGroup.of("scoring", "Scoring stage (perf.stats -> perf.anomalies, perf.forecasts, perf.alerts)", 60,
                ScoringConfig.class),
            ConfigGroup.of("forecast", "Scoring stage: forecasts and FORECAST alerts", 62, ForecastConfig.class),
            ConfigGroup.of("multivariate", "Scoring stage: the per-service multivariate score", 64,
                MultivariateScoringConfig.class),
            ConfigGroup.of("capacity", "Scoring stage: scaling advice per service (perf.recommendations)", 65,
                CapacityConfig.class),
            ConfigGroup.of("models", "Model tuning (per-series and multivariate detectors)", 66, ModelKeys.class));
    }

    @Override
    public Map<String, ConfigCatalog.PassThroughValidator> passThroughValidators() {
        return Map.of(StreamsProperties.STREAMS.name(), StreamsProperties::streamsProblem);
    }
}
