package dev.perfstream.streams.scoring;

import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.alert.rule.AlertClass;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns anomaly scores into alert state changes (source ANOMALY) on perf.alerts: FIRING on the first window
 * of the alert window size whose score reaches {@code scoring.alert.threshold}, RESOLVED after
 * {@code scoring.alert.resolve.windows} consecutive windows below {@code scoring.alert.resolve.threshold}.
 * One open episode per fingerprint (series, statistic), kept in the {@value ScoringTopology#ALERT_STORE}
 * store, so a restart neither repeats nor forgets an alert. The alerts stage reads only perf.stats, so the
 * scoring stage writes these itself; the flow stays one-directional (stats -> scoring -> alerts topic).
 */
final class AnomalyAlerts {
    private final ScoringConfig cfg;
    private final KeyValueStore<String, byte[]> store;

    AnomalyAlerts(ScoringConfig cfg, KeyValueStore<String, byte[]> store) {
        this.cfg = cfg;
        this.store = store;
    }

    /** @return the alert to emit for this score, or null */
    Alert onScore(String series, Statistic st, WindowStats w, double observed, double expected, double score,
                  Instant now) {
        long size = w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli();
        if (size != cfg.alertWindow().toMillis()) {
            return null;
        }
        String fingerprint = "anomaly|" + series + "|" + st.label();
        Step step = step(fingerprint, w.getWindowStart(), score);
        return step == null ? null
            : alert(fingerprint, series, st, w, observed, expected, score, step.state(), step.startedAt(), now);
    }

    /** A state change of one fingerprint's episode: FIRING or RESOLVED, and when the episode started. */
    record Step(AlertState state, Instant startedAt) {
    }

    /**
     * Advances the episode of {@code fingerprint} by one score (of a window of the alert window size).
     *
     * @return the state change, or null if there is none
     */
    Step step(String fingerprint, Instant windowStart, double score) {
        byte[] state = store.get(fingerprint);
        if (state == null) {
            if (score < cfg.alertThreshold()) {
                return null;
            }
            store.put(fingerprint, ByteBuffer.allocate(12).putLong(windowStart.toEpochMilli()).putInt(0).array());
            return new Step(AlertState.FIRING, windowStart);
        }
        ByteBuffer b = ByteBuffer.wrap(state);
        long startedAt = b.getLong();
        int below = score < cfg.alertResolveThreshold() ? b.getInt() + 1 : 0;
        if (below >= cfg.alertResolveWindows()) {
            store.delete(fingerprint);
            return new Step(AlertState.RESOLVED, Instant.ofEpochMilli(startedAt));
        }
        store.put(fingerprint, ByteBuffer.allocate(12).putLong(startedAt).putInt(below).array());
        return null;
    }

    private Alert alert(String fingerprint, String series, Statistic st, WindowStats w, double observed,
                        double expected, double score, AlertState state, Instant startedAt, Instant now) {
        String what = st.label() + " of " + w.getName() + " on " + w.getService() + " " + w.getRoute();
        String summary = state == AlertState.FIRING
            ? String.format("Anomalous %s: %.4g %s, expected about %.4g (score %.2f)", what, observed,
                st == Statistic.ERROR_RATE ? "" : st == Statistic.RATE ? "/s" : w.getUnit(), expected, score)
            : "Back to normal: " + what;
        return Alert.newBuilder().setFingerprint(fingerprint).setRule("anomaly").setSource(AlertSource.ANOMALY)
            .setSeverity(Severity.WARNING).setState(state).setSeries(series).setStatistic(st.label())
            .setValue(score).setThreshold(cfg.alertThreshold())
            .setWindowStart(w.getWindowStart()).setWindowEnd(w.getWindowEnd()).setStartedAt(startedAt)
            .setNotifiedAt(now).setSummary(summary).setPlaybook(playbook(st, w))
            .setLabels(Map.of("observed", Double.toString(observed), "expected", Double.toString(expected),
                "service", w.getService(), "route", w.getRoute()))
            .build();
    }

    static String playbook(Statistic st, WindowStats w) {
        if (w.getKind() == SeriesKind.RUM) {
            // frontend signals get frontend advice (one text per class: the rules' AlertClass)
            return ("TTFB".equals(w.getName()) ? AlertClass.CDN : AlertClass.FRONTEND).playbook();
        }
        if (st == Statistic.ERROR_RATE) {
            return "High error rate: check recent deploys, dependency health and logs of the failing route.";
        }
        if (st == Statistic.RATE) {
            return "Traffic surge or drop: check upstream callers, autoscaling and rate limits.";
        }
        if (w.getName().startsWith("db.")) {
            return "Database issue: check slow query log, locks, connection pool and recent schema changes.";
        }
        if (w.getName().startsWith("cpu.") || w.getName().startsWith("memory.")) {
            return "Resource exhaustion: check saturation, leaks and recent load changes; scale out if needed.";
        }
        return "High latency: check dependencies (DB, downstream calls), saturation and recent deploys.";
    }
}
