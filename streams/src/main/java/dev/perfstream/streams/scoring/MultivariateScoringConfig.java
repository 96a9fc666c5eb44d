package dev.perfstream.streams.scoring;

import dev.perfstream.models.anomaly.MultivariateConfig;
import dev.perfstream.models.anomaly.ServiceVitals;
import dev.perfstream.schemas.config.Settings;
import java.time.Duration;

/**
 * The scoring stage's multivariate detector per service (keys {@code scoring.multivariate.*} and the
 * detector's {@code multivariate.*}; see streams/README).
 *
 * @param enabled       whether the per-service branch (and its repartition topic) is in the topology
 * @param alerts        whether a high multivariate score raises an ANOMALY alert; off by default because
 *                      the detector does not meet the false-alarm target yet (2.5 per service per day on
 *                      the load generator's traffic, target 1; see streams/README): scores still go to
 *                      perf.anomalies and InfluxDB
 * @param window        size of the perf.stats windows that are joined (and alert)
 * @param deadline      stream time after a window's end at which its vector is closed even if not every
 *                      expected series has arrived
 * @param expectWindows a series counts as expected for a service if it had a window among the service's last
 *                      this many windows
 * @param metrics       metric names that feed the vector
 * @param detector      the one-class SVM detector's tuning
 */
public record MultivariateScoringConfig(boolean enabled, boolean alerts, Duration window, Duration deadline, int expectWindows,
                                        ServiceVitals.Metrics metrics, MultivariateConfig detector) {

    public static MultivariateScoringConfig from(Settings s) {
        return new MultivariateScoringConfig(
            s.bool("scoring.multivariate.enabled", true),
            s.bool("scoring.multivariate.alerts", false),
            s.duration("scoring.multivariate.window", Duration.ofMinutes(1)),
            s.duration("scoring.multivariate.deadline", Duration.ofSeconds(30)),
            s.integer("scoring.multivariate.expect.windows", 5, 1, 10_000),
            ServiceVitals.Metrics.from(s),
            MultivariateConfig.from(s));
    }
}
