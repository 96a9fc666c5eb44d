package dev.perfstream.streams.alerts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which rules matched a series on this instance of the alerts stage, over every task and both evaluators (window
 * stats, and the statement / cache stats): a rule none of them matched in its first {@code warnAfter} is named in
 * one warning. Per task, the warning would name the rules whose series another task or evaluator owns.
 */
final class RuleUsage {
    private static final Logger LOG = LoggerFactory.getLogger(RuleUsage.class);

    private final Duration warnAfter;
    private final Set<String> matched = new HashSet<>();
    private String version;
    private long since;
    private boolean reported;

    RuleUsage(Duration warnAfter) {
        this.warnAfter = warnAfter;
    }

    /** Rule (or SLO, or deadman) {@code id} of rule set {@code version} matched a series. */
    synchronized void matched(String version, String id) {
        if (version.equals(this.version)) {
            matched.add(id);
        }
    }

    /**
     * Called by every evaluator on its wall-clock tick and when it sees a rule set: a new version starts the wait
     * again; once it is over, the rules that matched nothing anywhere are logged, once per version.
     *
     * @param ids every rule and SLO id of the rule set
     * @return the ids just logged as matching nothing (empty if none, or not now)
     */
    synchronized List<String> check(String version, List<String> ids, long now) {
        if (!version.equals(this.version)) {
            this.version = version;
            since = now;
            matched.clear();
            reported = false;
            return List.of();
        }
        if (reported || now - since < warnAfter.toMillis() || matched.isEmpty()) {
            return List.of();
        }
        reported = true;
        List<String> none = new ArrayList<>();
        ids.stream().filter(id -> !matched.contains(id)).forEach(none::add);
        if (!none.isEmpty()) {
            LOG.warn("rules matched no series in their first {} on this instance: {} (check selector and window)",
                warnAfter, none);
        }
        return none;
    }
}
