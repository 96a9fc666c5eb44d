package dev.perfstream.streams.alerts.rule;

import static dev.perfstream.streams.alerts.rule.ParseContext.hash;
import static dev.perfstream.streams.alerts.rule.ParseContext.human;

import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.streams.alerts.slo.BurnRate;
import dev.perfstream.streams.alerts.slo.Slo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/** Reads one entry of {@code slos:} (an availability objective with its burn rates) for {@link RuleParser}. */
final class SloReader {
    private static final Set<String> SLO_KEYS = Set.of("id", "service", "objective", "metric", "window",
        "min-events", "min-coverage", "burn-rates", "labels", "playbook", "for", "resolve-for", "renotify", "flapping");
    private static final Set<String> BURN_KEYS = Set.of("name", "severity", "factor", "long", "short");

    private final ParseContext c;
    private final YamlFields y;

    SloReader(ParseContext c) {
        this.c = c;
        this.y = c.y;
    }

    /** The SLO, or null when it has problems (recorded in the context). */
    Slo read(Node n) {
        int before = y.problems().size();
        if (!(n instanceof MappingNode)) {
            y.error(n, "an SLO must be a mapping (id, service, objective, ...)");
            return null;
        }
        Map<String, Node> f = y.fields((MappingNode) n, SLO_KEYS, "slo");
        String id = y.required(f, "id", n);
        String service = f.get("service") == null ? Selector.ANY : y.scalar(f.get("service"), "service");
        Double objective = f.get("objective") == null ? Double.valueOf(0.999) : y.number(f.get("objective"), "objective", null);
        if (objective != null && objective > 1 && objective < 100) {
            objective = objective / 100; // written as a percentage, 99.9
        }
        if (objective != null && !(objective > 0 && objective < 1)) {
            y.error(f.get("objective"), "objective must be between 0 and 100 % (exclusive), e.g. 99.9 or \"99.9%\"");
        }
        String metric = f.get("metric") == null ? "http.server.duration" : y.scalar(f.get("metric"), "metric");
        Duration window = y.duration(f.get("window"), "window", Duration.ofMinutes(1));
        long minEvents = y.integer(f.get("min-events"), "min-events", 10, 1);
        Double coverage = f.get("min-coverage") == null ? Double.valueOf(1.0) : y.number(f.get("min-coverage"), "min-coverage", null);
        if (coverage != null && (coverage < 0 || coverage > 1)) {
            y.error(f.get("min-coverage"), "min-coverage must be between 0 and 1 (or 0% and 100%)");
        }
        List<BurnRate> burns = burnRates(f.get("burn-rates"));
        for (BurnRate b : burns) {
            if (b.shortWindow().compareTo(window) < 0 || b.longWindow().compareTo(b.shortWindow()) <= 0) {
                y.error(n, "burn rate '" + b.name() + "': need window (" + window + ") <= short (" + b.shortWindow()
                    + ") < long (" + b.longWindow() + ")");
            }
        }
        Map<String, String> labels = y.labels(f.get("labels"));
        String playbook = f.get("playbook") == null ? AlertClass.ERROR_BURST.playbook() : y.scalar(f.get("playbook"), "playbook");
        Policy policy = c.policy(f, new Policy(1, 1, Policy.DEFAULT.renotify(), Policy.DEFAULT.flapStarts(),
            Policy.DEFAULT.flapWithin(), Policy.DEFAULT.flapSettle()));
        if (y.problems().size() > before || id == null || objective == null || coverage == null) {
            return null;
        }
        if (c.unmatchedWindow(window)) {
            c.warn(n, "slo '" + id + "' sums " + human(window)
                + " windows but the stats stage emits " + human(c.statsWindows) + ": it matches nothing");
        }
        String version = hash(String.join("|", id, service, Double.toString(objective), metric, window.toString(),
            Long.toString(minEvents), Double.toString(coverage), burns.toString(), labels.toString(), playbook, policy.toString()));
        return new Slo(id, service, objective, metric, window, minEvents, coverage, List.copyOf(burns), labels, playbook, policy,
            YamlFields.line(n), version);
    }

    /** The listed burn rates, or the defaults when the key is absent; invalid entries are left out. */
    private List<BurnRate> burnRates(Node list) {
        List<BurnRate> burns = new ArrayList<>();
        if (list == null) {
            burns.addAll(BurnRate.DEFAULTS);
        }
        for (Node b : y.list(list, "burn-rates")) {
            BurnRate br = burnRate(b, burns.size());
            if (br != null) {
                burns.add(br);
            }
        }
        return burns;
    }

    private BurnRate burnRate(Node n, int index) {
        if (!(n instanceof MappingNode)) {
            y.error(n, "a burn rate must be a mapping (severity, factor, long, short)");
            return null;
        }
        int before = y.problems().size();
        Map<String, Node> f = y.fields((MappingNode) n, BURN_KEYS, "burn rate");
        String name = f.get("name") == null ? "burn" + (index + 1) : y.scalar(f.get("name"), "name");
        Double factor = y.number(f.get("factor"), "factor", null);
        if (f.get("factor") == null) {
            y.error(n, "burn rate needs 'factor'");
        } else if (factor != null && factor <= 0) {
            y.error(f.get("factor"), "factor must be > 0");
        }
        if (f.get("long") == null || f.get("short") == null) {
            y.error(n, "burn rate needs 'long' and 'short' windows, e.g. long: 1h, short: 5m");
        }
        Duration lw = y.duration(f.get("long"), "long", Duration.ofHours(1));
        Duration sw = y.duration(f.get("short"), "short", Duration.ofMinutes(5));
        Severity sev = y.severity(f.get("severity"), Severity.PAGE);
        return y.problems().size() > before || factor == null ? null : new BurnRate(name, sev, factor, lw, sw);
    }
}
