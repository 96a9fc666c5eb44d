package dev.perfstream.ingest.collector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perfstream.schemas.avro.Rating;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.validate.EventValidator;
import dev.perfstream.schemas.validate.RouteTemplates;
import dev.perfstream.schemas.validate.WebVitals;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Turns one beacon of the browser snippet into {@link RumEvent}s:
 * <pre>{"app":"shop-web","page":"/product/42?x=1","session":"...","device":"mobile","connection":"4g",
 *  "conversions":["checkout"],
 *  "version":"2026.12.1","sampleRate":0.5,
 *  "metrics":[{"name":"LCP","value":1234.5,"rating":"good","navigationType":"navigate",
 *              "attribution":{"element":"main>img.hero","url":"https://cdn.example.com/hero.jpg",
 *                             "parts":{"resourceLoadDuration":800.5, ...}}},
 *             {"name":"INP","value":180,"navigationType":"soft-navigation","navigationURL":"https://shop.example.com/cart",
 *              "attribution":{"element":"#buy","interactionType":"pointer","script":{"url":"...","fn":"onBuy"}, ...}}]}</pre>
 * An item of a soft navigation is counted on the page of its {@code navigationURL}. Optional fields that do not
 * pass their checks (version, sample rate, navigation URL, attribution: {@link RumAttribution}) are dropped and
 * counted; the event stays. Each goal of {@code conversions} (the snippet's {@code perfstream.conversion(goal)}) becomes a
 * conversion event of the beacon's session and page (vital null, value 1); a beacon with conversions needs a session,
 * and may have no metrics.
 * The page URL becomes a route template (capped per app), the session id a salted hash; the event
 * time is the collector's receive time (browser clocks are not trusted). Beacon-level problems
 * reject the request; item-level problems reject the item only.
 */
final class BeaconParser {
    static final String SOFT_NAVIGATION = "soft-navigation";
    static final int MAX_URL = 2048;
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._+\\-]{1,64}");
    private final EventValidator validator;
    private final RouteCap routes;
    private final SessionHasher sessions;
    private final int maxItems;
    private final RumAttribution attribution;
    private final BiConsumer<String, String> dropped;

    /**
     * @param attribution reads the items' optional attribution
     * @param dropped     counts an optional field dropped as invalid: (field, reason)
     */
    BeaconParser(EventValidator validator, RouteCap routes, SessionHasher sessions, int maxItems,
                 RumAttribution attribution, BiConsumer<String, String> dropped) {
        this.validator = validator;
        this.routes = routes;
        this.sessions = sessions;
        this.maxItems = maxItems;
        this.attribution = attribution;
        this.dropped = dropped;
    }

    Parsed<RumEvent> parse(JsonNode beacon, String userAgent, Instant now) throws RequestRejected {
        if (!beacon.isObject()) {
            throw new RequestRejected(400, "bad_json", "expected a JSON object (a beacon), got " + type(beacon));
        }
        String app = requiredText(beacon, "app");
        String rawPage = requiredText(beacon, "page");
        JsonNode items = beacon.get("metrics");
        JsonNode conversions = conversions(beacon);
        if (items == null && conversions != null) {
            items = JsonBodies.MAPPER.createArrayNode();
        }
        if (items == null || !items.isArray() || (items.isEmpty() && conversions == null)) {
            throw new RequestRejected(400, "invalid_field", "field 'metrics' must be a non-empty array of {name, value}"
                + " (or give field 'conversions')");
        }
        int total = items.size() + (conversions == null ? 0 : conversions.size());
        if (total > maxItems) {
            throw new RequestRejected(400, "too_many_items", "fields 'metrics' and 'conversions' have " + total
                + " items, over the limit of " + maxItems);
        }
        String page = routes.admit(app, RouteTemplates.normalize(rawPage));
        String device = optionalText(beacon, "device");
        device = device == null ? UserAgents.deviceClass(userAgent) : device.toLowerCase(Locale.ROOT);
        String session = optionalText(beacon, "session");
        if (conversions != null && session == null) {
            throw new RequestRejected(400, "missing_field", "field 'session' is required with 'conversions': a conversion"
                + " is joined with the vitals of its session");
        }
        RumEvent base = new RumEvent(now, app, page, Vital.LCP, 0.0, null, null, device, UserAgents.browser(userAgent),
            null, optionalText(beacon, "connection"), session == null ? null : sessions.hash(session),
            version(beacon), sampleRate(beacon), null, null, null, null, null, null);
        List<RumEvent> ok = new ArrayList<>(items.size());
        List<Parsed.Rejection> bad = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            try {
                RumEvent e = item(items.get(i), i, base);
                attribution.apply(items.get(i).get("attribution"), e);
                List<String> problems = validator.check(e);
                if (!problems.isEmpty()) {
                    throw new RequestRejected(400, "invalid_field", "metrics[" + i + "]: " + String.join("; ", problems));
                }
                ok.add(e);
            } catch (RequestRejected r) {
                bad.add(new Parsed.Rejection(i, r.reason, r.getMessage()));
            }
        }
        for (int i = 0; conversions != null && i < conversions.size(); i++) {
            try {
                RumEvent e = conversion(conversions.get(i), i, base);
                List<String> problems = validator.check(e);
                if (!problems.isEmpty()) {
                    throw new RequestRejected(400, "invalid_field", "conversions[" + i + "]: " + String.join("; ", problems));
                }
                ok.add(e);
            } catch (RequestRejected r) {
                bad.add(new Parsed.Rejection(items.size() + i, r.reason, r.getMessage()));
            }
        }
        return new Parsed<>(ok, bad);
    }

    /** The beacon's {@code conversions} (goal names), or null when it has none. */
    private static JsonNode conversions(JsonNode beacon) throws RequestRejected {
        JsonNode c = beacon.get("conversions");
        if (c == null || c.isNull()) {
            return null;
        }
        if (!c.isArray() || c.isEmpty()) {
            throw new RequestRejected(400, "invalid_field", "field 'conversions' must be a non-empty array of goal names"
                + " (e.g. [\"checkout\"]), got " + type(c));
        }
        return c;
    }

    /** One conversion of the beacon's session: a goal name, checked like any event ({@link EventValidator}). */
    private static RumEvent conversion(JsonNode goal, int i, RumEvent base) throws RequestRejected {
        if (!goal.isTextual()) {
            throw new RequestRejected(400, "invalid_field", "conversions[" + i + "] must be a goal name (a string), got "
                + type(goal));
        }
        if (!EventValidator.GOAL.matcher(goal.asText()).matches()) {
            throw new RequestRejected(400, "invalid_goal", "conversions[" + i + "]: goal \"" + shorten(goal.asText())
                + "\" must be 1 to 64 characters of [A-Za-z0-9._-]");
        }
        return new RumEvent(base.getTimestamp(), base.getApp(), base.getPage(), null, 1.0, null, null,
            base.getDeviceClass(), base.getBrowser(), base.getCountry(), base.getConnectionType(), base.getSessionHash(),
            base.getAppVersion(), base.getSampleRate(), null, null, null, null, null, goal.asText());
    }

    private RumEvent item(JsonNode m, int i, RumEvent base) throws RequestRejected {
        String at = "metrics[" + i + "]";
        if (!m.isObject()) {
            throw new RequestRejected(400, "invalid_field", at + " must be an object {name, value}, got " + type(m));
        }
        JsonNode n = m.get("name");
        if (n == null || !n.isTextual()) {
            throw new RequestRejected(400, "invalid_field", at + ".name is required (one of " + Arrays.toString(Vital.values()) + ")");
        }
        Vital vital;
        try {
            vital = Vital.valueOf(n.asText().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new RequestRejected(400, "unknown_vital", at + ".name: unknown vital \"" + shorten(n.asText())
                + "\", expected one of " + Arrays.toString(Vital.values()));
        }
        JsonNode v = m.get("value");
        if (v == null || !v.isNumber()) {
            throw new RequestRejected(400, "invalid_field", at + ".value must be a number, got " + type(v));
        }
        String nav = m.hasNonNull("navigationType") ? m.get("navigationType").asText() : null;
        double value = v.asDouble();
        Rating rating = Double.isFinite(value) && value >= 0 ? WebVitals.rate(vital, value) : null;
        String page = SOFT_NAVIGATION.equals(nav) ? softNavigationPage(m, base) : base.getPage();
        return new RumEvent(base.getTimestamp(), base.getApp(), page, vital, value, rating, nav,
            base.getDeviceClass(), base.getBrowser(), base.getCountry(), base.getConnectionType(), base.getSessionHash(),
            base.getAppVersion(), base.getSampleRate(), null, null, null, null, null, null);
    }

    /**
     * A soft navigation (an SPA's History API URL change the browser measured on its own) belongs to its own URL,
     * not to the page the beacon was sent from: its {@code navigationURL}, templated and capped like pages.
     */
    private String softNavigationPage(JsonNode m, RumEvent base) {
        JsonNode u = m.get("navigationURL");
        if (u == null || u.isNull()) {
            return base.getPage();
        }
        if (!u.isTextual() || u.asText().isBlank() || u.asText().length() > MAX_URL) {
            dropped.accept("navigationURL", "invalid");
            return base.getPage();
        }
        return routes.admit(base.getApp(), RouteTemplates.normalize(u.asText()));
    }

    private String version(JsonNode beacon) {
        JsonNode v = beacon.get("version");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || !VERSION.matcher(v.asText()).matches()) {
            dropped.accept("version", "invalid");
            return null;
        }
        return v.asText();
    }

    private Double sampleRate(JsonNode beacon) {
        JsonNode v = beacon.get("sampleRate");
        if (v == null || v.isNull()) {
            return null;
        }
        double r = v.isNumber() ? v.asDouble() : Double.NaN;
        if (!(r > 0 && r <= 1)) {
            dropped.accept("sampleRate", "invalid");
            return null;
        }
        return r;
    }

    private static String requiredText(JsonNode o, String field) throws RequestRejected {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            throw new RequestRejected(400, "missing_field", "field '" + field + "' is required");
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new RequestRejected(400, "invalid_field", "field '" + field + "' must be a non-empty string, got " + type(v));
        }
        return v.asText();
    }

    private static String optionalText(JsonNode o, String field) throws RequestRejected {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new RequestRejected(400, "invalid_field", "field '" + field + "' must be a string, got " + type(v));
        }
        return v.asText().isEmpty() ? null : v.asText();
    }

    static String type(JsonNode n) {
        return n == null ? "nothing" : n.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
