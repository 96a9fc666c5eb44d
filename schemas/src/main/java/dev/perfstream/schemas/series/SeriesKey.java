package dev.perfstream.schemas.series;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.util.ArrayList;
import java.util.List;

/**
 * The series a window, a score or an alert belongs to. Its {@link #id()} keys the records of {@code perf.stats},
 * the state stores and changelogs of the stats and scoring stages, and the anomalies and forecasts:
 * <ul>
 *   <li>{@code METRIC|metric|service|route} ({@link Form#METRIC}),</li>
 *   <li>{@code METRIC|metric|service|route|version}, the per-version windows of release comparison
 *       ({@link Form#RELEASE}),</li>
 *   <li>{@code RUM|vital|app|page|deviceClass} ({@link Form#RUM}),</li>
 *   <li>{@code RUM|@dimension.vital|app|page|deviceClass|value}, a RUM attribution series: the events whose
 *       element or script is {@code value} ({@link Form#RUM_ATTRIBUTE}),</li>
 *   <li>{@code MULTIVARIATE|service}, the joint vector of a service ({@link Form#MULTIVARIATE}).</li>
 * </ul>
 * and the series of alerts about more than one window's series, which are no record or store key:
 * <ul>
 *   <li>{@code SERVICE|service}, a service (or app) as a whole: its no-data alerts ({@link Form#SERVICE}),</li>
 *   <li>{@code SLO|slo|service}, an SLO of a service: its burn-rate alerts ({@link Form#SLO}),</li>
 *   <li>{@code VERSION|service|version}, a release of a service: its REGRESSION alert ({@link Form#SERVICE_VERSION}).</li>
 * </ul>
 * A {@code |} or {@code %} inside a part is percent-escaped ({@code %7C}, {@code %25}), so an id parses back into its
 * parts unambiguously. A RUM series without a device class is written {@code null} in the id.
 *
 * <p>The {@link #display()} form is what alerts carry and their fingerprints hash: {@code metric=..,service=..,
 * route=..} or {@code vital=..,app=..,page=..,device=..} (a missing device class is {@code -}), {@code service=..},
 * {@code slo=..,service=..}, {@code service=..,version=..}; it is not escaped.
 *
 * <p>Ids are stable byte for byte: changing one renames state, changelogs and alerts of a running deployment.
 * Two keys are equal when their ids are.
 */
public final class SeriesKey {
    /** The shape of a series id. */
    public enum Form { METRIC, RELEASE, RUM, RUM_ATTRIBUTE, MULTIVARIATE, SERVICE, SLO, SERVICE_VERSION }

    /**
     * The route of a service's total over all its routes (the scoring stage's service forecasts). Route templates
     * start with {@code /} and the no-route marker is {@code -}, so it cannot clash with a route.
     */
    public static final String ALL_ROUTES = "*";

    private static final String METRIC = "METRIC";
    private static final String RUM = "RUM";
    private static final String MULTIVARIATE = "MULTIVARIATE";
    private static final String SERVICE = "SERVICE";
    private static final String SLO = "SLO";
    private static final String VERSION = "VERSION";

    private final Form form;
    private final String name;
    private final String owner;
    private final String route;
    private final String deviceClass;
    private final String version;
    private final String attribute;
    private final String id;

    private SeriesKey(Form form, String name, String owner, String route, String deviceClass, String version,
                      String attribute, String id) {
        this.form = form;
        this.name = name;
        this.owner = owner;
        this.route = route;
        this.deviceClass = deviceClass;
        this.version = version;
        this.attribute = attribute;
        this.id = id;
    }

    /** The series (metric, service, route). */
    public static SeriesKey metric(String metric, String service, String route) {
        return new SeriesKey(Form.METRIC, metric, service, route, null, null, null,
            METRIC + '|' + esc(metric) + '|' + esc(service) + '|' + esc(route));
    }

    /** The per-version series of (metric, service, route): only the events of that service version. */
    public static SeriesKey release(String metric, String service, String route, String version) {
        return new SeriesKey(Form.RELEASE, metric, service, route, null, version, null,
            METRIC + '|' + esc(metric) + '|' + esc(service) + '|' + esc(route) + '|' + esc(version));
    }

    /** The series (vital, app, page, device class); a null device class is written {@code null}. */
    public static SeriesKey rum(String vital, String app, String page, String deviceClass) {
        return new SeriesKey(Form.RUM, vital, app, page, deviceClass, null, null,
            RUM + '|' + esc(vital) + '|' + esc(app) + '|' + esc(page) + '|' + esc(String.valueOf(deviceClass)));
    }

    /**
     * The attribution series of a RUM series: the events of (vital, app, page, deviceClass) whose {@code dimension}
     * (element or script) is {@code value}. Its name is {@code @dimension.vital}.
     */
    public static SeriesKey rumAttribute(String name, String app, String page, String deviceClass, String value) {
        return new SeriesKey(Form.RUM_ATTRIBUTE, name, app, page, deviceClass, null, value,
            RUM + '|' + esc(name) + '|' + esc(app) + '|' + esc(page) + '|' + esc(String.valueOf(deviceClass)) + '|'
                + esc(value));
    }

    /** The joint vector of a service (the multivariate detector's series). */
    public static SeriesKey multivariate(String service) {
        return new SeriesKey(Form.MULTIVARIATE, null, service, null, null, null, null, MULTIVARIATE + '|' + esc(service));
    }

    /** A service (or app) as a whole: the series of its no-data alerts. */
    public static SeriesKey service(String service) {
        return new SeriesKey(Form.SERVICE, null, service, null, null, null, null, SERVICE + '|' + esc(service));
    }

    /** The SLO {@code slo} of a service: the series of its burn-rate alerts. */
    public static SeriesKey slo(String slo, String service) {
        return new SeriesKey(Form.SLO, slo, service, null, null, null, null, SLO + '|' + esc(slo) + '|' + esc(service));
    }

    /** A release (version) of a service: the series of its REGRESSION alert. */
    public static SeriesKey serviceVersion(String service, String version) {
        return new SeriesKey(Form.SERVICE_VERSION, null, service, null, null, version, null,
            VERSION + '|' + esc(service) + '|' + esc(version));
    }

    /** The series of a window: METRIC, RUM, or RELEASE when the window has a service version. */
    public static SeriesKey of(WindowStats w) {
        if (w.getKind() == SeriesKind.RUM) {
            return rum(w.getName(), w.getService(), w.getRoute(), w.getDeviceClass());
        }
        return w.getServiceVersion() == null ? metric(w.getName(), w.getService(), w.getRoute())
            : release(w.getName(), w.getService(), w.getRoute(), w.getServiceVersion());
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

    /** @throws IllegalArgumentException naming the id if it is none of the forms of this class */
    public static SeriesKey parse(String id) {
        if (id == null) {
            throw new IllegalArgumentException("not a series id: null");
        }
        List<String> p = new ArrayList<>(6);
        int from = 0;
        for (int i = 0; i <= id.length(); i++) {
            if (i == id.length() || id.charAt(i) == '|') {
                p.add(unesc(id.substring(from, i)));
                from = i + 1;
            }
        }
        String head = p.get(0);
        if (p.size() == 4 && head.equals(METRIC)) {
            return new SeriesKey(Form.METRIC, p.get(1), p.get(2), p.get(3), null, null, null, id);
        }
        if (p.size() == 5 && head.equals(METRIC)) {
            return new SeriesKey(Form.RELEASE, p.get(1), p.get(2), p.get(3), null, p.get(4), null, id);
        }
        if (p.size() == 5 && head.equals(RUM)) {
            return new SeriesKey(Form.RUM, p.get(1), p.get(2), p.get(3), p.get(4), null, null, id);
        }
        if (p.size() == 6 && head.equals(RUM) && p.get(1).startsWith("@")) {
            return new SeriesKey(Form.RUM_ATTRIBUTE, p.get(1), p.get(2), p.get(3), p.get(4), null, p.get(5), id);
        }
        if (p.size() == 2 && head.equals(MULTIVARIATE)) {
            return new SeriesKey(Form.MULTIVARIATE, null, p.get(1), null, null, null, null, id);
        }
        if (p.size() == 2 && head.equals(SERVICE)) {
            return new SeriesKey(Form.SERVICE, null, p.get(1), null, null, null, null, id);
        }
        if (p.size() == 3 && head.equals(SLO)) {
            return new SeriesKey(Form.SLO, p.get(1), p.get(2), null, null, null, null, id);
        }
        if (p.size() == 3 && head.equals(VERSION)) {
            return new SeriesKey(Form.SERVICE_VERSION, null, p.get(1), null, null, p.get(2), null, id);
        }
        throw new IllegalArgumentException("not a series id: \"" + id + "\" (expected METRIC|metric|service|route"
            + "[|version], RUM|vital|app|page|deviceClass, RUM|@dimension.vital|app|page|deviceClass|value or "
            + "MULTIVARIATE|service; for alerts SERVICE|service, SLO|slo|service or VERSION|service|version)");
    }

    /**
     * Parses the display form of a METRIC or RUM series ({@code device=-} is a missing device class). The form is not
     * escaped, so the keys are looked for in their order: a route may contain a comma.
     *
     * @throws IllegalArgumentException naming the string if it is not one of the two forms
     */
    public static SeriesKey parseDisplay(String display) {
        List<String> metric = display == null ? null : values(display, "metric=", ",service=", ",route=");
        if (metric != null) {
            return metric(metric.get(0), metric.get(1), metric.get(2));
        }
        List<String> rum = display == null ? null : values(display, "vital=", ",app=", ",page=", ",device=");
        if (rum != null) {
            String device = rum.get(3);
            return rum(rum.get(0), rum.get(1), rum.get(2), "-".equals(device) ? null : device);
        }
        throw new IllegalArgumentException("not a series display form: \"" + display
            + "\" (expected metric=..,service=..,route=.. or vital=..,app=..,page=..,device=..)");
    }

    /** The non-empty values between the given keys, in order, or null if the string does not have that shape. */
    private static List<String> values(String s, String... keys) {
        if (!s.startsWith(keys[0])) {
            return null;
        }
        List<String> out = new ArrayList<>(keys.length);
        int from = keys[0].length();
        for (int i = 1; i <= keys.length; i++) {
            int to = i == keys.length ? s.length() : s.indexOf(keys[i], from);
            if (to <= from) {
                return null;
            }
            out.add(s.substring(from, to));
            from = i == keys.length ? to : to + keys[i].length();
        }
        return out;
    }

    /** The dimensions of this series, in id order. */
    public List<SeriesDimension> dimensions() {
        return switch (form) {
            case METRIC -> List.of(SeriesDimension.METRIC, SeriesDimension.SERVICE, SeriesDimension.ROUTE);
            case RELEASE -> List.of(SeriesDimension.METRIC, SeriesDimension.SERVICE, SeriesDimension.ROUTE,
                SeriesDimension.VERSION);
            case RUM -> List.of(SeriesDimension.VITAL, SeriesDimension.APP, SeriesDimension.PAGE,
                SeriesDimension.DEVICE_CLASS);
            case RUM_ATTRIBUTE -> List.of(SeriesDimension.VITAL, SeriesDimension.APP, SeriesDimension.PAGE,
                SeriesDimension.DEVICE_CLASS, name.startsWith("@script.") ? SeriesDimension.SCRIPT : SeriesDimension.ELEMENT);
            case MULTIVARIATE, SERVICE -> List.of(SeriesDimension.SERVICE);
            case SLO -> List.of(SeriesDimension.SLO, SeriesDimension.SERVICE);
            case SERVICE_VERSION -> List.of(SeriesDimension.SERVICE, SeriesDimension.VERSION);
        };
    }

    /** The value of one of {@link #dimensions()}; the vital of an attribution series without its {@code @dimension.}. */
    public String value(SeriesDimension d) {
        return switch (d) {
            case METRIC, SLO -> name;
            case VITAL -> form == Form.RUM_ATTRIBUTE ? name.substring(name.indexOf('.') + 1) : name;
            case SERVICE, APP -> owner;
            case ROUTE, PAGE -> route;
            case VERSION -> version;
            case DEVICE_CLASS -> String.valueOf(deviceClass);
            case ELEMENT, SCRIPT -> attribute;
        };
    }

    /**
     * The display form alerts carry: {@code metric=..,service=..,route=..} (plus {@code ,version=..} for a release
     * series), {@code vital=..,app=..,page=..,device=..} (a missing device class is {@code -}), {@code service=..}
     * (multivariate and service series), {@code slo=..,service=..}, {@code service=..,version=..}.
     */
    public String display() {
        StringBuilder b = new StringBuilder();
        for (SeriesDimension d : dimensions()) {
            String v = d == SeriesDimension.DEVICE_CLASS && deviceClass == null ? "-" : value(d);
            b.append(b.length() == 0 ? "" : ",").append(d.displayName()).append('=').append(v);
        }
        return b.toString();
    }

    public Form form() {
        return form;
    }

    /** METRIC or RUM; null for the multivariate and alert-only forms, which are not the series of a window. */
    public SeriesKind kind() {
        return switch (form) {
            case METRIC, RELEASE -> SeriesKind.METRIC;
            case RUM, RUM_ATTRIBUTE -> SeriesKind.RUM;
            case MULTIVARIATE, SERVICE, SLO, SERVICE_VERSION -> null;
        };
    }

    /**
     * The metric, the vital, {@code @dimension.vital} of an attribution series, or the SLO's id; null for the
     * multivariate, service and service-version forms.
     */
    public String name() {
        return name;
    }

    /** The service, or the app for RUM. */
    public String owner() {
        return owner;
    }

    /** The route template, or the page for RUM; {@code -} when the event had none. */
    public String route() {
        return route;
    }

    /** RUM only, else null. */
    public String deviceClass() {
        return deviceClass;
    }

    /** The service version of a per-version or service-version series, else null. */
    public String version() {
        return version;
    }

    /** The element selector or script of a RUM attribution series, else null. */
    public String attribute() {
        return attribute;
    }

    /** The series id. */
    public String id() {
        return id;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeriesKey k && id.equals(k.id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return id;
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
