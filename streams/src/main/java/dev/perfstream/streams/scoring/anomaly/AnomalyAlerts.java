package dev.perfstream.streams.scoring.anomaly;

import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.alerts.rule.AlertClass;
import dev.perfstream.streams.alerts.rule.Policy;
import dev.perfstream.streams.alerts.state.AlertEpisodes;
import dev.perfstream.streams.alerts.state.Transition;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.scoring.ScoringTopology;

/**
 * Turns anomaly scores into alert state changes (source ANOMALY) on perf.alerts: FIRING on the first window
 * of the alert window size whose score reaches {@code scoring.alert.threshold}, RESOLVED after
 * {@code scoring.alert.resolve.windows} consecutive windows below {@code scoring.alert.resolve.threshold},
 * reminders and flapping as {@link #policy} says. One episode per fingerprint (series, statistic), advanced by
 * the rules' {@link dev.perfstream.streams.alerts.state.AlertStateMachine} and kept in the
 * {@value ScoringTopology#ALERT_STORE} store, so a restart neither repeats nor forgets an alert. The alerts
 * stage reads only perf.stats, so the scoring stage writes these itself; the flow stays one-directional
 * (stats -> scoring -> alerts topic).
 */
public final class AnomalyAlerts {
    private final ScoringConfig cfg;
    private final AlertEpisodes episodes;

    public AnomalyAlerts(ScoringConfig cfg, KeyValueStore<String, byte[]> store) {
        this.cfg = cfg;
        this.episodes = new AlertEpisodes(store, policy(cfg));
    }

    /**
     * The lifecycle of ANOMALY alerts: FIRING on the first window at or above the threshold, RESOLVED after
     * {@code scoring.alert.resolve.windows} below the resolve threshold, a reminder every
     * {@code scoring.alert.renotify} while firing, and the rules' flapping defaults (the third start within
     * 30 min marks the alert flapping; it then resolves only after 5 calm windows).
     */
    public static Policy policy(ScoringConfig cfg) {
        return new Policy(1, cfg.alertResolveWindows(), cfg.alertRenotify(), Policy.DEFAULT.flapStarts(),
            Policy.DEFAULT.flapWithin(), Policy.DEFAULT.flapSettle());
    }

    /** @return the alert to emit for this score, or null */
    Alert onScore(String series, Statistic st, WindowStats w, double observed, double expected, double score,
                  Instant now) {
        long size = w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli();
        if (size != cfg.alertWindow().toMillis()) {
            return null;
        }
        String fingerprint = "anomaly|" + series + "|" + st.label();
        Step step = step(fingerprint, series, w.getWindowStart(), w.getWindowEnd(), score);
        return step == null ? null
            : alert(fingerprint, series, st, w, observed, expected, score, step, now);
    }

    /**
     * A notification of one fingerprint's episode: FIRING (the first, or a reminder) or RESOLVED, when the episode
     * started, and whether it is flapping.
     */
    public record Step(AlertState state, Instant startedAt, Transition.Emit emit, boolean flapping, int repeats) {
        /** What the alert's summary adds to its text: a reminder's number, a flapping alert's held resolution. */
        public String note(Policy p) {
            return (flapping && state == AlertState.FIRING ? "; FLAPPING, resolution held until calm for "
                + Math.max(p.resolveWindows(), p.flapSettle()) + " windows" : "")
                + (emit == Transition.Emit.REPEAT ? "; still anomalous, reminder " + repeats : "");
        }

        public static Step of(Transition t) {
            AlertState state = switch (t.emit()) {
                case NONE -> null;
                case FIRING, REPEAT -> AlertState.FIRING;
                case RESOLVED -> AlertState.RESOLVED;
            };
            return state == null ? null : new Step(state, Instant.ofEpochMilli(t.status().startedAt()), t.emit(),
                t.status().flapping(), t.status().repeats());
        }
    }

    /**
     * Advances the episode of {@code fingerprint} by one score (of a window of the alert window size).
     *
     * @return the notification, or null if there is none
     */
    public Step step(String fingerprint, String series, Instant windowStart, Instant windowEnd, double score) {
        return Step.of(episodes.observe(fingerprint, series, windowStart.toEpochMilli(), windowEnd.toEpochMilli(), score,
            score >= cfg.alertThreshold(), score < cfg.alertResolveThreshold()));
    }

    Policy policy() {
        return episodes.policy();
    }

    private Alert alert(String fingerprint, String series, Statistic st, WindowStats w, double observed,
                        double expected, double score, Step step, Instant now) {
        AlertState state = step.state();
        String what = st.label() + " of " + w.getName() + " on " + w.getService() + " " + w.getRoute();
        String summary = state == AlertState.FIRING
            ? String.format("Anomalous %s: %.4g %s, expected about %.4g (score %.2f)", what, observed,
                st == Statistic.ERROR_RATE ? "" : st == Statistic.RATE ? "/s" : w.getUnit(), expected, score)
            : "Back to normal: " + what;
        summary += step.note(policy());
        return Alert.newBuilder().setFingerprint(fingerprint).setRule("anomaly").setSource(AlertSource.ANOMALY)
            .setSeverity(Severity.WARNING).setState(state).setSeries(series).setStatistic(st.label())
            .setValue(score).setThreshold(cfg.alertThreshold())
            .setWindowStart(w.getWindowStart()).setWindowEnd(w.getWindowEnd()).setStartedAt(step.startedAt())
            .setNotifiedAt(now).setSummary(summary).setPlaybook(playbook(st, w))
            .setLabels(Map.of("observed", Double.toString(observed), "expected", Double.toString(expected),
                "service", w.getService(), "route", w.getRoute(),
                "notification", step.emit().name().toLowerCase(java.util.Locale.ROOT)))
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
