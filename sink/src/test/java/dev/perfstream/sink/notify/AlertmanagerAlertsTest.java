package dev.perfstream.sink.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.AttributionCause;
import dev.perfstream.schemas.avro.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertmanagerAlertsTest {
    private static final Instant T = Instant.parse("2026-12-05T10:00:00Z");

    private static Alert alert(String series, Map<String, String> labels) {
        return Alert.newBuilder().setFingerprint("f").setRule("lcp-p75").setSource(AlertSource.RULE).setSeverity(Severity.WARNING)
            .setState(AlertState.FIRING).setSeries(series).setStatistic("p75").setValue(3100).setThreshold(2500)
            .setWindowStart(T).setWindowEnd(T.plusSeconds(60)).setStartedAt(T).setNotifiedAt(T.plusSeconds(61))
            .setSummary("WARNING lcp-p75: p75 3.1 s > 2.5 s").setPlaybook("").setLabels(labels).build();
    }

    @Test
    void shouldLabelWithRuleSeverityAndTheSeriesDimensionsAsValidLabelNames() {
        ObjectNode o = AlertmanagerAlerts.of(alert("vital=LCP,app=shop,page=/cart,device.class=mobile",
            Map.of("team", "web", "runbook_url", "https://r/lcp", "9lives", "x", "notification", "firing", "observed", "3100.0")),
            "http://grafana/d/1");
        ObjectNode labels = (ObjectNode) o.get("labels");
        assertThat(labels.get("alertname").asText()).isEqualTo("lcp-p75");
        assertThat(labels.get("severity").asText()).isEqualTo("warning");
        assertThat(labels.get("source").asText()).isEqualTo("rule");
        assertThat(labels.get("page").asText()).isEqualTo("/cart");
        assertThat(labels.get("device_class").asText()).isEqualTo("mobile");
        assertThat(labels.get("_lives").asText()).isEqualTo("x");
        assertThat(labels.has("runbook_url")).as("a link is an annotation, not an identity").isFalse();
        assertThat(labels.has("notification")).as("changes between FIRING and RESOLVED").isFalse();
        assertThat(labels.has("observed")).as("a value changes during the alert").isFalse();
        assertThat(o.get("annotations").get("observed").asText()).isEqualTo("3100.0");
        assertThat(o.get("annotations").get("runbook_url").asText()).isEqualTo("https://r/lcp");
        assertThat(o.get("annotations").has("description")).as("no empty playbook").isFalse();
        assertThat(o.get("startsAt").asText()).isEqualTo("2026-12-05T10:00:00Z");
        assertThat(o.get("generatorURL").asText()).isEqualTo("http://grafana/d/1");
        assertThat(o.has("endsAt")).isFalse();
    }

    @Test
    void shouldAnnotateARouteLatencyAlertWithItsTopCauseAndAttribution() {
        Alert a = Alert.newBuilder(alert("metric=http.server.duration,service=checkout,route=/api/cart/{id}", Map.of()))
            .setAttribution(Attribution.newBuilder().setStatistic("p95").setStatisticDelta(480).setMeanDelta(240)
                .setAlertWindows(2).setBaselineWindows(5).setUnexplained(0.2).setCauses(List.of(
                    AttributionCause.newBuilder().setKind("db_statement").setName("SELECT * FROM cart_items WHERE cart_id = ?")
                        .setShare(0.7).build(),
                    AttributionCause.newBuilder().setKind("cache").setName("cart-cache").setShare(0.1).build())).build())
            .build();
        ObjectNode o = AlertmanagerAlerts.of(a, "");
        assertThat(o.get("annotations").get("top_cause").asText())
            .isEqualTo("70 % db_statement SELECT * FROM cart_items WHERE cart_id = ?");
        assertThat(o.get("annotations").get("attribution").asText())
            .isEqualTo("70 % db_statement SELECT * FROM cart_items WHERE cart_id = ?; 10 % cache cart-cache; 20 % unexplained");
        assertThat(o.get("labels").has("top_cause")).as("not an identity").isFalse();
        ObjectNode partial = AlertmanagerAlerts.of(Alert.newBuilder(a).setAttribution(Attribution.newBuilder(a.getAttribution())
            .setNote("partial: perf.queries window 12:05 not seen; timed causes came to 103 % of the change, scaled to 100 %")
            .build()).build(), "");
        assertThat(partial.get("annotations").get("attribution").asText()).isEqualTo("70 % db_statement SELECT * FROM"
            + " cart_items WHERE cart_id = ?; 10 % cache cart-cache; 20 % unexplained; partial: perf.queries window 12:05 not seen");

        ObjectNode none = AlertmanagerAlerts.of(Alert.newBuilder(a).setAttribution(Attribution.newBuilder(a.getAttribution())
            .setCauses(List.of()).setUnexplained(1.0).setNote("no DB, cache, downstream or resource series of the service"
                + " moved with it").build()).build(), "");
        assertThat(none.get("annotations").has("top_cause")).isFalse();
        assertThat(none.get("annotations").get("attribution").asText())
            .isEqualTo("unexplained: no DB, cache, downstream or resource series of the service moved with it");
        assertThat(AlertmanagerAlerts.of(alert("metric=m,service=s", Map.of()), "").get("annotations").has("attribution"))
            .isFalse();

        ObjectNode webhook = WebhookBody.of(a);
        assertThat(webhook.path("attribution").path("causes").get(0).path("name").asText())
            .isEqualTo("SELECT * FROM cart_items WHERE cart_id = ?");
        assertThat(webhook.path("attribution").path("causes").get(0).path("share").asDouble()).isEqualTo(0.7);
        assertThat(webhook.path("attribution").path("unexplained").asDouble()).isEqualTo(0.2);
        assertThat(webhook.path("attribution").path("causes").get(0).path("deltaMs").isNull()).isTrue();
        assertThat(WebhookBody.of(alert("metric=m,service=s", Map.of())).has("attribution")).isFalse();
    }

    @Test
    void shouldNeverSendAnEndBeforeTheStart() {
        ObjectNode o = AlertmanagerAlerts.of(alert("metric=m,service=s", Map.of()), "");
        assertThat(AlertmanagerAlerts.withEndsAt(o, T.plusSeconds(240)).get("endsAt").asText()).isEqualTo("2026-12-05T10:04:00Z");
        assertThat(AlertmanagerAlerts.withEndsAt(o, T.minusSeconds(5)).get("endsAt").asText()).isEqualTo("2026-12-05T10:00:00.001Z");
        assertThat(o.has("endsAt")).as("the kept alert is not changed").isFalse();
    }

    @Test
    void shouldSignTheBodyAsGitHubStyleHexHmacSha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        assertThat(HttpPost.sign("Jefe", "what do ya want for nothing?".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            .isEqualTo("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
