package dev.perfstream.ingest.collector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.validate.RouteTemplates;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * The optional attribution of one beacon item ({@code web-vitals/attribution}, flattened by the snippet)
 * into the bounded fields of {@link RumEvent}: {@code element}, {@code resourceUrl}, {@code interactionType},
 * {@code script} and the sub-parts. Everything here is browser-written text, so every field is checked on
 * its own: a bad one is dropped and counted ({@code perfstream_collector_rum_fields_dropped_total{field,reason}}),
 * the event is kept. Selectors keep the characters web-vitals' own selectors use, at most
 * {@link #MAX_SELECTOR} characters (the end, which names the element, is kept), and runs of three or more
 * digits become {@code {n}} so generated ids and classes do not explode the cardinality; URLs become origin
 * plus route template, without query or fragment. Distinct elements and scripts per app are capped
 * ({@code collector.elements.per.app}), then {@code __overflow__}.
 */
final class RumAttribution {
    static final int MAX_SELECTOR = 160;
    static final int MAX_URL = 200;
    static final int MAX_NAME = 80;
    static final double MAX_PART_MS = 3_600_000;
    private static final Pattern SELECTOR = Pattern.compile("[A-Za-z0-9_\\-#.>:\\[\\]=\"'(),+~* ]+");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{3,}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_$.\\- <>:]+");
    private static final Map<Vital, Set<String>> PARTS = Map.of(
        Vital.LCP, Set.of("timeToFirstByte", "resourceLoadDelay", "resourceLoadDuration", "elementRenderDelay"),
        Vital.INP, Set.of("inputDelay", "processingDuration", "presentationDelay", "scriptDuration"),
        Vital.TTFB, Set.of("waitingDuration", "cacheDuration", "dnsDuration", "connectionDuration", "requestDuration"));

    private final RouteCap elements;
    private final BiConsumer<String, String> dropped;

    /**
     * @param elements cap of distinct elements and scripts per app
     * @param dropped  called with (field, reason) for every field dropped
     */
    RumAttribution(RouteCap elements, BiConsumer<String, String> dropped) {
        this.elements = elements;
        this.dropped = dropped;
    }

    /** Sets the attribution fields of {@code e} from {@code a} (an item's {@code attribution}), dropping bad ones. */
    void apply(JsonNode a, RumEvent e) {
        if (a == null || a.isNull()) {
            return;
        }
        if (!a.isObject()) {
            dropped.accept("attribution", "not_an_object");
            return;
        }
        String element = text(a, "element", MAX_SELECTOR * 4);
        if (element != null) {
            String s = selector(element);
            if (s == null) {
                dropped.accept("element", "invalid");
            } else {
                e.setElement(elements.admit(e.getApp(), s));
            }
        }
        String url = text(a, "url", MAX_URL * 8);
        if (url != null) {
            String u = url(url);
            if (u == null) {
                dropped.accept("url", "invalid");
            } else {
                e.setResourceUrl(u);
            }
        }
        String type = text(a, "interactionType", 20);
        if (type != null) {
            if (type.equals("pointer") || type.equals("keyboard")) {
                e.setInteractionType(type);
            } else {
                dropped.accept("interactionType", "invalid");
            }
        }
        JsonNode script = a.get("script");
        if (script != null && !script.isNull()) {
            String s = script(script);
            if (s == null) {
                dropped.accept("script", "invalid");
            } else {
                e.setScript(elements.admit(e.getApp() + " scripts", s));
            }
        }
        e.setParts(parts(a.get("parts"), e.getVital()));
    }

    /** A text field, or null (absent, not text, or longer than {@code max}: dropped and counted). */
    private String text(JsonNode a, String field, int max) {
        JsonNode v = a.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            dropped.accept(field, "not_text");
            return null;
        }
        if (v.asText().length() > max) {
            dropped.accept(field, "too_long");
            return null;
        }
        return v.asText();
    }

    /** The selector, sanitised and bounded, or null when it holds other characters. */
    static String selector(String raw) {
        String s = raw.trim().replaceAll("\\s+", " ");
        if (s.isEmpty() || !SELECTOR.matcher(s).matches()) {
            return null;
        }
        s = DIGITS.matcher(s).replaceAll("{n}");
        return s.length() <= MAX_SELECTOR ? s : "..." + s.substring(s.length() - (MAX_SELECTOR - 3));
    }

    /** {@code scheme://host[:port]} plus the path's route template; {@code data:} and {@code blob:} as such; else null. */
    static String url(String raw) {
        String s = raw.trim();
        for (String opaque : new String[] {"data:", "blob:"}) {
            if (s.regionMatches(true, 0, opaque, 0, opaque.length())) {
                return opaque;
            }
        }
        int scheme = s.indexOf("://");
        if (scheme <= 0 || !(s.substring(0, scheme).equalsIgnoreCase("http") || s.substring(0, scheme).equalsIgnoreCase("https"))) {
            return null;
        }
        int end = scheme + 3;
        while (end < s.length() && "/?#".indexOf(s.charAt(end)) < 0) {
            end++;
        }
        String authority = s.substring(scheme + 3, end);
        int at = authority.lastIndexOf('@');
        authority = at >= 0 ? authority.substring(at + 1) : authority; // never keep user:password@
        if (authority.isEmpty() || !authority.matches("[A-Za-z0-9.\\-:\\[\\]]+")) {
            return null;
        }
        String u = s.substring(0, scheme).toLowerCase(java.util.Locale.ROOT) + "://" + authority.toLowerCase(java.util.Locale.ROOT)
            + RouteTemplates.normalize(s.substring(end));
        return u.length() <= MAX_URL ? u : null;
    }

    /** {@code {url, fn, invoker}}: "URL template [fn]" or "invoker [fn]"; null when none is usable. */
    private static String script(JsonNode s) {
        if (!s.isObject()) {
            return null;
        }
        String where = null;
        String url = s.path("url").isTextual() ? s.path("url").asText() : "";
        if (!url.isBlank() && url.length() <= MAX_URL * 8) {
            where = url(url);
        }
        if (where == null) {
            String invoker = s.path("invoker").isTextual() ? s.path("invoker").asText().trim() : "";
            where = name(invoker);
        }
        if (where == null) {
            return null;
        }
        String fn = s.path("fn").isTextual() ? name(s.path("fn").asText().trim()) : null;
        return fn == null ? where : where + " " + fn;
    }

    private static String name(String s) {
        if (s.isEmpty() || s.length() > MAX_NAME || !NAME.matcher(s).matches()) {
            return null;
        }
        return DIGITS.matcher(s).replaceAll("{n}");
    }

    /** The known sub-parts of this vital with finite values in [0, 1 h]; the rest dropped and counted. */
    private Map<String, Double> parts(JsonNode p, Vital vital) {
        if (p == null || p.isNull()) {
            return null;
        }
        if (!p.isObject()) {
            dropped.accept("parts", "not_an_object");
            return null;
        }
        Set<String> known = PARTS.getOrDefault(vital, Set.of());
        Map<String, Double> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!known.contains(f.getKey())) {
                dropped.accept("parts", "unknown_part");
                continue;
            }
            double v = f.getValue().isNumber() ? f.getValue().asDouble() : Double.NaN;
            if (!(v >= 0 && v <= MAX_PART_MS)) {
                dropped.accept("parts", "invalid_value");
                continue;
            }
            out.put(f.getKey(), Math.round(v * 10) / 10.0);
        }
        return out.isEmpty() ? null : out;
    }
}
