package dev.perfstream.schemas.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text generated from the key declarations: the example properties file, the README tables and the
 * listing of {@code perfstream config list}. Each is a pure function of the {@link ConfigCatalog}, so a
 * test can compare the committed files with what the declarations generate.
 */
public final class ConfigDocs {
    /** The command that rewrites the generated files. */
    public static final String REGENERATE = "deploy/perfstream config generate";
    /** Opens a generated README table: {@code <!-- config: stats state.dir -->} (group ids or key names). */
    static final Pattern TABLE = Pattern.compile("(<!-- config:([^\\n]*?) -->\\n)(.*?)(<!-- /config -->)", Pattern.DOTALL);
    private static final int WIDTH = 110;

    private ConfigDocs() {
    }

    /** {@code deploy/config/perfstream.properties}: every key, commented out, with its default and doc. */
    public static String propertiesFile(ConfigCatalog catalog) {
        StringBuilder b = new StringBuilder();
        b.append("# perfstream configuration: every key with its default, GENERATED from the key declarations by\n")
            .append("# '").append(REGENERATE).append("' (the build fails when this file differs). Edit a copy.\n")
            .append("#\n")
            .append("# Use it with any command:  deploy/perfstream demo -c deploy/config/perfstream.properties\n")
            .append("# Precedence (lowest first): defaults < this file < environment < --set KEY=VALUE.\n")
            .append("# Environment: PERFSTREAM_ + the key upper-cased, dots and dashes as underscores:\n")
            .append("#   PERFSTREAM_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 deploy/perfstream services start\n")
            .append("# Durations: 500ms, 10s, 5m, 2h, 1d (or ISO-8601 like PT10S). Lists: comma-separated.\n")
            .append("# An unknown key is an error (with the nearest key as a suggestion); 'deploy/perfstream config list'\n")
            .append("# prints every key with its current value. All keys are optional; uncomment to change.\n");
        for (ConfigGroup g : catalog.groups()) {
            String head = "# ---- " + g.title() + " ";
            b.append('\n').append(head).append("-".repeat(Math.max(4, WIDTH - head.length()))).append('\n');
            for (ConfigKey<?> k : g.keys()) {
                String doc = details(k) + (described(k) ? " Default: " + k.defaultText() + "." : "");
                for (String line : wrap(doc, WIDTH - 2)) {
                    b.append("# ").append(line).append('\n');
                }
                b.append('#').append(exampleName(k)).append('=')
                    .append(k.defaultText() == null || k.isSecret() || described(k) ? "" : k.defaultText()).append('\n');
            }
        }
        return b.toString();
    }

    /** A Markdown table of the given groups and keys. */
    public static String markdownTable(ConfigCatalog catalog, List<String> groupsOrKeys) {
        StringBuilder b = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        for (ConfigKey<?> k : select(catalog, groupsOrKeys)) {
            b.append("| `").append(exampleName(k)).append("` | ")
                .append(k.defaultText() == null || k.defaultText().isEmpty() ? "unset"
                    : described(k) ? k.defaultText() : "`" + k.defaultText() + "`")
                .append(" | ").append((details(k)).replace("|", "\\|")).append(" |\n");
        }
        return b.toString();
    }

    /** The README text with every {@code <!-- config: ... -->} table regenerated. */
    public static String readme(ConfigCatalog catalog, String text) {
        Matcher m = TABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            List<String> tokens = List.of(m.group(2).trim().split("\\s+"));
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + markdownTable(catalog, tokens) + m.group(4)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * {@code perfstream config list}: every key with type, default, current value (secrets masked) and doc,
     * then the keys set under a pass-through prefix.
     */
    public static String listing(ConfigCatalog catalog, Map<String, String> values) {
        StringBuilder b = new StringBuilder();
        for (ConfigGroup g : catalog.groups()) {
            b.append("# ").append(g.title()).append('\n');
            for (ConfigKey<?> k : g.keys()) {
                b.append(exampleName(k)).append("  (").append(k.type().label());
                if (k.defaultText() != null && !k.defaultText().isEmpty()) {
                    b.append(", default ").append(k.defaultText());
                }
                if (k.isSecret()) {
                    b.append(", secret");
                }
                b.append(')');
                values.forEach((key, v) -> {
                    if (k.matches(key) && catalog.find(key).orElse(null) == k) { // kafka.client.config is not kafka.client.*
                        b.append(k.templated() || k.type() == ConfigKey.Type.PASSTHROUGH ? "\n  set: " + key + "=" : "\n  set: ")
                            .append(catalog.shown(key, v));
                    }
                });
                for (String line : wrap(details(k), WIDTH - 4)) {
                    b.append("\n    ").append(line);
                }
                b.append('\n');
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static List<ConfigKey<?>> select(ConfigCatalog catalog, List<String> groupsOrKeys) {
        List<ConfigKey<?>> out = new ArrayList<>();
        for (String t : groupsOrKeys) {
            Optional<ConfigGroup> g = catalog.group(t);
            if (g.isPresent()) {
                out.addAll(g.get().keys());
            } else {
                out.add(catalog.keys().stream().filter(k -> k.name().equals(t)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("README table names no group or key '" + t + "'")));
            }
        }
        return out;
    }

    /** A default told in words ("avro with a registry, else json"), not a value to write. */
    private static boolean described(ConfigKey<?> k) {
        return k.defaultValue() == null && k.defaultText() != null && !k.defaultText().isEmpty();
    }

    private static String exampleName(ConfigKey<?> k) {
        return k.type() == ConfigKey.Type.PASSTHROUGH ? k.prefix() + "<setting>" : k.name();
    }

    private static String details(ConfigKey<?> k) {
        List<String> d = new ArrayList<>();
        if (k.type() != ConfigKey.Type.STRING && k.type() != ConfigKey.Type.PASSTHROUGH) {
            d.add(k.type().label());
        }
        if (k.range() != null) {
            d.add(k.range());
        }
        if (k.unit() != null) {
            d.add("in " + k.unit());
        }
        k.renames().forEach(r -> d.add("formerly " + r.oldName()));
        String doc = k.doc().endsWith(".") ? k.doc().substring(0, k.doc().length() - 1) : k.doc();
        return (d.isEmpty() ? doc : doc + " (" + String.join("; ", d) + ")") + ".";
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}
