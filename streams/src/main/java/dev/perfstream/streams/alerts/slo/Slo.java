package dev.perfstream.streams.alerts.slo;

import dev.perfstream.streams.alerts.rule.Policy;
import dev.perfstream.streams.alerts.rule.Selector;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An availability SLO per service: the share of good events (outcome OK) of {@code metric} must
 * stay at or above {@code objective}. Error and event totals come from the stats stage's windows of
 * size {@code window}, summed over every route of the service.
 *
 * @param service   glob on the service name: one SLO instance per matching service
 * @param objective 0..1, e.g. 0.999
 * @param minEvents a burn-rate window with fewer events is "no data" (2 errors in 3 requests is no page)
 * @param minCoverage share of a burn rate's long window that must hold data before it is evaluated:
 *                  over a partial window (just after deployment) the long-window burn is overestimated,
 *                  e.g. one bad minute after 60 calm ones looks like a day at 3x
 * @param policy    state machine settings; burn-rate alerts default to firing and clearing at once
 */
public record Slo(String id, String service, double objective, String metric, Duration window, long minEvents,
                  double minCoverage, List<BurnRate> burnRates, Map<String, String> labels, String playbook, Policy policy, int line,
                  String version) {

    public boolean matchesService(String s) {
        return Selector.glob(service, s, false);
    }

    /** Longest look-back of any burn rate: how long buckets are kept. */
    public Duration longest() {
        return burnRates.stream().map(BurnRate::longWindow).max(Duration::compareTo).orElse(Duration.ofDays(1));
    }
}
