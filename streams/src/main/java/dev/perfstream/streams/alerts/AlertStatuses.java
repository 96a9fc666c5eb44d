package dev.perfstream.streams.alerts;

import dev.perfstream.streams.alerts.state.AlertStatus;
import dev.perfstream.streams.alerts.state.Phase;
import org.apache.kafka.streams.state.KeyValueStore;

/** The alert statuses by fingerprint ({@link AlertsTopology#STATUS_STORE} or the derived one), and how they are kept. */
final class AlertStatuses {
    final KeyValueStore<String, AlertStatus> store;

    AlertStatuses(KeyValueStore<String, AlertStatus> store) {
        this.store = store;
    }

    /** The stored status, or a fresh one; a changed rule keeps a FIRING alert but restarts pending counts. */
    static AlertStatus current(AlertStatus stored, String id, String version, String series) {
        if (stored == null) {
            return AlertStatus.initial(id, version, series);
        }
        if (stored.ruleVersion().equals(version)) {
            return stored;
        }
        boolean firing = stored.phase() == Phase.FIRING;
        return new AlertStatus(id, version, series, firing ? Phase.FIRING : Phase.INACTIVE, firing ? stored.breaches() : 0,
            0, firing ? stored.pendingSince() : 0, stored.startedAt(), stored.lastNotified(), stored.repeats(),
            stored.lastWindowEnd(), stored.starts(), stored.flapping(), stored.lastValue());
    }

    /** Stores {@code after} if it changed; an idle status is deleted unless {@code keepIdle} (to notice a series stopping). */
    void save(String fp, AlertStatus before, AlertStatus after, boolean keepIdle) {
        if (after.idle() && !keepIdle) {
            if (before != null) {
                store.delete(fp);
            }
        } else if (!after.equals(before)) {
            store.put(fp, after);
        }
    }
}
