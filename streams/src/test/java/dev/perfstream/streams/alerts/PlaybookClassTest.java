package dev.perfstream.streams.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.streams.alerts.rule.AlertClass;
import dev.perfstream.streams.alerts.rule.Rule;
import dev.perfstream.streams.alerts.rule.RuleParser;
import dev.perfstream.streams.alerts.rule.RuleSet;
import dev.perfstream.streams.alerts.rule.RuleSource;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Frontend signals get frontend advice, first-byte time CDN advice, backend signals backend advice. */
class PlaybookClassTest {
    @Test
    void shouldGiveTheDefaultRulesAPlaybookThatFitsTheirSignal() throws Exception {
        RuleSet rs = RuleParser.parse("defaults", RuleSource.defaultText(), AlertsTopologyTest.WINDOWS);
        Map<String, AlertClass> byId = rs.rules().stream().collect(Collectors.toMap(Rule::id, Rule::alertClass));
        rs.rules().stream().filter(r -> r.selector().kind() == dev.perfstream.schemas.avro.SeriesKind.RUM).forEach(r ->
            assertThat(r.alertClass()).as(r.id()).isEqualTo("TTFB".equals(r.selector().name()) ? AlertClass.CDN : AlertClass.FRONTEND));
        assertThat(byId).containsValue(AlertClass.FRONTEND).containsValue(AlertClass.CDN).containsValue(AlertClass.HIGH_LATENCY);
    }

    @Test
    void shouldDefaultARumRuleWithoutClassToFrontendAndTtfbToCdn() throws Exception {
        RuleSet rs = AlertsTopologyTest.rules("""
            rules:
              - id: lcp
                select: {vital: LCP}
                statistic: p75
                threshold: 2500
              - id: ttfb
                select: {vital: TTFB}
                statistic: p75
                threshold: 800
              - id: api
                select: {metric: http.server.duration}
                statistic: p95
                threshold: 200
            """);
        assertThat(rs.rules()).extracting(Rule::alertClass).containsExactly(AlertClass.FRONTEND, AlertClass.CDN,
            AlertClass.HIGH_LATENCY);
        assertThat(rs.rules().get(0).playbook()).contains("render-blocking").doesNotContain("scale out");
    }
}
