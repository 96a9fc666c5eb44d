package dev.perfstream.streams.alerts.rule;

import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.config.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Small typed readers over SnakeYAML nodes for {@link RuleParser}: each one records a problem with
 * the file and the node's line when the value is wrong, and returns a fallback so that parsing goes
 * on and every problem of a file is reported at once.
 */
final class YamlFields {
    private final String file;
    private final List<RuleProblem> problems = new ArrayList<>();

    YamlFields(String file) {
        this.file = file;
    }

    /** Problems recorded so far, in the order found (mutable: the parser sorts them by line). */
    List<RuleProblem> problems() {
        return problems;
    }

    Map<String, Node> fields(MappingNode m, Set<String> known, String where) {
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode ? ((ScalarNode) t.getKeyNode()).getValue() : null;
            if (key == null) {
                error(t.getKeyNode(), "keys must be plain words");
            } else if (!known.contains(key)) {
                error(t.getKeyNode(), "unknown key '" + key + "' in " + where + " (known: "
                    + known.stream().sorted().collect(Collectors.joining(", ")) + ")");
            } else if (out.put(key, t.getValueNode()) != null) {
                error(t.getKeyNode(), "duplicate key '" + key + "' in " + where);
            }
        }
        return out;
    }

    MappingNode mapping(Node n, String what) {
        if (n instanceof MappingNode) {
            return (MappingNode) n;
        }
        error(n, "'" + what + "' must be a mapping");
        return new MappingNode(n.getTag(), List.of(), null);
    }

    List<Node> list(Node n, String what) {
        if (n == null) {
            return List.of();
        }
        if (n instanceof SequenceNode) {
            return ((SequenceNode) n).getValue();
        }
        error(n, "'" + what + "' must be a list (items start with '- ')");
        return List.of();
    }

    String scalar(Node n, String what) {
        if (n instanceof ScalarNode) {
            return ((ScalarNode) n).getValue();
        }
        error(n, "'" + what + "' must be a single value, not a list or mapping");
        return "";
    }

    String required(Map<String, Node> f, String key, Node owner) {
        if (f.get(key) == null) {
            error(owner, "missing '" + key + "'");
            return null;
        }
        String v = scalar(f.get(key), key).trim();
        if (v.isEmpty()) {
            error(f.get(key), "'" + key + "' is empty");
            return null;
        }
        return v;
    }

    /** A number; for ratio statistics also {@code 0.1%}; for others also a duration ({@code 200ms}, {@code 2s}) in ms. */
    Double number(Node n, String what, Statistic st) {
        if (n == null) {
            return null;
        }
        String raw = scalar(n, what).trim();
        try {
            if (raw.endsWith("%")) {
                return Double.parseDouble(raw.substring(0, raw.length() - 1).trim()) / 100;
            }
            double v = Double.parseDouble(raw);
            if (!Double.isFinite(v)) {
                error(n, what + ": \"" + raw + "\" is not a finite number");
                return null;
            }
            return v;
        } catch (NumberFormatException e) {
            if (st != null && !st.isRatio() && Character.isDigit(raw.isEmpty() ? 'x' : raw.charAt(0))) {
                try {
                    return (double) Settings.parseDuration(raw).toMillis();
                } catch (IllegalArgumentException ignored) {
                    // fall through to the error below
                }
            }
            error(n, what + ": \"" + raw + "\" is not a number (e.g. 200, 0.001, 0.1%"
                + (st != null && !st.isRatio() ? ", 200ms" : "") + ")");
            return null;
        }
    }

    long integer(Node n, String what, long def, long min) {
        if (n == null) {
            return def;
        }
        String raw = scalar(n, what).trim();
        try {
            long v = Long.parseLong(raw);
            if (v < min) {
                error(n, what + ": " + v + " must be >= " + min);
                return def;
            }
            return v;
        } catch (NumberFormatException e) {
            error(n, what + ": \"" + raw + "\" is not a whole number");
            return def;
        }
    }

    Duration duration(Node n, String what, Duration def) {
        if (n == null) {
            return def;
        }
        String raw = scalar(n, what);
        if (raw.trim().equals("0")) {
            return Duration.ZERO; // "renotify: 0" = never
        }
        try {
            Duration d = Settings.parseDuration(raw);
            if (d.isNegative()) {
                error(n, what + ": must not be negative");
                return def;
            }
            return d;
        } catch (IllegalArgumentException e) {
            error(n, what + ": " + e.getMessage());
            return def;
        }
    }

    Severity severity(Node n, Severity def) {
        if (n == null) {
            return def;
        }
        String raw = scalar(n, "severity").trim().toUpperCase(Locale.ROOT);
        try {
            return Severity.valueOf(raw);
        } catch (IllegalArgumentException e) {
            error(n, "unknown severity \"" + raw.toLowerCase(Locale.ROOT) + "\" (" + Arrays.stream(Severity.values())
                .map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ")");
            return def;
        }
    }

    Map<String, String> labels(Node n) {
        if (n == null) {
            return Map.of();
        }
        Map<String, String> out = new java.util.TreeMap<>();
        for (NodeTuple t : mapping(n, "labels").getValue()) {
            out.put(scalar(t.getKeyNode(), "label name"), scalar(t.getValueNode(), "label value"));
        }
        return out;
    }

    void error(Node n, String message) {
        problems.add(new RuleProblem(file, line(n), message));
    }

    static int line(Node n) {
        return n == null || n.getStartMark() == null ? 0 : n.getStartMark().getLine() + 1;
    }
}
