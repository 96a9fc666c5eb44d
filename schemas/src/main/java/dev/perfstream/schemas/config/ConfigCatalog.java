package dev.perfstream.schemas.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Every declared configuration key of the modules on the classpath. It checks a whole configuration
 * at once: unknown keys (with the nearest declared name as a suggestion), values that do not parse or
 * are out of range, and former key names (renamed to the current one, with a deprecation warning).
 * It also maps {@code PERFSTREAM_*} environment variables to keys.
 */
public final class ConfigCatalog {
    /** Checks one pass-through key ({@code kafka.client.security.protocol}) against the library that reads it. */
    @FunctionalInterface
    public interface PassThroughValidator {
        /**
         * @param suffix the key without the prefix ({@code security.protocol})
         * @return null when valid, else a message that completes "KEY: ..."
         */
        String problem(String suffix, String value);
    }

    private static volatile ConfigCatalog installed;

    private final List<ConfigGroup> groups;
    private final List<ConfigKey<?>> keys = new ArrayList<>();
    private final Map<String, ConfigKey<?>> byName = new HashMap<>();
    private final Map<String, ConfigKey<?>> byOldName = new HashMap<>();
    private final Map<String, PassThroughValidator> validators;

    private ConfigCatalog(List<ConfigGroup> groups, Map<String, PassThroughValidator> validators) {
        this.groups = groups.stream().sorted(Comparator.comparingInt(ConfigGroup::order)).toList();
        this.validators = Map.copyOf(validators);
        for (ConfigGroup g : this.groups) {
            for (ConfigKey<?> k : g.keys()) {
                if (byName.putIfAbsent(k.name(), k) == null) {
                    keys.add(k);
                    k.renames().forEach(r -> byOldName.put(r.oldName(), k));
                }
            }
        }
    }

    /** The keys of every module on the classpath ({@link ConfigDeclarations} services). */
    public static ConfigCatalog installed() {
        ConfigCatalog c = installed;
        if (c == null) {
            List<ConfigGroup> groups = new ArrayList<>();
            Map<String, PassThroughValidator> validators = new HashMap<>();
            for (ConfigDeclarations d : ServiceLoader.load(ConfigDeclarations.class, ConfigCatalog.class.getClassLoader())) {
                groups.addAll(d.groups());
                validators.putAll(d.passThroughValidators());
            }
            c = new ConfigCatalog(groups, validators);
            installed = c;
        }
        return c;
    }

    /** A catalog of just these groups (tests). */
    public static ConfigCatalog of(List<ConfigGroup> groups, Map<String, PassThroughValidator> validators) {
        return new ConfigCatalog(groups, validators);
    }

    public List<ConfigGroup> groups() {
        return groups;
    }

    /** Every key once, in group order. */
    public List<ConfigKey<?>> keys() {
        return List.copyOf(keys);
    }

    public Optional<ConfigGroup> group(String id) {
        return groups.stream().filter(g -> g.id().equals(id)).findFirst();
    }

    /** The declaration {@code key} falls under: its own, a template's or a pass-through prefix's. */
    public Optional<ConfigKey<?>> find(String key) {
        ConfigKey<?> k = byName.get(key);
        if (k != null) {
            return Optional.of(k);
        }
        return keys.stream().filter(x -> x.matches(key)).findFirst();
    }

    /** Whether the key's value must not be shown: declared secret, or a pass-through key that looks like one. */
    public boolean isSecret(String key) {
        Optional<ConfigKey<?>> k = find(key);
        if (k.isPresent() && k.get().isSecret()) {
            return true;
        }
        return (k.isEmpty() || k.get().type() == ConfigKey.Type.PASSTHROUGH) && looksSecret(key);
    }

    /** Names that hold credentials in Kafka's and the JDK's conventions. */
    public static boolean looksSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("secret") || k.contains("jaas") || k.contains("token")
            || k.contains("credential") || k.endsWith(".key") || k.contains("keystore.key") || k.contains("apikey")
            || k.contains("api.key");
    }

    /**
     * Renames former keys in place (the current name wins when both are set).
     *
     * @param warnings receives one deprecation line per former key found
     */
    public void applyRenames(Map<String, String> values, List<String> warnings) {
        for (String old : new ArrayList<>(values.keySet())) {
            ConfigKey<?> k = byOldName.get(old);
            if (k == null) {
                continue;
            }
            String raw = values.remove(old);
            ConfigKey.Rename r = k.renames().stream().filter(x -> x.oldName().equals(old)).findFirst().orElseThrow();
            String converted = r.convert().apply(raw.trim());
            if (values.containsKey(k.name())) {
                warnings.add(old + " is deprecated and ignored: " + k.name() + " is set too");
            } else {
                values.put(k.name(), converted);
                warnings.add(old + " is deprecated: use " + k.name() + " (read " + old + "=" + shown(old, raw) + " as "
                    + k.name() + "=" + shown(k.name(), converted) + ")");
            }
        }
    }

    /**
     * Every problem of a configuration: unknown keys (with a suggestion), values that do not parse or are
     * out of range, pass-through keys their library rejects. Cross-key checks stay with each {@code XxxConfig}.
     */
    public List<String> problems(Map<String, String> values) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(values).entrySet()) {
            String key = e.getKey();
            Optional<ConfigKey<?>> k = find(key);
            if (k.isEmpty()) {
                out.add(key + ": unknown key" + suggestion(key));
                continue;
            }
            String raw = e.getValue();
            if (raw == null || raw.isBlank()) {
                continue;
            }
            if (k.get().type() == ConfigKey.Type.PASSTHROUGH) {
                PassThroughValidator v = validators.get(k.get().name());
                String problem = v == null ? null : v.problem(key.substring(k.get().prefix().length()), raw.trim());
                if (problem != null) {
                    out.add(key + ": " + problem);
                }
                continue;
            }
            try {
                k.get().parse(raw);
            } catch (IllegalArgumentException ex) {
                out.add(key + ": " + ex.getMessage());
                continue;
            }
            PassThroughValidator v = validators.get(k.get().name());
            String problem = v == null ? null : v.problem(key, raw.trim());
            if (problem != null) {
                out.add(key + ": " + problem);
            }
        }
        return out;
    }

    /** " (did you mean X?)" for the nearest declared name, or "" when none is near. */
    public String suggestion(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigKey<?> k : keys) {
            String candidate = k.type() == ConfigKey.Type.PASSTHROUGH ? k.prefix() : k.name();
            int d = distance(key, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = k.type() == ConfigKey.Type.PASSTHROUGH ? k.name() : candidate;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 5) ? " (did you mean " + best + "?)" : "";
    }

    /**
     * The key an environment variable sets: a declared key whose {@link ConfigKey#environmentVariable()}
     * it is, a pass-through key under a declared prefix ({@code PERFSTREAM_KAFKA_CLIENT_SASL_MECHANISM}
     * is {@code kafka.client.sasl.mechanism}), else the variable lower-cased with dots for underscores.
     */
    public String keyOfEnvironmentVariable(String variable) {
        for (ConfigKey<?> k : keys) {
            if (k.type() != ConfigKey.Type.PASSTHROUGH && !k.templated() && k.environmentVariable().equals(variable)) {
                return k.name();
            }
        }
        String plain = Settings.envToKey(variable);
        for (ConfigKey<?> k : keys) {
            if (k.type() == ConfigKey.Type.PASSTHROUGH && plain.startsWith(k.prefix())) {
                return plain;
            }
        }
        return plain;
    }

    /** The value as it may be printed: masked for secrets. */
    public String shown(String key, String value) {
        return value == null ? null : isSecret(key) ? "******" : value;
    }

    /** The candidate nearest to {@code key} by {@link #distance}, if near enough to be a likely typo. */
    public static Optional<String> nearest(String key, java.util.Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(key, c);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 5) ? Optional.of(best) : Optional.empty();
    }

    /** Optimal string alignment distance: edits, with a swap of two neighbours as one. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** Helper for callers that build maps of values for display, in key order. */
    public Map<String, String> masked(Map<String, String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        new java.util.TreeMap<>(values).forEach((k, v) -> out.put(k, shown(k, v)));
        return out;
    }
}
