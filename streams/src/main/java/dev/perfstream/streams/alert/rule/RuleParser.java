package dev.perfstream.streams.alert.rule;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.streams.alert.slo.BurnRate;
import dev.perfstream.streams.alert.slo.Slo;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Reads a rules file (YAML) into a {@link RuleSet}, or rejects it with every problem at once, each
 * with file and line. SnakeYAML's composer is used instead of data binding because the node tree
 * keeps the line of every key and value, and because binding stops at the first error; the checks
 * themselves are hand-written since they are the point: name the field, the line, what is wrong.
 *
 * <p>The format is described in streams/README.md ("Rules file reference").
 */
public final class RuleParser {
    private static final Set<String> TOP = Set.of("version", "defaults", "rules", "slos", "deadman");
    private static final Set<String> DEFAULT_KEYS = Set.of("window", "for", "resolve-for", "renotify", "severity",
        "flapping", "min-count", "no-data", "no-data-after");
    private static final Set<String> RULE_KEYS = Set.of("id", "description", "select", "window", "statistic", "op",
        "threshold", "resolve", "for", "resolve-for", "min-count", "severity", "class", "playbook", "labels",
        "renotify", "flapping", "no-data", "no-data-after", "summary", "runbook_url", "baseline");
    private static final Set<String> BASELINE_KEYS = Set.of("factor", "windows", "min-windows");
    private static final Set<String> DEADMAN_KEYS = Set.of("id", "select", "after", "severity", "playbook", "labels");
    private static final Set<String> SELECT_KEYS = Set.of("kind", "name", "metric", "vital", "service", "app",
        "route", "page", "device");
    private static final Set<String> SLO_KEYS = Set.of("id", "service", "objective", "metric", "window",
        "min-events", "min-coverage", "burn-rates", "labels", "playbook", "for", "resolve-for", "renotify", "flapping");
    private static final Set<String> BURN_KEYS = Set.of("name", "severity", "factor", "long", "short");
    private static final Set<String> FLAP_KEYS = Set.of("starts", "within", "settle");

    private final String file;
    private final Set<Duration> statsWindows;
    private final YamlFields y;
    private final List<RuleProblem> warnings = new ArrayList<>();

    private RuleParser(String file, Set<Duration> statsWindows) {
        this.file = file;
        this.statsWindows = statsWindows;
        this.y = new YamlFields(file);
    }

    /**
     * @param file         name used in messages
     * @param text         the YAML
     * @param statsWindows window sizes the stats stage emits; a rule on another size warns (it matches nothing)
     * @throws RuleFileException with every problem found
     */
    public static RuleSet parse(String file, String text, Set<Duration> statsWindows) throws RuleFileException {
        return new RuleParser(file, statsWindows).run(text);
    }

    private RuleSet run(String text) throws RuleFileException {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new java.io.StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            String ctx = e.getContext() == null ? "" : e.getContext() + ": ";
            throw new RuleFileException(List.of(new RuleProblem(file, line, "YAML syntax error: " + ctx + e.getProblem())));
        } catch (YAMLException e) {
            throw new RuleFileException(List.of(new RuleProblem(file, 0, "YAML error: " + e.getMessage())));
        }
        if (!(root instanceof MappingNode)) {
            y.error(root, "the file must be a mapping with 'rules' and/or 'slos'");
            throw new RuleFileException(y.problems());
        }
        Map<String, Node> top = y.fields((MappingNode) root, TOP, "top level");
        Defaults d = defaults(top.get("defaults"));
        List<Rule> rules = new ArrayList<>();
        List<Slo> slos = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (Node n : y.list(top.get("rules"), "rules")) {
            boolean unique = unique(ids, n);
            Rule r = rule(n, d);
            if (r != null && unique) {
                rules.add(r);
            }
        }
        for (Node n : y.list(top.get("slos"), "slos")) {
            boolean unique = unique(ids, n);
            Slo s = slo(n, d);
            if (s != null && unique) {
                slos.add(s);
            }
        }
        List<Deadman> deadmen = new ArrayList<>();
        for (Node n : y.list(top.get("deadman"), "deadman")) {
            boolean unique = unique(ids, n);
            Deadman dm = deadman(n, d);
            if (dm != null && unique) {
                deadmen.add(dm);
            }
        }
        if (top.get("rules") == null && top.get("slos") == null && top.get("deadman") == null) {
            y.error(root, "no 'rules', 'slos' or 'deadman': the file defines nothing");
        }
        if (!y.problems().isEmpty()) {
            y.problems().sort(java.util.Comparator.comparingInt(RuleProblem::line)); // stable: same-line order kept
            throw new RuleFileException(y.problems());
        }
        String version = hash(rules.stream().map(Rule::version).collect(Collectors.joining(","))
            + "|" + slos.stream().map(Slo::version).collect(Collectors.joining(","))
            + "|" + deadmen.stream().map(Deadman::version).collect(Collectors.joining(",")));
        return new RuleSet(List.copyOf(rules), List.copyOf(slos), List.copyOf(deadmen), file, version, List.copyOf(warnings));
    }

    private record Defaults(Duration window, Policy policy, Severity severity, long minCount, NoData noData,
                            Duration noDataAfter) {
    }

    private Defaults defaults(Node n) {
        Map<String, Node> f = n == null ? Map.of() : y.fields(y.mapping(n, "defaults"), DEFAULT_KEYS, "defaults");
        Policy base = Policy.DEFAULT;
        return new Defaults(y.duration(f.get("window"), "window", Duration.ofMinutes(1)),
            policy(f, base), y.severity(f.get("severity"), Severity.WARNING), y.integer(f.get("min-count"), "min-count", 0, 0),
            noData(f.get("no-data"), NoData.KEEP), f.get("no-data-after") == null ? null
                : y.duration(f.get("no-data-after"), "no-data-after", null));
    }

    private Policy policy(Map<String, Node> f, Policy base) {
        int forW = (int) y.integer(f.get("for"), "for", base.forWindows(), 1);
        int resW = (int) y.integer(f.get("resolve-for"), "resolve-for", base.resolveWindows(), 1);
        Duration renotify = y.duration(f.get("renotify"), "renotify", base.renotify());
        int starts = base.flapStarts();
        Duration within = base.flapWithin();
        int settle = base.flapSettle();
        if (f.get("flapping") != null) {
            Map<String, Node> fl = y.fields(y.mapping(f.get("flapping"), "flapping"), FLAP_KEYS, "flapping");
            starts = (int) y.integer(fl.get("starts"), "flapping.starts", starts, 2);
            within = y.duration(fl.get("within"), "flapping.within", within);
            settle = (int) y.integer(fl.get("settle"), "flapping.settle", settle, 1);
        }
        return new Policy(forW, resW, renotify, starts, within, settle);
    }

    private Rule rule(Node n, Defaults d) {
        int before = y.problems().size();
        if (!(n instanceof MappingNode)) {
            y.error(n, "a rule must be a mapping (id, select, statistic, op, threshold, ...)");
            return null;
        }
        Map<String, Node> f = y.fields((MappingNode) n, RULE_KEYS, "rule");
        String id = y.required(f, "id", n);
        Selector sel = selector(f.get("select"), n);
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
        Policy policy = policy(f, d.policy());
        String desc = f.get("description") == null ? "" : y.scalar(f.get("description"), "description");
        NoData noData = noData(f.get("no-data"), d.noData());
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

    private NoData noData(Node n, NoData def) {
        if (n == null) {
            return def;
        }
        String v = y.scalar(n, "no-data");
        NoData nd = NoData.parse(v).orElse(null);
        if (nd == null) {
            y.error(n, "unknown no-data \"" + v + "\" (keep, ok, alerting)");
            return def;
        }
        return nd;
    }

    private Deadman deadman(Node n, Defaults d) {
        int before = y.problems().size();
        if (!(n instanceof MappingNode)) {
            y.error(n, "a deadman entry must be a mapping (id, select, after)");
            return null;
        }
        Map<String, Node> f = y.fields((MappingNode) n, DEADMAN_KEYS, "deadman");
        String id = y.required(f, "id", n);
        Selector sel = selector(f.get("select"), n);
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

    private void warnIfUnmatchable(Node n, String id, Selector sel, Duration window) {
        if (!statsWindows.isEmpty() && !statsWindows.contains(window)) {
            warnings.add(new RuleProblem(file, YamlFields.line(n), "rule '" + id + "' evaluates " + human(window)
                + " windows but the stats stage emits " + human(statsWindows) + ": it matches nothing"));
        }
        if (sel.kind() == SeriesKind.RUM && Arrays.stream(Vital.values()).noneMatch(v -> sel.nameCouldMatch(v.name()))) {
            warnings.add(new RuleProblem(file, YamlFields.line(n), "rule '" + id + "' selects vital '" + sel.name()
                + "' which is none of " + Arrays.toString(Vital.values()) + ": it matches nothing"));
        }
    }

    private Selector selector(Node n, Node rule) {
        if (n == null) {
            y.error(rule, "missing 'select' (e.g. select: {metric: http.server.duration, service: \"*\"})");
            return null;
        }
        Map<String, Node> f = y.fields(y.mapping(n, "select"), SELECT_KEYS, "select");
        SeriesKind kind = null;
        String name = null;
        if (f.get("kind") != null) {
            String k = y.scalar(f.get("kind"), "kind").toUpperCase(Locale.ROOT);
            if (k.equals("METRIC") || k.equals("RUM")) {
                kind = SeriesKind.valueOf(k);
            } else {
                y.error(f.get("kind"), "unknown kind \"" + k.toLowerCase(Locale.ROOT) + "\" (metric, rum)");
            }
        }
        if (f.get("metric") != null && f.get("vital") != null) {
            y.error(n, "select has both 'metric' and 'vital'; a series is one or the other");
        } else if (f.get("metric") != null) {
            kind = SeriesKind.METRIC;
            name = y.scalar(f.get("metric"), "metric");
        } else if (f.get("vital") != null) {
            kind = SeriesKind.RUM;
            name = y.scalar(f.get("vital"), "vital");
        } else if (f.get("name") != null) {
            name = y.scalar(f.get("name"), "name");
        }
        String service = first(f, "service", "app");
        String route = first(f, "route", "page");
        String device = f.get("device") == null ? null : y.scalar(f.get("device"), "device");
        return new Selector(kind, name, service, route, device);
    }

    private String first(Map<String, Node> f, String a, String b) {
        Node n = f.get(a) != null ? f.get(a) : f.get(b);
        return n == null ? null : y.scalar(n, a);
    }

    private Slo slo(Node n, Defaults d) {
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
        List<BurnRate> burns = new ArrayList<>();
        if (f.get("burn-rates") == null) {
            burns.addAll(BurnRate.DEFAULTS);
        }
        for (Node b : y.list(f.get("burn-rates"), "burn-rates")) {
            BurnRate br = burnRate(b, burns.size());
            if (br != null) {
                burns.add(br);
            }
        }
        for (BurnRate b : burns) {
            if (b.shortWindow().compareTo(window) < 0 || b.longWindow().compareTo(b.shortWindow()) <= 0) {
                y.error(n, "burn rate '" + b.name() + "': need window (" + window + ") <= short (" + b.shortWindow()
                    + ") < long (" + b.longWindow() + ")");
            }
        }
        Map<String, String> labels = y.labels(f.get("labels"));
        String playbook = f.get("playbook") == null ? AlertClass.ERROR_BURST.playbook() : y.scalar(f.get("playbook"), "playbook");
        Policy policy = policy(f, new Policy(1, 1, Policy.DEFAULT.renotify(), Policy.DEFAULT.flapStarts(),
            Policy.DEFAULT.flapWithin(), Policy.DEFAULT.flapSettle()));
        if (y.problems().size() > before || id == null || objective == null || coverage == null) {
            return null;
        }
        if (!statsWindows.isEmpty() && !statsWindows.contains(window)) {
            warnings.add(new RuleProblem(file, YamlFields.line(n), "slo '" + id + "' sums " + human(window)
                + " windows but the stats stage emits " + human(statsWindows) + ": it matches nothing"));
        }
        String version = hash(String.join("|", id, service, Double.toString(objective), metric, window.toString(),
            Long.toString(minEvents), Double.toString(coverage), burns.toString(), labels.toString(), playbook, policy.toString()));
        return new Slo(id, service, objective, metric, window, minEvents, coverage, List.copyOf(burns), labels, playbook, policy,
            YamlFields.line(n), version);
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

    /** Checks the id of a rule or SLO node before it is parsed, so duplicates are found even in invalid entries. */
    private boolean unique(Map<String, Integer> ids, Node n) {
        if (!(n instanceof MappingNode)) {
            return true;
        }
        String id = null;
        for (NodeTuple t : ((MappingNode) n).getValue()) {
            if (t.getKeyNode() instanceof ScalarNode && "id".equals(((ScalarNode) t.getKeyNode()).getValue())
                && t.getValueNode() instanceof ScalarNode) {
                id = ((ScalarNode) t.getValueNode()).getValue().trim();
            }
        }
        if (id == null || id.isEmpty()) {
            return true;
        }
        Integer prev = ids.putIfAbsent(id, YamlFields.line(n));
        if (prev != null) {
            y.error(n, "duplicate id '" + id + "' (first defined at line " + prev + ")");
            return false;
        }
        return true;
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static String human(Set<Duration> ds) {
        return ds.stream().sorted().map(RuleParser::human).collect(Collectors.joining(", "));
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    static String hash(String s) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
