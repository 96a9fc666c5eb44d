package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.alerts.attribution.Attributor;
import dev.perfstream.streams.alerts.rule.AlertClass;
import dev.perfstream.streams.alerts.rule.NoData;
import dev.perfstream.streams.alerts.rule.Rule;
import dev.perfstream.streams.alerts.state.AlertStateMachine;
import dev.perfstream.streams.alerts.state.AlertStatus;
import dev.perfstream.streams.alerts.state.Transition;
import java.time.Clock;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Threshold rules on one window: the rule's value against its thresholds (or against the series'
 * own baseline), through the alert state machine; a high-latency FIRING is handed to attribution
 * to be held until its dependency windows are in.
 */
final class RuleAlerts {
    private final AlertStatuses statuses;
    /** Baseline rules: "windows seen,baseline,last window end" by alert fingerprint (changelogged). */
    private final KeyValueStore<String, String> baselines;
    /** Null when attribution is off. */
    private final Attributor attribution;
    private final AlertOutput out;
    private final Clock clock;
    private final LongSupplier systemTime;

    RuleAlerts(AlertStatuses statuses, KeyValueStore<String, String> baselines, Attributor attribution, AlertOutput out,
               Clock clock, LongSupplier systemTime) {
        this.statuses = statuses;
        this.baselines = baselines;
        this.attribution = attribution;
        this.out = out;
        this.clock = clock;
        this.systemTime = systemTime;
    }

    void evaluate(Rule configured, WindowStats s, long ts) {
        String series = SeriesKey.of(s).display();
        String fp = Series.fingerprint(configured.id(), series);
        AlertStatus before = statuses.store.get(fp);
        AlertStatus st = AlertStatuses.current(before, configured.id(), configured.version(), series);
        double v = configured.valueOf(s);
        Rule rule = configured;
        if (configured.baseline() != null) {
            rule = againstBaseline(configured, fp, v, s.getWindowEnd().toEpochMilli());
            if (rule == null) {
                v = Double.NaN; // not enough history yet: no data
                rule = configured;
            }
        }
        boolean known = !Double.isNaN(v);
        long ws = s.getWindowStart().toEpochMilli();
        long we = s.getWindowEnd().toEpochMilli();
        Transition t = AlertStateMachine.step(st, rule.policy(), ws, we, v, known && rule.breached(v),
            known && rule.cleared(v));
        statuses.save(fp, before, t.status(), rule.noData() != NoData.KEEP); // kept to notice when the series stops
        if (t.emit() != Transition.Emit.NONE) {
            Alert a = Notifications.forRule(rule, t.status(), t.emit(), ws, we, s.getUnit(), clock.millis());
            if (attribution != null && t.emit() == Transition.Emit.FIRING && rule.alertClass() == AlertClass.HIGH_LATENCY
                && Attributor.attributable(s)) {
                // Held until the dependency windows of this window are in (normally they come with it): see Attributor
                attribution.hold(fp, a, s, systemTime.getAsLong(), ts);
            } else {
                out.forward(fp, a, ts);
            }
        }
    }

    /**
     * A baseline rule for this series and window: its thresholds at {@code factor} times the series' baseline
     * (never under the rule's own floors), or null while the history is shorter than {@code min-windows}. Then
     * the window moves the baseline, unless it breaches. Each window counts once: a replayed one (end not after
     * the last) leaves the baseline alone.
     */
    private Rule againstBaseline(Rule rule, String fp, double v, long windowEnd) {
        String stored = baselines.get(fp);
        long seen = 0;
        double base = Double.NaN;
        long lastEnd = Long.MIN_VALUE;
        if (stored != null) {
            String[] p = stored.split(",");
            seen = Long.parseLong(p[0]);
            base = Double.parseDouble(p[1]);
            lastEnd = Long.parseLong(p[2]);
        }
        Rule effective = seen >= rule.baseline().minWindows()
            ? rule.withThresholds(Math.max(rule.threshold(), rule.baseline().factor() * base),
                Math.max(rule.resolve(), rule.baseline().factor() * base))
            : null;
        if (!Double.isNaN(v) && windowEnd > lastEnd && (effective == null || !effective.breached(v))) {
            baselines.put(fp, (seen + 1) + "," + rule.baseline().next(base, seen, v) + "," + windowEnd);
        }
        return effective;
    }
}
