package dev.perfstream.streams.alerts.state;

import java.util.List;

/**
 * The persisted state of one alert (one rule or SLO burn rate on one series), keyed by fingerprint
 * in a changelogged store. Times are event time (window bounds), epoch ms, so a replay after a crash
 * reaches the same decisions.
 *
 * @param ruleVersion    version of the rule when last evaluated; a changed rule resets pending counts
 * @param breaches       consecutive breaching windows (PENDING)
 * @param clears         consecutive cleared windows (FIRING)
 * @param pendingSince   window start of the first breaching window of the current run
 * @param startedAt      when the current FIRING began (window start), 0 when not firing
 * @param lastNotified   window end of the last FIRING notification (first or repeat)
 * @param repeats        re-notifications sent for the current FIRING
 * @param lastWindowEnd  newest window evaluated: older or equal windows are ignored (idempotent)
 * @param starts         window starts of recent FIRING starts, for flapping detection
 * @param flapping       the current FIRING is flapping: its RESOLVED waits for the settle windows
 * @param lastValue      the last observed value
 */
public record AlertStatus(String ruleId, String ruleVersion, String series, Phase phase, int breaches, int clears,
                          long pendingSince, long startedAt, long lastNotified, int repeats, long lastWindowEnd,
                          List<Long> starts, boolean flapping, double lastValue) {

    public static AlertStatus initial(String ruleId, String ruleVersion, String series) {
        return new AlertStatus(ruleId, ruleVersion, series, Phase.INACTIVE, 0, 0, 0, 0, 0, 0, Long.MIN_VALUE,
            List.of(), false, Double.NaN);
    }

    /** True when nothing worth keeping remains (no phase, no flapping history). */
    public boolean idle() {
        return phase == Phase.INACTIVE && starts.isEmpty();
    }
}
