package dev.perfstream.streams.alerts.rule;

import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.streams.alerts.slo.Slo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 * <p>This class reads the top level, the defaults and the ids; one reader per entry kind
 * ({@link RuleReader}, {@link SloReader}, {@link DeadmanReader}) reads the entries, all recording
 * into one {@link ParseContext}. The format is described in streams/README.md ("Rules file reference").
 */
public final class RuleParser {
    private static final Set<String> TOP = Set.of("version", "defaults", "rules", "slos", "deadman");
    private static final Set<String> DEFAULT_KEYS = Set.of("window", "for", "resolve-for", "renotify", "severity",
        "flapping", "min-count", "no-data", "no-data-after");

    private final ParseContext c;
    private final YamlFields y;

    private RuleParser(String file, Set<Duration> statsWindows) {
        this.c = new ParseContext(file, statsWindows);
        this.y = c.y;
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
        Node root = compose(text);
        if (!(root instanceof MappingNode)) {
            y.error(root, "the file must be a mapping with 'rules' and/or 'slos'");
            throw new RuleFileException(y.problems());
        }
        Map<String, Node> top = y.fields((MappingNode) root, TOP, "top level");
        ParseContext.Defaults d = defaults(top.get("defaults"));
        Map<String, Integer> ids = new HashMap<>();
        RuleReader ruleReader = new RuleReader(c);
        List<Rule> rules = new ArrayList<>();
        for (Node n : y.list(top.get("rules"), "rules")) {
            boolean unique = unique(ids, n);
            Rule r = ruleReader.read(n, d);
            if (r != null && unique) {
                rules.add(r);
            }
        }
        SloReader sloReader = new SloReader(c);
        List<Slo> slos = new ArrayList<>();
        for (Node n : y.list(top.get("slos"), "slos")) {
            boolean unique = unique(ids, n);
            Slo s = sloReader.read(n);
            if (s != null && unique) {
                slos.add(s);
            }
        }
        DeadmanReader deadmanReader = new DeadmanReader(c);
        List<Deadman> deadmen = new ArrayList<>();
        for (Node n : y.list(top.get("deadman"), "deadman")) {
            boolean unique = unique(ids, n);
            Deadman dm = deadmanReader.read(n, d);
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
        String version = ParseContext.hash(rules.stream().map(Rule::version).collect(Collectors.joining(","))
            + "|" + slos.stream().map(Slo::version).collect(Collectors.joining(","))
            + "|" + deadmen.stream().map(Deadman::version).collect(Collectors.joining(",")));
        return new RuleSet(List.copyOf(rules), List.copyOf(slos), List.copyOf(deadmen), c.file, version,
            List.copyOf(c.warnings));
    }

    private Node compose(String text) throws RuleFileException {
        try {
            return new Yaml(new LoaderOptions()).compose(new java.io.StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            String ctx = e.getContext() == null ? "" : e.getContext() + ": ";
            throw new RuleFileException(List.of(new RuleProblem(c.file, line, "YAML syntax error: " + ctx + e.getProblem())));
        } catch (YAMLException e) {
            throw new RuleFileException(List.of(new RuleProblem(c.file, 0, "YAML error: " + e.getMessage())));
        }
    }

    private ParseContext.Defaults defaults(Node n) {
        Map<String, Node> f = n == null ? Map.of() : y.fields(y.mapping(n, "defaults"), DEFAULT_KEYS, "defaults");
        Policy base = Policy.DEFAULT;
        return new ParseContext.Defaults(y.duration(f.get("window"), "window", Duration.ofMinutes(1)),
            c.policy(f, base), y.severity(f.get("severity"), Severity.WARNING), y.integer(f.get("min-count"), "min-count", 0, 0),
            c.noData(f.get("no-data"), NoData.KEEP), f.get("no-data-after") == null ? null
                : y.duration(f.get("no-data-after"), "no-data-after", null));
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
}
