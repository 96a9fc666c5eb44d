package dev.perfstream.streams.scoring.multivariate;

import dev.perfstream.models.anomaly.MultivariateDetector;
import dev.perfstream.models.anomaly.ServiceVitals;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.series.SeriesKey;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.scoring.anomaly.AnomalyAlerts;

/**
 * ANOMALY alerts of the multivariate detector: the summary names every dimension with its value and its
 * robust z against the model's training data, the playbook follows the dimension furthest from normal, and
 * the labels carry the vector (so a pager bridge can show it without querying InfluxDB).
 */
final class MultivariateAlerts {
    private MultivariateAlerts() {
    }

    static Alert alert(ScoringConfig cfg, MultivariatePending.Window p, List<String> names, double[] vector,
                       MultivariateDetector.Result res, AnomalyAlerts.Step step, int expected, Instant now) {
        String series = SeriesKey.multivariate(p.service).id();
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("service", p.service);
        StringBuilder what = new StringBuilder();
        int worst = 0;
        for (int i = 0; i < names.size(); i++) {
            labels.put(names.get(i), Double.toString(vector[i]));
            labels.put("z_" + names.get(i), String.format(Locale.ROOT, "%.2f", res.z()[i]));
            what.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.4g%s (z %+.1f)", names.get(i),
                vector[i], unit(names.get(i)), res.z()[i]));
            if (Math.abs(res.z()[i]) > Math.abs(res.z()[worst])) {
                worst = i;
            }
        }
        labels.put("series_arrived", Integer.toString(p.series.size()));
        labels.put("series_expected", Integer.toString(expected));
        String partial = p.series.size() < expected
            ? String.format(Locale.ROOT, "; from %d of %d expected series", p.series.size(), expected) : "";
        String summary = step.state() == AlertState.FIRING
            ? String.format(Locale.ROOT, "Unusual combination of vitals on %s: %s (score %.2f%s)", p.service, what,
                res.score(), partial)
            : "Back to normal: joint vitals of " + p.service;
        summary += step.note(AnomalyAlerts.policy(cfg));
        labels.put("notification", step.emit().name().toLowerCase(Locale.ROOT));
        return Alert.newBuilder().setFingerprint("anomaly|" + series + "|" + MultivariateProcessor.STATISTIC)
            .setRule("anomaly-multivariate").setSource(AlertSource.ANOMALY).setSeverity(Severity.WARNING)
            .setState(step.state()).setSeries(series).setStatistic(MultivariateProcessor.STATISTIC)
            .setValue(res.score()).setThreshold(cfg.alertThreshold())
            .setWindowStart(Instant.ofEpochMilli(p.start)).setWindowEnd(Instant.ofEpochMilli(p.end))
            .setStartedAt(step.startedAt()).setNotifiedAt(now).setSummary(summary)
            .setPlaybook(playbook(names.get(worst))).setLabels(labels).build();
    }

    private static String unit(String dimension) {
        return switch (dimension) {
            case ServiceVitals.LATENCY -> " ms";
            case ServiceVitals.THROUGHPUT -> "/s";
            case ServiceVitals.CPU -> " %";
            case ServiceVitals.MEMORY -> " B";
            default -> "";
        };
    }

    static String playbook(String dimension) {
        return switch (dimension) {
            case ServiceVitals.ERROR_RATE ->
                "High error rate with unusual vitals: check recent deploys, dependency health and logs.";
            case ServiceVitals.THROUGHPUT ->
                "Traffic unlike the usual for this latency / resource use: check callers, autoscaling and rate limits.";
            case ServiceVitals.CPU, ServiceVitals.MEMORY ->
                "Resource use unlike the usual for this traffic: check saturation, leaks, runaway jobs; scale out if needed.";
            default -> "Latency unlike the usual for this traffic: check dependencies (DB, downstream calls) and recent deploys.";
        };
    }
}
