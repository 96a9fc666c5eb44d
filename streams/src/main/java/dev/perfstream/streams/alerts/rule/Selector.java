package dev.perfstream.streams.alerts.rule;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which series a rule applies to: the series kind (metric or RUM vital) and glob patterns
 * ({@code *} any run of characters, {@code ?} one character) on name, service (app for RUM), route
 * (page for RUM) and device class. A missing pattern matches everything.
 *
 * @param kind    METRIC, RUM, or null for both
 * @param name    metric name or vital, e.g. {@code http.server.duration}, {@code LCP}
 * @param service service, or app for RUM
 * @param route   route template, or page for RUM
 * @param device  RUM device class (desktop, mobile, tablet)
 */
public record Selector(SeriesKind kind, String name, String service, String route, String device) {
    public static final String ANY = "*";

    public Selector {
        name = orAny(name);
        service = orAny(service);
        route = orAny(route);
        device = orAny(device);
    }

    private static String orAny(String s) {
        return s == null || s.isBlank() ? ANY : s.trim();
    }

    public boolean matches(WindowStats s) {
        if (kind != null && kind != s.getKind()) {
            return false;
        }
        // Vital names are enum constants; match them case-insensitively so "lcp" works.
        return glob(name, s.getName(), s.getKind() == SeriesKind.RUM)
            && glob(service, s.getService(), false)
            && glob(route, s.getRoute(), false)
            && (ANY.equals(device) || glob(device, Objects.requireNonNullElse(s.getDeviceClass(), ""), true));
    }

    /** True when a value equal to {@code literal} in the name position could match. */
    public boolean nameCouldMatch(String literal) {
        return glob(name, literal, kind == SeriesKind.RUM);
    }

    /** Glob match: {@code *} any run of characters, {@code ?} one character. */
    public static boolean glob(String pattern, String value, boolean ignoreCase) {
        if (ANY.equals(pattern)) {
            return true;
        }
        if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0) {
            return ignoreCase ? pattern.equalsIgnoreCase(value) : pattern.equals(value);
        }
        return compile(pattern, ignoreCase).matcher(value).matches();
    }

    // Globs are few and short; compiling per call would allocate on the hot path, so cache per pattern.
    private static final java.util.concurrent.ConcurrentHashMap<String, Pattern> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    private static Pattern compile(String glob, boolean ignoreCase) {
        return CACHE.computeIfAbsent((ignoreCase ? "i:" : "s:") + glob, k -> {
            StringBuilder re = new StringBuilder();
            for (char c : glob.toCharArray()) {
                if (c == '*') {
                    re.append(".*");
                } else if (c == '?') {
                    re.append('.');
                } else {
                    re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return Pattern.compile(re.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
        });
    }

    @Override
    public String toString() {
        String k = kind == null ? "any" : kind.name().toLowerCase(java.util.Locale.ROOT);
        return k + " name=" + name + " service=" + service + " route=" + route + (ANY.equals(device) ? "" : " device=" + device);
    }
}
