package dev.perfstream.streams.alerts.rule;

import dev.perfstream.streams.alerts.slo.Slo;
import java.util.List;

/**
 * The rules and SLOs of one loaded rules file, immutable. {@code version} is a hash of the content
 * that matters for evaluation, so a reload of an unchanged file is a no-op.
 *
 * @param source   file name (or resource) it came from
 * @param deadmen  dead man's switches: services that must keep sending
 * @param warnings non-fatal findings, e.g. a selector that can match no series
 */
public record RuleSet(List<Rule> rules, List<Slo> slos, List<Deadman> deadmen, String source, String version,
                      List<RuleProblem> warnings) {
    public RuleSet(List<Rule> rules, List<Slo> slos, String source, String version, List<RuleProblem> warnings) {
        this(rules, slos, List.of(), source, version, warnings);
    }

    public boolean hasId(String id) {
        return rules.stream().anyMatch(r -> r.id().equals(id)) || slos.stream().anyMatch(s -> s.id().equals(id))
            || deadmen.stream().anyMatch(d -> d.id().equals(id));
    }

    public Rule rule(String id) {
        return rules.stream().filter(r -> r.id().equals(id)).findFirst().orElse(null);
    }

    public Deadman deadman(String id) {
        return deadmen.stream().filter(d -> d.id().equals(id)).findFirst().orElse(null);
    }
}
