package dev.perfstream.schemas.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One configuration key, declared once: name, type, default, unit, range, doc and whether its value is
 * a secret. {@link Settings#get(ConfigKey)} reads it (collecting problems, not throwing); the
 * {@link ConfigCatalog} of every declared key rejects unknown keys with a suggestion, maps environment
 * variables and deprecated names, and generates {@code deploy/config/perfstream.properties}, the README
 * tables and {@code perfstream config list}.
 *
 * <p>Kafka's {@code ConfigDef} was the other candidate. It does not fit the perfstream keys: it has no
 * duration type ({@code 10s}, {@code 5m}), no renamed-key support, no templated names
 * ({@code capacity.<service>.rate}) or pass-through prefixes, and its parse stops at the first bad value,
 * while a perfstream configuration is reported whole. It is used where it is the authority: the Kafka
 * client keys passed through under {@code kafka.client.*} are checked against the clients' own ConfigDefs.
 *
 * <p>Immutable; the {@code withX}-style methods ({@link #doc}, {@link #secret}, ...) return copies.
 *
 * @param <T> the parsed value's type
 */
public final class ConfigKey<T> {
    /** How a value is written and parsed. */
    public enum Type {
        STRING("string"), INT("int"), LONG("long"), DOUBLE("double"), BOOLEAN("boolean"), DURATION("duration"),
        DURATION_LIST("list of durations"), LIST("list"), PASSTHROUGH("pass-through");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        /** As shown by {@code config list}. */
        public String label() {
            return label;
        }
    }

    private final String name;
    private final Type type;
    private final T defaultValue;
    private final String defaultText;
    private final String unit;
    private final String doc;
    private final String range;
    private final boolean secret;
    private final Function<String, T> parser;
    private final List<Check<T>> checks;
    private final List<Rename> renames;
    private final Pattern pattern;

    /** A former name of a key, with the conversion of its old value format (identity for a plain rename). */
    public record Rename(String oldName, UnaryOperator<String> convert) {
    }

    private record Check<T>(Predicate<T> ok, String message) {
    }

    private ConfigKey(String name, Type type, T defaultValue, String defaultText, String unit, String doc, String range,
                      boolean secret, Function<String, T> parser, List<Check<T>> checks, List<Rename> renames) {
        this.name = Objects.requireNonNull(name);
        this.type = type;
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.unit = unit;
        this.doc = doc;
        this.range = range;
        this.secret = secret;
        this.parser = parser;
        this.checks = List.copyOf(checks);
        this.renames = List.copyOf(renames);
        this.pattern = templatePattern(name);
    }

    private ConfigKey<T> copy(String newDefaultText, String newUnit, String newDoc, String newRange, boolean newSecret,
                              List<Check<T>> newChecks, List<Rename> newRenames) {
        return new ConfigKey<>(name, type, defaultValue, newDefaultText, newUnit, newDoc, newRange, newSecret, parser,
            newChecks, newRenames);
    }

    // ---- declarations ---------------------------------------------------------------------------

    public static ConfigKey<String> string(String name, String def) {
        return new ConfigKey<>(name, Type.STRING, def, def, null, "", null, false, s -> s, List.of(), List.of());
    }

    public static ConfigKey<Integer> integer(String name, int def, int min, int max) {
        return new ConfigKey<Integer>(name, Type.INT, def, String.valueOf(def), null, "", ConfigValues.range(min, max), false,
            raw -> (int) ConfigValues.number(raw, min, max, Long::parseLong), List.of(), List.of());
    }

    public static ConfigKey<Long> longValue(String name, long def, long min, long max) {
        return new ConfigKey<Long>(name, Type.LONG, def, String.valueOf(def), null, "", ConfigValues.range(min, max), false,
            raw -> (long) ConfigValues.number(raw, min, max, Long::parseLong), List.of(), List.of());
    }

    public static ConfigKey<Double> decimal(String name, double def, double min, double max) {
        return new ConfigKey<Double>(name, Type.DOUBLE, def, Double.isNaN(def) ? null : ConfigValues.fmt(def), null, "",
            ConfigValues.range(min, max), false, raw -> ConfigValues.number(raw, min, max, Double::parseDouble), List.of(), List.of());
    }

    public static ConfigKey<Boolean> bool(String name, boolean def) {
        return new ConfigKey<>(name, Type.BOOLEAN, def, String.valueOf(def), null, "", null, false, ConfigValues::parseBool,
            List.of(), List.of());
    }

    /** A duration: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d} or ISO-8601. */
    public static ConfigKey<Duration> duration(String name, Duration def) {
        return new ConfigKey<>(name, Type.DURATION, def, def == null ? null : ConfigValues.format(def), null, "", null, false,
            ConfigValues::parseDuration, List.of(), List.of());
    }

    /** A comma-separated list of durations. */
    public static ConfigKey<List<Duration>> durations(String name, List<Duration> def) {
        return new ConfigKey<>(name, Type.DURATION_LIST, def,
            def.stream().map(ConfigValues::format).collect(Collectors.joining(",")), null, "", null, false,
            ConfigValues::parseDurations, List.of(), List.of());
    }

    /** A comma-separated list of strings, trimmed, empty entries dropped. */
    public static ConfigKey<List<String>> list(String name, List<String> def) {
        return new ConfigKey<>(name, Type.LIST, def, def == null ? null : String.join(",", def), null, "", null, false, ConfigValues::parseList,
            List.of(), List.of());
    }

    /**
     * Every key that starts with {@code prefix} (ending in a dot), passed on as it is to a library that
     * validates it itself; see {@link ConfigCatalog.PassThroughValidator}.
     */
    public static ConfigKey<String> passThrough(String prefix) {
        if (!prefix.endsWith(".")) {
            throw new IllegalArgumentException("a pass-through prefix ends with a dot: " + prefix);
        }
        return new ConfigKey<>(prefix + "*", Type.PASSTHROUGH, null, null, null, "", null, false, s -> s, List.of(),
            List.of());
    }

    // ---- copies with more detail ----------------------------------------------------------------

    public ConfigKey<T> doc(String text) {
        return copy(defaultText, unit, text, range, secret, checks, renames);
    }

    /** What the docs show as the default, where the value alone says too little ("avro with a registry, else json"). */
    public ConfigKey<T> defaultText(String text) {
        return copy(text, unit, doc, range, secret, checks, renames);
    }

    public ConfigKey<T> unit(String text) {
        return copy(defaultText, text, doc, range, secret, checks, renames);
    }

    /** The value is never printed or logged ({@code config list} shows {@code ******}). */
    public ConfigKey<T> secret() {
        return copy(defaultText, unit, doc, range, true, checks, renames);
    }

    /** A check of a parsed value; {@code message} completes "KEY: VALUE ..." (e.g. "must be positive"). */
    public ConfigKey<T> check(Predicate<T> ok, String message) {
        List<Check<T>> more = new ArrayList<>(checks);
        more.add(new Check<>(ok, message));
        return copy(defaultText, unit, doc, range, secret, more, renames);
    }

    /** One of these values (in any case), shown as the key's range. */
    public ConfigKey<T> oneOf(String... values) {
        Set<String> allowed = java.util.Arrays.stream(values).map(v -> v.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        String shown = String.join(", ", values);
        List<Check<T>> more = new ArrayList<>(checks);
        more.add(new Check<>(v -> v == null || allowed.contains(String.valueOf(v).toLowerCase(Locale.ROOT)),
            "is not one of " + shown));
        return copy(defaultText, unit, doc, shown, secret, more, renames);
    }

    /** At least {@code min} (durations). */
    @SuppressWarnings("unchecked")
    public ConfigKey<T> atLeast(Duration min) {
        List<Check<T>> more = new ArrayList<>(checks);
        more.add(new Check<>(v -> ((Duration) v).compareTo(min) >= 0, "must be at least " + ConfigValues.format(min)));
        return copy(defaultText, unit, doc, ">= " + ConfigValues.format(min), secret, more, renames);
    }

    /** A former name still accepted, with a deprecation warning naming this key. */
    public ConfigKey<T> renamedFrom(String oldName) {
        return renamedFrom(oldName, UnaryOperator.identity());
    }

    /** A former name whose values were written differently ({@code 1000} ms then, {@code 1000ms} now). */
    public ConfigKey<T> renamedFrom(String oldName, UnaryOperator<String> convert) {
        List<Rename> more = new ArrayList<>(renames);
        more.add(new Rename(oldName, convert));
        return copy(defaultText, unit, doc, range, secret, checks, more);
    }

    // ---- reading --------------------------------------------------------------------------------

    /**
     * Parses and checks a raw value.
     *
     * @throws IllegalArgumentException with a message that completes "KEY: ..."
     */
    public T parse(String raw) {
        T v = parser.apply(raw.trim());
        for (Check<T> c : checks) {
            if (!c.ok().test(v)) {
                throw new IllegalArgumentException((secret ? "the value" : raw.trim()) + " " + c.message());
            }
        }
        return v;
    }

    /** Whether {@code key} is this key: its name, or a match of its template or pass-through prefix. */
    public boolean matches(String key) {
        if (type == Type.PASSTHROUGH) {
            return key.startsWith(prefix()) && key.length() > prefix().length();
        }
        return pattern == null ? name.equals(key) : pattern.matcher(key).matches();
    }

    /** For a pass-through key: the prefix, with its trailing dot. */
    public String prefix() {
        return name.substring(0, name.length() - 1);
    }

    /** Whether the name has a {@code <placeholder>} part ({@code capacity.<service>.rate}). */
    public boolean templated() {
        return pattern != null;
    }

    /** The environment variable that sets this key: {@code PERFSTREAM_STATS_SKETCH_RELATIVE_ACCURACY}. */
    public String environmentVariable() {
        return Settings.ENV_PREFIX + name.replace('.', '_').replace('-', '_').replace("*", "").toUpperCase(Locale.ROOT);
    }

    public String name() {
        return name;
    }

    public Type type() {
        return type;
    }

    /** The default, or null when unset by default. */
    public T defaultValue() {
        return defaultValue;
    }

    /** The default as written in a properties file or the docs, or null when unset by default. */
    public String defaultText() {
        return defaultText;
    }

    public String unit() {
        return unit;
    }

    public String doc() {
        return doc;
    }

    /** Allowed values or bounds as text, or null. */
    public String range() {
        return range;
    }

    public boolean isSecret() {
        return secret;
    }

    public List<Rename> renames() {
        return renames;
    }

    @Override
    public String toString() {
        return name;
    }

    private static Pattern templatePattern(String name) {
        if (!name.contains("<")) {
            return null;
        }
        StringBuilder re = new StringBuilder();
        for (String part : name.split("<[^>]+>", -1)) {
            if (re.length() > 0 || name.startsWith("<")) {
                re.append("(.+)");
            }
            re.append(Pattern.quote(part));
        }
        return Pattern.compile(re.toString());
    }
}
