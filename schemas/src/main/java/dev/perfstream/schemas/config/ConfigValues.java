package dev.perfstream.schemas.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** How configuration values are written: parsing and formatting shared by {@link ConfigKey} and {@link Settings}. */
final class ConfigValues {
    private ConfigValues() {
    }

    /** Durations as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT10S}). */
    public static Duration parseDuration(String raw) {
        String s = raw.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) {
            try {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("\"" + raw + "\" is not a duration");
            }
        }
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
            i++;
        }
        if (i == 0 || i == s.length()) {
            throw new IllegalArgumentException("\"" + raw + "\" is not a duration like 500ms, 10s, 5m, 2h, 1d");
        }
        double n = Double.parseDouble(s.substring(0, i));
        String unit = s.substring(i).trim();
        double ms;
        switch (unit) {
            case "ms": ms = n; break;
            case "s": ms = n * 1_000; break;
            case "m": case "min": ms = n * 60_000; break;
            case "h": ms = n * 3_600_000; break;
            case "d": ms = n * 86_400_000; break;
            default: throw new IllegalArgumentException("\"" + raw + "\" has unknown unit '" + unit + "' (ms, s, m, h, d)");
        }
        return Duration.ofMillis(Math.round(ms));
    }


    static double number(String v, double min, double max, Function<String, Number> parse) {
        double d;
        try {
            d = parse.apply(v).doubleValue();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + v + "\" is not a number");
        }
        if (d < min || d > max || Double.isNaN(d)) {
            throw new IllegalArgumentException(v + " is out of range [" + fmt(min) + ", " + fmt(max) + "]");
        }
        return d;
    }

    static Boolean parseBool(String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on": case "1": return true;
            case "false": case "no": case "off": case "0": return false;
            default: throw new IllegalArgumentException("\"" + v + "\" is not a boolean (true/false)");
        }
    }

    static List<Duration> parseDurations(String v) {
        List<Duration> out = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (String part : v.split(",")) {
            try {
                out.add(parseDuration(part));
            } catch (IllegalArgumentException e) {
                bad.add(e.getMessage());
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", bad));
        }
        return List.copyOf(out);
    }

    static List<String> parseList(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return List.copyOf(out);
    }

    static String range(double min, double max) {
        boolean noMin = min <= -Long.MAX_VALUE / 2.0;
        boolean noMax = max >= 1e15;
        if (noMin && noMax) {
            return null;
        }
        return noMax ? ">= " + fmt(min) : "[" + fmt(min) + ", " + fmt(max) + "]";
    }

    static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d)
            : new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    }

    /** {@code 10s}, {@code 5m}, {@code 1h}, {@code 500ms}: the shortest exact form. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (ms % units[i] == 0) {
                return ms / units[i] + names[i];
            }
        }
        return ms + "ms";
    }
}
