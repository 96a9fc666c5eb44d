package dev.perfstream.sink.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.AttributionCause;
import java.time.Instant;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.perfstream.schemas.avro.AlertState;
import java.util.List;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * perfstream {@link Alert}s as Alertmanager v2 "postable alerts" ({@code POST /api/v2/alerts}): labels
 * identify the alert (Alertmanager groups, silences and deduplicates by them), annotations carry the
 * text. Labels: {@code alertname} (the rule), {@code severity}, {@code source}, the dimensions of the
 * series ({@code metric=...,service=...,route=...}) and the alert's labels that do not change during
 * its life; names are made valid Prometheus label names. Annotations: {@code summary}, {@code description}
 * (the playbook), {@code runbook_url} when the rule has one, {@code value}, {@code threshold}, the
 * labels that change ({@link #volatileLabel}), and for a route latency alert with a bottleneck attribution
 * {@code top_cause} ({@code 80 % db_statement SELECT ...}) and {@code attribution} (every cause and the unexplained
 * share; the summary has them in words).
 */
final class AlertmanagerAlerts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertmanagerAlerts() {
    }

    /** The alert without endsAt: what the active set keeps and re-sends. */
    static ObjectNode of(Alert a, String generatorUrl) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode labels = o.putObject("labels");
        for (String part : a.getSeries().split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0 && eq < part.length() - 1) {
                labels.put(labelName(part.substring(0, eq)), part.substring(eq + 1));
            }
        }
        ObjectNode ann = o.putObject("annotations");
        for (Map.Entry<String, String> e : a.getLabels().entrySet()) {
            if (e.getKey().equals("runbook_url")) {
                continue;
            }
            if (volatileLabel(e.getKey(), e.getValue())) {
                ann.put(labelName(e.getKey()), e.getValue());
            } else {
                labels.put(labelName(e.getKey()), e.getValue());
            }
        }
        labels.put("alertname", a.getRule());
        labels.put("severity", a.getSeverity().name().toLowerCase(Locale.ROOT));
        labels.put("source", a.getSource().name().toLowerCase(Locale.ROOT));
        labels.put("statistic", a.getStatistic());
        ann.put("summary", a.getSummary());
        if (!a.getPlaybook().isEmpty()) {
            ann.put("description", a.getPlaybook());
        }
        String runbook = a.getLabels().get("runbook_url");
        if (runbook != null) {
            ann.put("runbook_url", runbook);
        }
        Attribution at = a.getAttribution();
        if (at != null && !at.getCauses().isEmpty()) {
            AttributionCause top = at.getCauses().get(0);
            ann.put("top_cause", String.format(Locale.ROOT, "%.0f %% %s %s", top.getShare() * 100, top.getKind(), top.getName()));
            StringBuilder causes = new StringBuilder();
            for (AttributionCause c : at.getCauses()) {
                causes.append(causes.length() == 0 ? "" : "; ")
                    .append(String.format(Locale.ROOT, "%.0f %% %s %s", c.getShare() * 100, c.getKind(), c.getName()));
            }
            causes.append(String.format(Locale.ROOT, "; %.0f %% unexplained", at.getUnexplained() * 100));
            String partial = partial(at.getNote());
            if (partial != null) {
                causes.append("; ").append(partial); // released before every window it reads was in: says what was not
            }
            ann.put("attribution", causes.toString());
        } else if (at != null && at.getBaselineWindows() > 0) {
            ann.put("attribution", "unexplained" + (at.getNote() == null ? "" : ": " + at.getNote()));
        }
        ann.put("value", Double.toString(a.getValue()));
        ann.put("threshold", Double.toString(a.getThreshold()));
        ann.put("series", a.getSeries());
        o.put("startsAt", a.getStartedAt().toString());
        if (generatorUrl != null && !generatorUrl.isEmpty()) {
            o.put("generatorURL", generatorUrl);
        }
        return o;
    }

    /** A copy with endsAt: in the future for a firing alert (valid until then), the resolution time for a resolved one. */
    static ObjectNode withEndsAt(ObjectNode alert, Instant endsAt) {
        ObjectNode o = alert.deepCopy();
        Instant starts = Instant.parse(o.get("startsAt").asText());
        o.put("endsAt", (endsAt.isAfter(starts) ? endsAt : starts.plusMillis(1)).toString());
        return o;
    }

    /**
     * A label that changes during one alert's life (which notification it is, the rule's version, an observed
     * value, a z-score, a burn rate, a count): Alertmanager identifies an alert by its labels, so these go to
     * the annotations, or a RESOLVED would not match its FIRING.
     */
    static boolean volatileLabel(String name, String value) {
        if (name.equals("notification") || name.equals("rule_version")) {
            return true;
        }
        try {
            Double.parseDouble(value);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The Alertmanager alert of a resolution: the firing one as Alertmanager knows it, with the resolution's summary. */
    static ObjectNode resolving(ObjectNode firing, Alert resolved) {
        ObjectNode o = firing.deepCopy();
        ((ObjectNode) o.get("annotations")).put("summary", resolved.getSummary());
        return o;
    }

    static ArrayNode array() {
        return JSON.createArrayNode();
    }

    static ObjectMapper json() {
        return JSON;
    }

    /** A valid Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*, other characters as '_'. */
    static String labelName(String raw) {
        StringBuilder b = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean ok = c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9';
            b.append(ok ? c : '_');
        }
        return b.length() == 0 ? "_" : b.toString();
    }

    /**
     * A resolution is sent with the labels its FIRING was sent with (kept in the active set), so that
     * Alertmanager resolves that very alert even if something about it changed since (its severity, say).
     *
     * @param active the alerts firing before this batch, by fingerprint, as they were sent
     * @param until  endsAt of the firing alerts
     */
    static ArrayNode batch(List<Alert> batch, Map<String, ObjectNode> active, Instant until, String generatorUrl) {
        ArrayNode body = array();
        Map<String, ObjectNode> firing = new HashMap<>(active);
        for (Alert a : batch) {
            ObjectNode am = of(a, generatorUrl);
            if (a.getState() == AlertState.FIRING) {
                firing.put(a.getFingerprint(), am);
                body.add(withEndsAt(am, until));
            } else {
                ObjectNode known = firing.remove(a.getFingerprint());
                body.add(withEndsAt(known == null ? am : resolving(known, a),
                    a.getNotifiedAt()));
            }
        }
        return body;
    }

    /** The JSON's bytes (a tree built here cannot fail to serialise). */
    static byte[] bytes(Object json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code partial: ...} part of an attribution's note (the alerts stage puts it first), or null. */
    static String partial(String note) {
        if (note == null || !note.startsWith("partial: ")) {
            return null;
        }
        int end = note.indexOf("; ");
        return end < 0 ? note : note.substring(0, end);
    }
}
