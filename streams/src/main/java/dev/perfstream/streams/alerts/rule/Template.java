package dev.perfstream.streams.alerts.rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rule's text template: literal text with {@code {{ .field }}} and {@code {{ .field | fn }}} in the
 * style of Alertmanager's and Prometheus' templates, reduced to what alert texts need. Fields:
 * {@link #FIELDS} and {@code labels.<name>} for the rule's labels. Functions: {@code ms} (a duration in
 * ms as "812 ms" / "1.25 s"), {@code pct} (a ratio as "0.42 %"), {@code round} (no decimals).
 * Written here rather than taken from a template library because the set is this small and every
 * unknown field must be rejected when the rules file is loaded, naming it.
 */
public final class Template {
    /** Fields every rule's template may use. */
    public static final Set<String> FIELDS = Set.of("rule", "severity", "statistic", "value", "threshold", "service",
        "route", "name", "device", "series", "window", "state");
    private static final Set<String> FUNCTIONS = Set.of("ms", "pct", "round");
    private static final Pattern PART = Pattern.compile("\\{\\{\\s*\\.([A-Za-z_][\\w.]*)\\s*(?:\\|\\s*(\\w+)\\s*)?}}");

    private record Part(String literal, String field, String fn) {
    }

    private final List<Part> parts;
    private final String text;

    private Template(String text, List<Part> parts) {
        this.text = text;
        this.parts = parts;
    }

    /**
     * @param labels the rule's label names ({@code {{ .labels.team }}})
     * @param problems gets one message per unknown field or function or unclosed {@code {{}
     */
    public static Template parse(String text, Set<String> labels, List<String> problems) {
        List<Part> parts = new ArrayList<>();
        Matcher m = PART.matcher(text);
        int at = 0;
        while (m.find()) {
            check(text.substring(at, m.start()), problems);
            parts.add(new Part(text.substring(at, m.start()), null, null));
            String field = m.group(1);
            String fn = m.group(2);
            boolean known = FIELDS.contains(field) || field.startsWith("labels.") && labels.contains(field.substring(7));
            if (!known) {
                problems.add("unknown field ." + field + " in template \"" + text + "\" (fields: "
                    + String.join(", ", FIELDS.stream().sorted().toList()) + ", labels.<a label of the rule>)");
            }
            if (fn != null && !FUNCTIONS.contains(fn)) {
                problems.add("unknown function " + fn + " in template \"" + text + "\" (ms, pct, round)");
            }
            parts.add(new Part(null, field, fn));
            at = m.end();
        }
        check(text.substring(at), problems);
        parts.add(new Part(text.substring(at), null, null));
        return new Template(text, List.copyOf(parts));
    }

    private static void check(String literal, List<String> problems) {
        if (literal.contains("{{")) {
            problems.add("malformed placeholder in \"" + literal.strip() + "\": write {{ .field }} or {{ .field | ms }}");
        }
    }

    /** @param values field -> String or Number; {@code labels.x} for labels */
    public String render(Map<String, Object> values) {
        StringBuilder b = new StringBuilder();
        for (Part p : parts) {
            if (p.literal != null) {
                b.append(p.literal);
                continue;
            }
            Object v = values.get(p.field);
            b.append(format(v, p.fn));
        }
        return b.toString();
    }

    private static String format(Object v, String fn) {
        if (v == null) {
            return "";
        }
        if (!(v instanceof Number n)) {
            return v.toString();
        }
        double d = n.doubleValue();
        if (fn == null) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format(Locale.ROOT, "%.4g", d);
        }
        return switch (fn) {
            case "ms" -> Math.abs(d) >= 1000 ? String.format(Locale.ROOT, "%.3g s", d / 1000) : String.format(Locale.ROOT, "%.0f ms", d);
            case "pct" -> String.format(Locale.ROOT, "%.3g %%", d * 100);
            default -> Long.toString(Math.round(d));
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
