package dev.perfstream.sink.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Severity;
import java.time.Instant;
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
