package dev.perfstream.streams.alerts.rule;

import static dev.perfstream.streams.alerts.rule.ParseContext.fmt;
import static dev.perfstream.streams.alerts.rule.ParseContext.hash;
import static dev.perfstream.streams.alerts.rule.ParseContext.human;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.Vital;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/** Reads one entry of {@code rules:} (a threshold rule, with its texts and optional baseline) for {@link RuleParser}. */
final class RuleReader {
    private static final Set<String> RULE_KEYS = Set.of("id", "description", "select", "window", "statistic", "op",
        "threshold", "resolve", "for", "resolve-for", "min-count", "severity", "class", "playbook", "labels",
        "renotify", "flapping", "no-data", "no-data-after", "summary", "runbook_url", "baseline");
    private static final Set<String> BASELINE_KEYS = Set.of("factor", "windows", "min-windows");

    private final ParseContext c;
    private final YamlFields y;

    RuleReader(ParseContext c) {
        this.c = c;
        this.y = c.y;
    }

    /** The rule, or null when it has problems (recorded in the context). */
    Rule read(Node n, ParseContext.Defaults d) {
        int before = y.problems().size();
        if (!(n instanceof MappingNode)) {
            y.error(n, "a rule must be a mapping (id, select, statistic, op, threshold, ...)");
            return null;
        }
        Map<String, Node> f = y.fields((MappingNode) n, RULE_KEYS, "rule");
        String id = y.required(f, "id", n);
        Selector sel = c.selector(f.get("select"), n);
        Duration window = y.duration(f.get("window"), "window", d.window());
        Statistic st = null;
        String stText = y.required(f, "statistic", n);
        if (stText != null) {
            st = Statistic.parse(stText).orElse(null);
            if (st == null) {
                y.error(f.get("statistic"), "unknown statistic \"" + stText + "\" (known: " + Statistic.known() + ")");
            }
        }
        Op op = Op.GT;
        if (f.get("op") != null) {
            op = Op.parse(y.scalar(f.get("op"), "op")).orElse(null);
            if (op == null) {
                y.error(f.get("op"), "unknown comparator \"" + y.scalar(f.get("op"), "op") + "\" (>, >=, <, <=)");
                op = Op.GT;
            }
        }
        Double threshold = y.number(f.get("threshold"), "threshold", st);
        if (f.get("threshold") == null) {
            y.error(n, "missing 'threshold'");
        }
        Double resolve = f.get("resolve") == null ? threshold : y.number(f.get("resolve"), "resolve", st);
        if (threshold != null && resolve != null && (op.upward() ? resolve > threshold : resolve < threshold)) {
            y.error(f.get("resolve"), "resolve threshold " + fmt(resolve) + " must be on the good side of threshold "
                + fmt(threshold) + " for op " + op.symbol() + " (hysteresis)");
        }
        Severity sev = y.severity(f.get("severity"), d.severity());
        AlertClass cls = alertClass(f.get("class"), st, sel);
        String playbook = f.get("playbook") == null ? cls.playbook() : y.scalar(f.get("playbook"), "playbook");
        Map<String, String> labels = y.labels(f.get("labels"));
        long minCount = y.integer(f.get("min-count"), "min-count", d.minCount(), 0);
        Policy policy = c.policy(f, d.policy());
        String desc = f.get("description") == null ? "" : y.scalar(f.get("description"), "description");
        NoData noData = c.noData(f.get("no-data"), d.noData());
        // default: five windows, at least 5 minutes (a window comes out up to grace + idle close after its end)
        Duration fallback = d.noDataAfter() != null ? d.noDataAfter()
            : window.multipliedBy(5).compareTo(Duration.ofMinutes(5)) < 0 ? Duration.ofMinutes(5) : window.multipliedBy(5);
        Duration noDataAfter = y.duration(f.get("no-data-after"), "no-data-after", fallback);
        RuleTexts texts = new RuleTexts(template(f.get("summary"), "summary", id, labels),
            f.get("description") != null && desc.contains("{{") ? template(f.get("description"), "description", id, labels) : null,
            template(f.get("runbook_url"), "runbook_url", id, labels));
        Baseline baseline = baseline(f.get("baseline"), op);
        if (y.problems().size() > before || id == null || sel == null || st == null || threshold == null || resolve == null) {
            return null;
        }
        warnIfUnmatchable(n, id, sel, window);
        String version = hash(String.join("|", id, desc, sel.toString(), window.toString(), st.label(), op.symbol(),
            Double.toString(threshold), Double.toString(resolve), Long.toString(minCount), sev.name(), cls.name(),
            playbook, labels.toString(), policy.toString(), noData.name(), noDataAfter.toString(), String.valueOf(texts),
            String.valueOf(baseline)));
        return new Rule(id, desc, sel, window, st, op, threshold, resolve, minCount, sev, cls, playbook, labels, policy,
            YamlFields.line(n), version, noData, noDataAfter, texts, baseline);
    }

    /** {@code baseline: {factor: 2, windows: 30, min-windows: 10}}: only for upward comparators. */
    private Baseline baseline(Node n, Op op) {
        if (n == null) {
            return null;
        }
        MappingNode m = y.mapping(n, "baseline");
        if (m == null) {
            return null;
        }
        Map<String, Node> f = y.fields(m, BASELINE_KEYS, "baseline");
        Double factor = y.number(f.get("factor"), "baseline factor", null);
        if (factor == null) {
            y.error(n, "baseline needs a 'factor' (e.g. 2 for doubled)");
            return null;
        }
        if (!(factor > 1)) {
            y.error(f.get("factor"), "baseline factor must be > 1, got " + fmt(factor));
        }
        if (!op.upward()) {
            y.error(n, "baseline works with op > or >= (a value rising over its own history), got " + op.symbol());
        }
        long windows = y.integer(f.get("windows"), "baseline windows", 30, 2);
        long min = y.integer(f.get("min-windows"), "baseline min-windows", Math.min(10, windows), 1);
        return new Baseline(factor, (int) windows, (int) min);
    }

    /** A text template of a rule, or null; unknown fields are errors naming the rule, the key and the field. */
    private Template template(Node n, String key, String ruleId, Map<String, String> labels) {
        if (n == null) {
            return null;
        }
        List<String> problems = new ArrayList<>();
        Template t = Template.parse(y.scalar(n, key), labels.keySet(), problems);
        problems.forEach(p -> y.error(n, "rule '" + ruleId + "' " + key + ": " + p));
        return t;
    }

    private void warnIfUnmatchable(Node n, String id, Selector sel, Duration window) {
        if (c.unmatchedWindow(window)) {
            c.warn(n, "rule '" + id + "' evaluates " + human(window)
                + " windows but the stats stage emits " + human(c.statsWindows) + ": it matches nothing");
        }
        if (sel.kind() == SeriesKind.RUM && Arrays.stream(Vital.values()).noneMatch(v -> sel.nameCouldMatch(v.name()))) {
            c.warn(n, "rule '" + id + "' selects vital '" + sel.name()
                + "' which is none of " + Arrays.toString(Vital.values()) + ": it matches nothing");
        }
    }

    private AlertClass alertClass(Node n, Statistic st, Selector sel) {
        if (n == null && sel != null && sel.kind() == SeriesKind.RUM) {
            return "TTFB".equalsIgnoreCase(sel.name()) ? AlertClass.CDN : AlertClass.FRONTEND;
        }
        if (n == null) {
            return st == Statistic.ERROR_RATE || st == Statistic.ERRORS ? AlertClass.ERROR_BURST
                : st == Statistic.RATE || st == Statistic.COUNT ? AlertClass.TRAFFIC_SURGE : AlertClass.HIGH_LATENCY;
        }
        String raw = y.scalar(n, "class");
        return AlertClass.parse(raw).orElseGet(() -> {
            y.error(n, "unknown class \"" + raw + "\" (" + Arrays.stream(AlertClass.values()).map(AlertClass::label)
                .collect(Collectors.joining(", ")) + ")");
            return AlertClass.HIGH_LATENCY;
        });
    }
}
