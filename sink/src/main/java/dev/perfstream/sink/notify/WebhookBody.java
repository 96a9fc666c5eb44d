package dev.perfstream.sink.notify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.AttributionCause;

/** The JSON an alert is posted as to the webhook ({@code notify.webhook.url}): the alert, field for field. */
final class WebhookBody {
    private WebhookBody() {
    }

    static ObjectNode of(Alert a) {
        ObjectNode o = AlertmanagerAlerts.json().createObjectNode();
        o.put("fingerprint", a.getFingerprint());
        o.put("state", a.getState().name());
        o.put("rule", a.getRule());
        o.put("source", a.getSource().name());
        o.put("severity", a.getSeverity().name());
        o.put("series", a.getSeries());
        o.put("statistic", a.getStatistic());
        o.put("value", a.getValue());
        o.put("threshold", a.getThreshold());
        o.put("startedAt", a.getStartedAt().toString());
        o.put("notifiedAt", a.getNotifiedAt().toString());
        o.put("windowStart", a.getWindowStart().toString());
        o.put("windowEnd", a.getWindowEnd().toString());
        o.put("summary", a.getSummary());
        o.put("playbook", a.getPlaybook());
        ObjectNode labels = o.putObject("labels");
        a.getLabels().forEach(labels::put);
        Attribution at = a.getAttribution();
        if (at != null) { // a route latency alert's bottleneck attribution, field for field
            ObjectNode t = o.putObject("attribution");
            t.put("statistic", at.getStatistic());
            number(t, "statisticDelta", at.getStatisticDelta());
            number(t, "meanDelta", at.getMeanDelta());
            t.put("alertWindows", at.getAlertWindows());
            t.put("baselineWindows", at.getBaselineWindows());
            number(t, "unexplained", at.getUnexplained());
            t.put("note", at.getNote());
            ArrayNode causes = t.putArray("causes");
            for (AttributionCause c : at.getCauses()) {
                ObjectNode n = causes.addObject();
                n.put("kind", c.getKind());
                n.put("name", c.getName());
                number(n, "share", c.getShare());
                number(n, "deltaMs", c.getDeltaMs());
                number(n, "before", c.getBefore());
                number(n, "after", c.getAfter());
                n.put("unit", c.getUnit());
                n.put("detail", c.getDetail());
            }
        }
        return o;
    }

    /** A number, or null when missing or not finite (JSON has no NaN). */
    private static void number(ObjectNode o, String field, Double v) {
        if (v == null || !Double.isFinite(v)) {
            o.putNull(field);
        } else {
            o.put(field, v.doubleValue());
        }
    }
}
