package dev.perfstream.streams.alerts.rule;

import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.WindowStats;
import java.time.Duration;
import java.util.Map;

/**
 * One threshold rule from a rules file.
 *
 * @param id          unique in its file; part of every alert's fingerprint, so renaming a rule
 *                    starts new alerts
 * @param description free text, shown in summaries when present
 * @param selector    which series
 * @param window      the window size the rule evaluates on (the stats stage emits several)
 * @param statistic   what is compared
 * @param op          breach when {@code value op threshold}
 * @param threshold   in the series' unit (ratios as 0..1)
 * @param resolve     hysteresis: the alert clears once {@code value op resolve} no longer holds
 * @param minCount    windows with fewer events are "no data" (an error rate over 3 events means little)
 * @param severity    of the alert
 * @param alertClass  decides the default playbook
 * @param playbook    hint for the on-call engineer
 * @param labels      copied onto every alert
 * @param policy      state machine settings
 * @param line        line of the rule in its file (1-based), for messages
 * @param version     content hash: changes whenever anything that affects evaluation changes
 * @param noData      what a series that stops sending does to its alert ({@link NoData})
 * @param noDataAfter how long without a window counts as no data (wall clock against the last window's end)
 * @param texts       the rule's own summary, description and runbook_url templates
 * @param baseline    null, or thresholds relative to the series' own history ({@link Baseline}); then
 *                    {@code threshold} and {@code resolve} are floors
 */
public record Rule(String id, String description, Selector selector, Duration window, Statistic statistic, Op op,
                   double threshold, double resolve, long minCount, Severity severity, AlertClass alertClass,
                   String playbook, Map<String, String> labels, Policy policy, int line, String version, NoData noData,
                   Duration noDataAfter, RuleTexts texts, Baseline baseline) {

    /** True when the rule evaluates this record: selector and window size match. */
    public boolean appliesTo(WindowStats s) {
        long size = s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli();
        return size == window.toMillis() && selector.matches(s);
    }

    /** The rule's value for this window, NaN when there is none or too few events. */
    public double valueOf(WindowStats s) {
        if (s.getCount() < minCount) {
            return Double.NaN;
        }
        double v = statistic.extract(s);
        return Double.isFinite(v) ? v : Double.NaN;
    }

    /** This rule with other thresholds (a baseline rule's for one series and window); same id and version. */
    public Rule withThresholds(double newThreshold, double newResolve) {
        return new Rule(id, description, selector, window, statistic, op, newThreshold, newResolve, minCount, severity,
            alertClass, playbook, labels, policy, line, version, noData, noDataAfter, texts, baseline);
    }

    public boolean breached(double value) {
        return op.test(value, threshold);
    }

    public boolean cleared(double value) {
        return !op.test(value, resolve);
    }
}
