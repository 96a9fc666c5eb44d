package dev.perfstream.streams.alerts.rule;

import static dev.perfstream.streams.alerts.rule.ParseContext.hash;
import static dev.perfstream.streams.alerts.rule.ParseContext.human;

import dev.perfstream.schemas.avro.Severity;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/** Reads one entry of {@code deadman:} (a service that stopped sending) for {@link RuleParser}. */
final class DeadmanReader {
    private static final Set<String> DEADMAN_KEYS = Set.of("id", "select", "after", "severity", "playbook", "labels");

    private final ParseContext c;
    private final YamlFields y;

    DeadmanReader(ParseContext c) {
        this.c = c;
        this.y = c.y;
    }

    /** The deadman entry, or null when it has problems (recorded in the context). */
    Deadman read(Node n, ParseContext.Defaults d) {
        int before = y.problems().size();
        if (!(n instanceof MappingNode)) {
            y.error(n, "a deadman entry must be a mapping (id, select, after)");
            return null;
        }
        Map<String, Node> f = y.fields((MappingNode) n, DEADMAN_KEYS, "deadman");
        String id = y.required(f, "id", n);
        Selector sel = c.selector(f.get("select"), n);
        if (f.get("after") == null) {
            y.error(n, "missing 'after' (how long without data fires it, e.g. after: 5m)");
        }
        Duration after = y.duration(f.get("after"), "after", Duration.ofMinutes(5));
        if (after.compareTo(Duration.ofMinutes(1)) < 0) {
            y.error(f.get("after"), "after " + human(after) + " is shorter than a window reaches the alerts stage"
                + " (window + grace + stats.idle.close): use 1m or more");
        }
        Severity sev = y.severity(f.get("severity"), d.severity());
        String playbook = f.get("playbook") == null ? "No data from this service: check that it runs and that its"
            + " instrumentation (or its producer, collector or exporter) still reaches perf.metrics / perf.rum."
            : y.scalar(f.get("playbook"), "playbook");
        Map<String, String> labels = y.labels(f.get("labels"));
        if (y.problems().size() > before || id == null || sel == null) {
            return null;
        }
        String version = hash(String.join("|", "deadman", id, sel.toString(), after.toString(), sev.name(), playbook,
            labels.toString()));
        return new Deadman(id, sel, after, sev, playbook, labels, YamlFields.line(n), version);
    }
}
