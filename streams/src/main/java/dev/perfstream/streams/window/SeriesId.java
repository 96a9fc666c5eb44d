package dev.perfstream.streams.window;

import dev.perfstream.schemas.avro.SeriesKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The series a window belongs to, and its stable string id, used as the key of {@code perf.stats}
 * and of the state store: {@code METRIC|metric|service|route} or
 * {@code RUM|vital|app|page|deviceClass}, and for the per-version windows of release comparison
 * {@code METRIC|metric|service|route|version}, and for the RUM attribution series ({@link RumAttributes})
 * {@code RUM|@dimension.vital|app|page|deviceClass|value}. A {@code |} or {@code %} inside a part is
 * percent-escaped, so the id parses back into its parts unambiguously.
 *
 * @param route       the route template, or the page for RUM; {@code -} when the event had none
 * @param deviceClass RUM only, else null
 * @param version     the service version of a per-version series, else null
 * @param attribute   the element selector or script of a RUM attribution series, else null
 */
public record SeriesId(SeriesKind kind, String name, String owner, String route, String deviceClass, String id,
                       String version, String attribute) {
    SeriesId(SeriesKind kind, String name, String owner, String route, String deviceClass, String id, String version) {
        this(kind, name, owner, route, deviceClass, id, version, null);
    }

    /**
     * The route of a service's total over all its routes (the scoring stage's service forecasts). Route
     * templates start with {@code /} and the no-route marker is {@code -}, so it cannot clash with a route.
     */
    public static final String ALL_ROUTES = "*";

    public static SeriesId metric(String metric, String service, String route) {
        return new SeriesId(SeriesKind.METRIC, metric, service, route, null,
            "METRIC|" + esc(metric) + '|' + esc(service) + '|' + esc(route), null);
    }

    /** The per-version series of (metric, service, route): only the events of that service version. */
    public static SeriesId release(String metric, String service, String route, String version) {
        return new SeriesId(SeriesKind.METRIC, metric, service, route, null,
            "METRIC|" + esc(metric) + '|' + esc(service) + '|' + esc(route) + '|' + esc(version), version);
    }

    /** Whether {@code id} is a per-version series id (five parts, METRIC), without parsing it. */
    public static boolean isRelease(String id) {
        if (!id.startsWith("METRIC|")) {
            return false;
        }
        int bars = 0;
        for (int i = 0; i < id.length(); i++) {
            if (id.charAt(i) == '|') {
                bars++;
            }
        }
        return bars == 4;
    }

    public static SeriesId rum(String vital, String app, String page, String deviceClass) {
        return new SeriesId(SeriesKind.RUM, vital, app, page, deviceClass,
            "RUM|" + esc(vital) + '|' + esc(app) + '|' + esc(page) + '|' + esc(deviceClass), null);
    }

    /**
     * The attribution series of a RUM series: the events of (vital, app, page, deviceClass) whose {@code dimension}
     * (element or script) is {@code value}. Its name is {@code @dimension.vital}.
     */
    public static SeriesId rumAttribute(String name, String app, String page, String deviceClass, String value) {
        return new SeriesId(SeriesKind.RUM, name, app, page, deviceClass,
            "RUM|" + esc(name) + '|' + esc(app) + '|' + esc(page) + '|' + esc(deviceClass) + '|' + esc(value), null, value);
    }

    /** @throws IllegalArgumentException if {@code id} was not made by this class */
    public static SeriesId parse(String id) {
        List<String> parts = new ArrayList<>(5);
        int from = 0;
        for (int i = 0; i <= id.length(); i++) {
            if (i == id.length() || id.charAt(i) == '|') {
                parts.add(unesc(id.substring(from, i)));
                from = i + 1;
            }
        }
        if (parts.size() == 4 && parts.get(0).equals("METRIC")) {
            return new SeriesId(SeriesKind.METRIC, parts.get(1), parts.get(2), parts.get(3), null, id, null);
        }
        if (parts.size() == 5 && parts.get(0).equals("METRIC")) {
            return new SeriesId(SeriesKind.METRIC, parts.get(1), parts.get(2), parts.get(3), null, id, parts.get(4));
        }
        if (parts.size() == 5 && parts.get(0).equals("RUM")) {
            return new SeriesId(SeriesKind.RUM, parts.get(1), parts.get(2), parts.get(3), parts.get(4), id, null);
        }
        if (parts.size() == 6 && parts.get(0).equals("RUM") && parts.get(1).startsWith("@")) {
            return new SeriesId(SeriesKind.RUM, parts.get(1), parts.get(2), parts.get(3), parts.get(4), id, null,
                parts.get(5));
        }
        throw new IllegalArgumentException("not a series id: " + id);
    }

    static String esc(String s) {
        if (s.indexOf('|') < 0 && s.indexOf('%') < 0) {
            return s;
        }
        return s.replace("%", "%25").replace("|", "%7C");
    }

    static String unesc(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        return s.replace("%7C", "|").replace("%25", "%");
    }
}
