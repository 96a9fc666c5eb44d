package dev.perfstream.streams.alerts;

import static dev.perfstream.streams.alerts.StatsFixtures.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.streams.alerts.rule.RuleFileException;
import dev.perfstream.streams.alerts.rule.RuleSet;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rule's own summary, description and runbook_url templates; unknown fields rejected at load. */
class RuleTemplateTest {
    @TempDir
    Path tmp;
    private final AlertsTopologyTest t = new AlertsTopologyTest();

    @AfterEach
    void close() {
        t.close();
    }

    private static final String RULE = """
        rules:
          - id: cart-p95
            select: {metric: http.server.duration, service: checkout}
            statistic: p95
            op: ">"
            threshold: 200
            for: 1
            resolve-for: 1
            labels: {team: payments}
            summary: "{{ .service }} {{ .route }} is slow: p95 {{ .value | ms }} over {{ .threshold | ms }} ({{ .window }} window)"
            description: "Page {{ .labels.team }}; p95 is {{ .statistic }}"
            runbook_url: "https://runbooks.example/{{ .service }}/latency"
        """;

    @Test
    void shouldRenderTheRulesOwnTextsIntoItsAlerts() throws Exception {
        RuleSet rs = AlertsTopologyTest.rules(RULE);
        t.tmp = tmp;
        t.start(() -> rs);
        t.send(api("checkout", "/cart", 0, 1250, 50, 0));
        t.send(api("checkout", "/cart", 1, 120, 50, 0));
        List<Alert> as = t.alerts();
        assertThat(AlertsTopologyTest.states(as)).containsExactly("cart-p95:FIRING", "cart-p95:RESOLVED");
        assertThat(as.get(0).getSummary()).isEqualTo("checkout /cart is slow: p95 1.25 s over 200 ms (1m window)");
        assertThat(as.get(0).getPlaybook()).isEqualTo("Page payments; p95 is p95");
        assertThat(as.get(0).getLabels()).containsEntry("runbook_url", "https://runbooks.example/checkout/latency");
        assertThat(as.get(1).getSummary()).isEqualTo("RESOLVED cart-p95: checkout /cart is slow: p95 120 ms over 200 ms (1m window)");
    }

    @Test
    void shouldRejectATemplateWithAnUnknownFieldOrFunctionNamingTheRuleAndTheField() {
        assertThatThrownBy(() -> AlertsTopologyTest.rules(RULE.replace("{{ .route }}", "{{ .hostname }}")
            .replace("{{ .value | ms }}", "{{ .value | upper }}")))
            .isInstanceOf(RuleFileException.class)
            .hasMessageContaining("test.yaml:10: rule 'cart-p95' summary: unknown field .hostname")
            .hasMessageContaining("unknown function upper");
        assertThatThrownBy(() -> AlertsTopologyTest.rules(RULE.replace("{{ .labels.team }}", "{{ .labels.owner }}")))
            .hasMessageContaining("rule 'cart-p95' description: unknown field .labels.owner");
        assertThatThrownBy(() -> AlertsTopologyTest.rules(RULE.replace("{{ .service }}/latency", "{{ service }}/latency")))
            .hasMessageContaining("runbook_url: malformed placeholder");
    }
}
