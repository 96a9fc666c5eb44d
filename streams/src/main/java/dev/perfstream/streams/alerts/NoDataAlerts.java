package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.alerts.rule.Deadman;
import dev.perfstream.streams.alerts.rule.NoData;
import dev.perfstream.streams.alerts.rule.Rule;
import dev.perfstream.streams.alerts.rule.RuleSet;
import dev.perfstream.streams.alerts.state.AlertStatus;
import dev.perfstream.streams.alerts.state.Phase;
import dev.perfstream.streams.alerts.state.Transition;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Series that stop sending: deadman entries (a window from the service resolves a firing one; the
 * wall-clock scan fires it after {@code after} of silence) and rules with {@code no-data: ok} or
 * {@code no-data: alerting}.
 */
final class NoDataAlerts {
    private final AlertStatuses statuses;
    private final AlertOutput out;
    private final Clock clock;

    NoDataAlerts(AlertStatuses statuses, AlertOutput out, Clock clock) {
        this.statuses = statuses;
        this.out = out;
        this.clock = clock;
    }

    /** A window from a deadman's service: remember when, and resolve its alert if it was firing. */
    void seen(Deadman d, WindowStats s, long ts) {
        String series = Deadman.series(s);
        String fp = Series.fingerprint(d.id(), series);
        AlertStatus before = statuses.store.get(fp);
        AlertStatus st = before == null ? AlertStatus.initial(d.id(), d.version(), series) : before;
        long end = s.getWindowEnd().toEpochMilli();
        if (st.phase() != Phase.FIRING && end <= st.lastWindowEnd()) {
            return;
        }
        AlertStatus now = new AlertStatus(d.id(), d.version(), series, Phase.INACTIVE, 0, 0, 0, 0, 0, 0,
            Math.max(end, st.lastWindowEnd()), st.starts(), false, 0);
        statuses.store.put(fp, now);
        if (st.phase() == Phase.FIRING) {
            long silent = end - st.lastWindowEnd();
            AlertStatus closed = new AlertStatus(d.id(), d.version(), series, Phase.INACTIVE, 0, 0, 0, st.startedAt(), 0, 0,
                now.lastWindowEnd(), st.starts(), false, silent / 1000.0);
            out.forward(fp, Notifications.noData(closed, d.id(), AlertSource.RULE, d.severity(), Transition.Emit.RESOLVED, silent,
                d.after().toMillis(), clock.millis(), "RESOLVED " + d.id() + ": " + s.getService() + " sends again"
                    + " (window ending " + s.getWindowEnd() + ") after " + Notifications.human(silent) + " without data",
                d.playbook(), d.labels()), ts);
        }
    }

    /**
     * Series that stopped sending (wall clock against the end of their last window): deadmen fire, and
     * rules with {@code no-data: ok} resolve their firing alerts, {@code no-data: alerting} fire.
     */
    void scan(RuleSet rs, long now) {
        List<KeyValue<String, AlertStatus>> silent = new ArrayList<>();
        try (KeyValueIterator<String, AlertStatus> it = statuses.store.all()) {
            while (it.hasNext()) {
                KeyValue<String, AlertStatus> kv = it.next();
                if (kv.value.lastWindowEnd() != Long.MIN_VALUE) {
                    silent.add(kv);
                }
            }
        }
        for (KeyValue<String, AlertStatus> kv : silent) {
            AlertStatus st = kv.value;
            long quiet = now - st.lastWindowEnd();
            Deadman d = rs.deadman(st.ruleId());
            if (d != null) {
                if (st.phase() != Phase.FIRING && quiet >= d.after().toMillis()) {
                    deadmanFires(kv.key, st, d, quiet, now);
                }
                continue;
            }
            Rule r = rs.rule(st.ruleId());
            if (r == null || r.noData() == NoData.KEEP || quiet < r.noDataAfter().toMillis()) {
                continue;
            }
            if (r.noData() == NoData.OK && st.phase() == Phase.FIRING) {
                AlertStatus resolved = new AlertStatus(st.ruleId(), st.ruleVersion(), st.series(), Phase.INACTIVE, 0, 0, 0,
                    st.startedAt(), 0, 0, st.lastWindowEnd(), st.starts(), false, quiet / 1000.0);
                statuses.store.put(kv.key, resolved);
                out.forward(kv.key, Notifications.noData(resolved, r.id(), AlertSource.RULE, r.severity(), Transition.Emit.RESOLVED,
                    quiet, r.noDataAfter().toMillis(), now, "RESOLVED " + r.id() + ": no data for " + Notifications.human(quiet)
                        + " on " + st.series() + " (no-data: ok): resolved without a recovered value", r.playbook(), r.labels()), now);
            } else if (r.noData() == NoData.ALERTING && st.phase() != Phase.FIRING) {
                AlertStatus firing = new AlertStatus(st.ruleId(), st.ruleVersion(), st.series(), Phase.FIRING, 0, 0, now, now,
                    now, 0, st.lastWindowEnd(), st.starts(), false, quiet / 1000.0);
                statuses.store.put(kv.key, firing);
                out.forward(kv.key, Notifications.noData(firing, r.id(), AlertSource.RULE, r.severity(), Transition.Emit.FIRING, quiet,
                    r.noDataAfter().toMillis(), now, r.severity() + " " + r.id() + ": NO DATA on " + st.series() + " for "
                        + Notifications.human(quiet) + " (no-data: alerting, after " + Notifications.human(r.noDataAfter().toMillis())
                        + ")", r.playbook(), r.labels()), now);
            }
        }
    }

    private void deadmanFires(String fp, AlertStatus st, Deadman d, long quiet, long now) {
        AlertStatus firing = new AlertStatus(st.ruleId(), d.version(), st.series(), Phase.FIRING, 0, 0, now, now, now,
            0, st.lastWindowEnd(), st.starts(), false, quiet / 1000.0);
        statuses.store.put(fp, firing);
        out.forward(fp, Notifications.noData(firing, d.id(), AlertSource.RULE, d.severity(), Transition.Emit.FIRING,
            quiet, d.after().toMillis(), now, d.severity() + " " + d.id() + ": no data from "
                + st.series().substring(st.series().indexOf('=') + 1) + " for " + Notifications.human(quiet)
                + " (last window ended " + java.time.Instant.ofEpochMilli(st.lastWindowEnd()) + "; deadman after "
                + Notifications.human(d.after().toMillis()) + ")", d.playbook(), d.labels()), now);
    }
}
