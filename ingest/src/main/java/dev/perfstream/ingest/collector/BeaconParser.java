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

/**
 * Turns one beacon of the browser snippet into {@link RumEvent}s:
 * <pre>{"app":"shop-web","page":"/product/42?x=1","session":"...","device":"mobile","connection":"4g",
 *  "metrics":[{"name":"LCP","value":1234.5,"rating":"good","navigationType":"navigate"}, ...]}</pre>
 * The page URL becomes a route template (capped per app), the session id a salted hash; the event
 * time is the collector's receive time (browser clocks are not trusted). Beacon-level problems
 * reject the request; item-level problems reject the item only.
 */
final class BeaconParser {
    private final EventValidator validator;
    private final RouteCap routes;
    private final SessionHasher sessions;
    private final int maxItems;

    BeaconParser(EventValidator validator, RouteCap routes, SessionHasher sessions, int maxItems) {
        this.validator = validator;
        this.routes = routes;
        this.sessions = sessions;
        this.maxItems = maxItems;
    }

    Parsed<RumEvent> parse(JsonNode beacon, String userAgent, Instant now) throws RequestRejected {
        if (!beacon.isObject()) {
            throw new RequestRejected(400, "bad_json", "expected a JSON object (a beacon), got " + type(beacon));
        }
        String app = requiredText(beacon, "app");
        String rawPage = requiredText(beacon, "page");
        JsonNode items = beacon.get("metrics");
        if (items == null || !items.isArray() || items.isEmpty()) {
            throw new RequestRejected(400, "invalid_field", "field 'metrics' must be a non-empty array of {name, value}");
        }
        if (items.size() > maxItems) {
            throw new RequestRejected(400, "too_many_items", "field 'metrics' has " + items.size()
                + " items, over the limit of " + maxItems);
        }
        String page = routes.admit(app, RouteTemplates.normalize(rawPage));
        String device = optionalText(beacon, "device");
        device = device == null ? UserAgents.deviceClass(userAgent) : device.toLowerCase(Locale.ROOT);
        String session = optionalText(beacon, "session");
        RumEvent base = new RumEvent(now, app, page, Vital.LCP, 0.0, null, null, device, UserAgents.browser(userAgent),
            null, optionalText(beacon, "connection"), session == null ? null : sessions.hash(session));
        List<RumEvent> ok = new ArrayList<>(items.size());
        List<Parsed.Rejection> bad = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            try {
                RumEvent e = item(items.get(i), i, base);
                List<String> problems = validator.check(e);
                if (!problems.isEmpty()) {
                    throw new RequestRejected(400, "invalid_field", "metrics[" + i + "]: " + String.join("; ", problems));
                }
                ok.add(e);
            } catch (RequestRejected r) {
                bad.add(new Parsed.Rejection(i, r.reason, r.getMessage()));
            }
        }
        return new Parsed<>(ok, bad);
    }

    private static RumEvent item(JsonNode m, int i, RumEvent base) throws RequestRejected {
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
        return new RumEvent(base.getTimestamp(), base.getApp(), base.getPage(), vital, value, rating, nav,
            base.getDeviceClass(), base.getBrowser(), base.getCountry(), base.getConnectionType(), base.getSessionHash());
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
