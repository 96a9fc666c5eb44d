package dev.perfstream.schemas.series;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The InfluxDB tags of a series string, one tag name per dimension ({@link SeriesDimension#tagName()}). */
public final class SeriesTags {
    private SeriesTags() {
    }

    /**
     * The InfluxDB tags of any series string, by tag name: a series id's dimensions, or the pairs of a
     * {@code k=v,k=v} string (alert rules, SLOs, no-data and release alerts), {@code device} renamed to
     * {@code device_class}. Empty for anything else (a free-form string), so a result keeps its series as one tag.
     */
    public static Map<String, String> of(String series) {
        Map<String, String> tags = new TreeMap<>();
        if (series == null) {
            return tags;
        }
        if (series.indexOf('|') >= 0) {
            SeriesKey k;
            try {
                k = SeriesKey.parse(series);
            } catch (IllegalArgumentException e) {
                return tags;
            }
            for (SeriesDimension d : k.dimensions()) {
                tags.put(d.tagName(), k.value(d));
            }
            return tags;
        }
        Map<String, String> kv = pairs(series);
        if (kv != null) {
            kv.forEach((k, v) -> tags.put(SeriesDimension.tagOf(k), v));
        }
        return tags;
    }

    /** The pairs of a {@code k=v,k=v} string in order, or null unless every part is a non-empty key and value. */
    private static Map<String, String> pairs(String s) {
        if (s == null) {
            return null;
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : s.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                return null;
            }
            String k = part.substring(0, eq).trim();
            if (!isTagKey(k)) {
                return null;
            }
            kv.put(k, part.substring(eq + 1).trim());
        }
        return kv;
    }

    /** {@code [A-Za-z_][A-Za-z0-9_.\-]*}. */
    private static boolean isTagKey(String k) {
        if (k.isEmpty() || !(Character.isLetter(k.charAt(0)) && k.charAt(0) < 128 || k.charAt(0) == '_')) {
            return false;
        }
        for (int i = 1; i < k.length(); i++) {
            char c = k.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-'))) {
                return false;
            }
        }
        return true;
    }
}
