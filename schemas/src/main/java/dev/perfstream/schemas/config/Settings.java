package dev.perfstream.schemas.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raw configuration as dotted keys ({@code kafka.bootstrap.servers}), merged from, in rising
 * precedence: defaults, a properties file, environment variables ({@code PERFSTREAM_} plus the key
 * upper-cased with dots and dashes as underscores: {@code PERFSTREAM_KAFKA_BOOTSTRAP_SERVERS}), and
 * explicit overrides (command-line options).
 *
 * <p>Each application turns this into its own immutable {@code XxxConfig} record through the declared
 * keys ({@link #get(ConfigKey)}); the getters collect every problem instead of failing on the first, so a
 * bad file is reported whole ({@link #problems()}, {@link #throwIfInvalid(String)}). {@link #load} also
 * checks the whole configuration against the {@link ConfigCatalog}: unknown keys, bad values, former
 * key names.
 */
public final class Settings {
    /** Prefix of environment overrides. */
    public static final String ENV_PREFIX = "PERFSTREAM_";
    /** The launcher's own variables (deploy/perfstream), which share the prefix but are not settings. */
    static final Set<String> LAUNCHER_VARIABLES = Set.of("PERFSTREAM_HOME", "PERFSTREAM_T0", "PERFSTREAM_CONFIG",
        "PERFSTREAM_CLASSPATH", "PERFSTREAM_JAVA_OPTS", "PERFSTREAM_REGISTRY_JAVA");
    private static final Logger LOG = LoggerFactory.getLogger(Settings.class);

    private final Map<String, String> values;
    private final List<String> problems = new ArrayList<>();

    private Settings(Map<String, String> values) {
        this.values = values;
    }

    /** From an in-memory map only (tests). */
    public static Settings of(Map<String, String> values) {
        return new Settings(new TreeMap<>(values));
    }

    /**
     * The settings of a stage run as a bare JVM ({@code java -cp ... XxxApp key=value ... [--config=FILE]}):
     * the file, then the environment ({@code PERFSTREAM_*}), then the {@code key=value} arguments.
     */
    public static Settings fromMainArgs(String[] args, Map<String, String> env) throws IOException {
        Map<String, String> overrides = new TreeMap<>();
        String file = null;
        for (String a : args) {
            int eq = a.indexOf('=');
            if (a.startsWith("--config=")) {
                file = a.substring("--config=".length());
            } else if (eq > 0) {
                overrides.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        Settings s = load(file == null ? null : Path.of(file), env, overrides);
        s.throwIfInvalid("perfstream");
        return s;
    }

    /**
     * Loads and checks against the keys of every module on the classpath ({@link ConfigCatalog#installed()}).
     *
     * @param file      properties file, or null
     * @param env       the environment (System.getenv() in production)
     * @param overrides highest precedence, e.g. from the command line
     */
    public static Settings load(Path file, Map<String, String> env, Map<String, String> overrides) throws IOException {
        return load(ConfigCatalog.installed(), file, env, overrides);
    }

    /**
     * File, then environment, then overrides; former key names renamed (with a deprecation warning in the
     * log), and every unknown key or bad value recorded in {@link #problems()}. An environment variable
     * that names no key is only warned about: the environment is shared with scripts and other programs.
     */
    public static Settings load(ConfigCatalog catalog, Path file, Map<String, String> env, Map<String, String> overrides)
        throws IOException {
        Map<String, String> v = new TreeMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            for (String k : p.stringPropertyNames()) {
                v.put(k, p.getProperty(k).trim());
            }
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (!e.getKey().startsWith(ENV_PREFIX) || LAUNCHER_VARIABLES.contains(e.getKey())) {
                continue;
            }
            String key = catalog.keyOfEnvironmentVariable(e.getKey());
            if (catalog.find(key).isPresent()) {
                v.put(key, e.getValue());
            } else {
                LOG.warn("environment variable {} sets no perfstream key{}; ignored", e.getKey(), catalog.suggestion(key));
            }
        }
        v.putAll(overrides);
        List<String> warnings = new ArrayList<>();
        catalog.applyRenames(v, warnings);
        warnings.forEach(w -> LOG.warn("configuration: {}", w));
        Settings s = new Settings(v);
        catalog.problems(v).forEach(s::problem);
        return s;
    }

    static String envToKey(String env) {
        return env.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /**
     * The value of a declared key; its default when unset (or under a former name, converted), and the
     * default with a problem recorded when the value does not parse or is out of range.
     */
    public <T> T get(ConfigKey<T> key) {
        String v = values.get(key.name());
        for (int i = 0; (v == null || v.isBlank()) && i < key.renames().size(); i++) {
            ConfigKey.Rename r = key.renames().get(i);
            String old = values.get(r.oldName());
            v = old == null || old.isBlank() ? null : r.convert().apply(old.trim());
        }
        if (v == null || v.isBlank()) {
            return key.defaultValue();
        }
        try {
            return key.parse(v);
        } catch (IllegalArgumentException e) {
            problem(key.name() + ": " + e.getMessage());
            return key.defaultValue();
        }
    }

    /** Whether the key (or a former name of it) is set to a non-blank value. */
    public boolean isSet(ConfigKey<?> key) {
        if (values.get(key.name()) != null && !values.get(key.name()).isBlank()) {
            return true;
        }
        return key.renames().stream().anyMatch(r -> values.get(r.oldName()) != null && !values.get(r.oldName()).isBlank());
    }

    /**
     * The values of a templated key by their placeholder: {@code capacity.<service>.rate} with
     * {@code capacity.checkout.rate=120} gives {@code checkout -> 120.0}.
     */
    public <T> Map<String, T> getAll(ConfigKey<T> template) {
        Map<String, T> out = new TreeMap<>();
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(
            java.util.regex.Pattern.quote(template.name()).replaceAll("<[^>]+>", "\\\\E(.+)\\\\Q"));
        for (Map.Entry<String, String> e : values.entrySet()) {
            Matcher m = p.matcher(e.getKey());
            if (m.matches() && e.getValue() != null && !e.getValue().isBlank()) {
                try {
                    out.put(m.group(1), template.parse(e.getValue()));
                } catch (IllegalArgumentException ex) {
                    problem(e.getKey() + ": " + ex.getMessage());
                }
            }
        }
        return out;
    }

    /** The keys under a pass-through prefix ({@code kafka.client.}) without it, with their raw values. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length() && v != null) {
                out.put(k.substring(prefix.length()), v.trim());
            }
        });
        return out;
    }

    /** All keys and values, read-only. */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    // Reads of undeclared keys (the models' own tuning readers, templated keys); each is a one-off declaration.

    public String string(String key, String def) {
        return get(ConfigKey.string(key, def));
    }

    public int integer(String key, int def, int min, int max) {
        return get(ConfigKey.integer(key, def, min, max));
    }

    public long longValue(String key, long def, long min, long max) {
        return get(ConfigKey.longValue(key, def, min, max));
    }

    public double decimal(String key, double def, double min, double max) {
        return get(ConfigKey.decimal(key, def, min, max));
    }

    public boolean bool(String key, boolean def) {
        return get(ConfigKey.bool(key, def));
    }

    /** Durations as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT10S}). */
    public Duration duration(String key, Duration def) {
        return get(ConfigKey.duration(key, def));
    }

    /** Comma-separated list of durations. */
    public List<Duration> durations(String key, List<Duration> def) {
        return get(ConfigKey.durations(key, def));
    }

    /** Comma-separated list of strings, trimmed, empty entries dropped. */
    public List<String> list(String key, List<String> def) {
        return get(ConfigKey.list(key, def));
    }

    /** Records a problem found by an application's own checks. */
    public void problem(String keyAndMessage) {
        if (!problems.contains(keyAndMessage)) {
            problems.add(keyAndMessage);
        }
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** @throws IllegalArgumentException listing every problem, if there are any */
    public void throwIfInvalid(String what) {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid " + what + " configuration:\n  - " + String.join("\n  - ", problems));
        }
    }

    /** Durations as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT10S}). */
    public static Duration parseDuration(String raw) {
        return ConfigValues.parseDuration(raw);
    }
}
