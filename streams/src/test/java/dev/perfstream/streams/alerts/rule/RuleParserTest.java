package dev.perfstream.streams.alerts.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.streams.alerts.slo.BurnRate;
import dev.perfstream.streams.alerts.slo.Slo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RuleParserTest {
    static final Set<Duration> WINDOWS = Set.of(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5));

    static String resource(String name) throws IOException {
        try (InputStream in = RuleParserTest.class.getResourceAsStream("/rules/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<RuleProblem> problems(String file) throws IOException {
        try {
            RuleParser.parse(file, resource(file), WINDOWS);
        } catch (RuleFileException e) {
            return e.problems();
        }
        throw new AssertionError(file + " was accepted");
    }

    @Test
    void shouldShipThePlatformKpisAsDefaults() throws Exception {
        RuleSet rs = RuleParser.parse("defaults", RuleSource.defaultText(), WINDOWS);
        assertThat(rs.warnings()).isEmpty();
        assertThat(rs.rules()).extracting(Rule::id).contains("api-latency-p95", "api-error-rate", "db-query-mean",
            "page-load-p75", "lcp-p75", "fcp-p75", "inp-p75", "cls-p75", "ttfb-p75");
        Rule p95 = rs.rules().stream().filter(r -> r.id().equals("api-latency-p95")).findFirst().orElseThrow();
        assertThat(p95.statistic()).isEqualTo(Statistic.P95);
        assertThat(p95.threshold()).isEqualTo(200.0);
        assertThat(p95.resolve()).isEqualTo(180.0);
        assertThat(p95.severity()).isEqualTo(Severity.PAGE);
        assertThat(p95.window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(p95.policy().forWindows()).isEqualTo(2);
        // The KPIs apply to the OpenTelemetry names (through OTLP) as to perfstream's own.
        assertThat(p95.selector().nameCouldMatch("http.server.duration")).isTrue();
        assertThat(p95.selector().nameCouldMatch("http.server.request.duration")).isTrue();
        assertThat(p95.selector().nameCouldMatch("http.client.request.duration")).isFalse();
        Rule db = rs.rules().stream().filter(r -> r.id().equals("db-query-mean")).findFirst().orElseThrow();
        assertThat(db.selector().nameCouldMatch("db.query.duration")).isTrue();
        assertThat(db.selector().nameCouldMatch("db.client.operation.duration")).isTrue();
        Rule err = rs.rules().stream().filter(r -> r.id().equals("api-error-rate")).findFirst().orElseThrow();
        assertThat(err.threshold()).isEqualTo(0.001);
        assertThat(err.alertClass()).isEqualTo(AlertClass.ERROR_BURST);
        assertThat(err.selector().nameCouldMatch("http.server.request.duration")).isTrue();
        Rule pageLoad = rs.rules().stream().filter(r -> r.id().equals("page-load-p75")).findFirst().orElseThrow();
        assertThat(pageLoad.threshold()).isEqualTo(2000.0);
        Rule cls = rs.rules().stream().filter(r -> r.id().equals("cls-p75")).findFirst().orElseThrow();
        assertThat(cls.threshold()).isEqualTo(0.1);
        Slo slo = rs.slos().get(0);
        assertThat(slo.objective()).isEqualTo(0.999, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(slo.burnRates()).extracting(BurnRate::factor).containsExactly(14.4, 6.0, 3.0);
        assertThat(slo.burnRates()).extracting(BurnRate::longWindow)
            .containsExactly(Duration.ofHours(1), Duration.ofHours(6), Duration.ofDays(1));
        assertThat(slo.burnRates()).extracting(BurnRate::shortWindow)
            .containsExactly(Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2));
        assertThat(slo.burnRates()).extracting(BurnRate::severity).containsExactly(Severity.PAGE, Severity.PAGE, Severity.TICKET);
    }

    @Test
    void shouldRejectUnknownStatisticWithLine() throws Exception {
        assertThat(problems("bad-unknown-statistic.yaml")).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(4);
            assertThat(p.message()).contains("unknown statistic \"p96\"").contains("p95");
            assertThat(p.toString()).startsWith("bad-unknown-statistic.yaml:4: ");
        });
    }

    @Test
    void shouldRejectNonNumericThresholdWithLine() throws Exception {
        assertThat(problems("bad-threshold-not-number.yaml")).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(5);
            assertThat(p.message()).contains("threshold: \"fast\" is not a number");
        });
    }

    @Test
    void shouldRejectDuplicateIdsNamingBothLines() throws Exception {
        assertThat(problems("bad-duplicate-ids.yaml")).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(6);
            assertThat(p.message()).contains("duplicate id 'api-latency'").contains("line 2");
        });
    }

    @Test
    void shouldRejectYamlSyntaxErrorWithLine() throws Exception {
        assertThat(problems("bad-yaml-syntax.yaml")).singleElement().satisfies(p -> {
            assertThat(p.message()).startsWith("YAML syntax error");
            assertThat(p.line()).isBetween(3, 5);
        });
    }

    @Test
    void shouldReportEveryProblemAtOnce() throws Exception {
        List<RuleProblem> ps = problems("bad-many-problems.yaml");
        assertThat(ps).extracting(RuleProblem::line).containsExactly(3, 10, 13, 15, 19, 20, 22, 23);
        assertThat(ps).anySatisfy(p -> assertThat(p.message()).contains("window").contains("unknown unit"));
        assertThat(ps).anySatisfy(p -> assertThat(p.message()).contains("resolve threshold 250 must be on the good side"));
        assertThat(ps).anySatisfy(p -> assertThat(p.message()).contains("unknown statistic \"median\""));
        assertThat(ps).anySatisfy(p -> assertThat(p.message()).contains("unknown severity \"urgent\""));
        assertThat(ps).anySatisfy(p -> assertThat(p.message()).contains("threshold: \"2.5 seconds\" is not a number"));
        assertThat(ps).anySatisfy(p -> assertThat(p.message()).contains("unknown key 'tresholdd'"));
        assertThat(ps).anySatisfy(p -> assertThat(p.message()).contains("duplicate id 'a'"));
        assertThat(ps).anySatisfy(p -> assertThat(p.message()).contains("objective must be between"));
        // The exception message lists them all with file and line, for the start-up log.
        assertThatThrownBy(() -> RuleParser.parse("bad-many-problems.yaml", resource("bad-many-problems.yaml"), WINDOWS))
            .hasMessageContaining("bad-many-problems.yaml:13: unknown statistic")
            .hasMessageContaining("bad-many-problems.yaml:20: unknown key 'tresholdd'");
    }

    @Test
    void shouldWarnWhenSelectorCanMatchNothing() throws Exception {
        RuleSet rs = RuleParser.parse("warn.yaml", resource("warn-selector-matches-nothing.yaml"), WINDOWS);
        assertThat(rs.rules()).hasSize(2);
        assertThat(rs.warnings()).hasSize(2);
        assertThat(rs.warnings().get(0).line()).isEqualTo(2);
        assertThat(rs.warnings().get(0).message()).contains("vital 'LPC'").contains("matches nothing");
        assertThat(rs.warnings().get(1).line()).isEqualTo(6);
        assertThat(rs.warnings().get(1).message()).contains("evaluates 30s windows").contains("emits 10s, 1m, 5m").contains("matches nothing");
    }

    @Test
    void shouldAcceptPercentDurationAndPlainThresholds() throws Exception {
        String yaml = """
            rules:
              - {id: a, select: {metric: m}, statistic: error_rate, threshold: 1%, resolve: 0.005}
              - {id: b, select: {metric: m}, statistic: p99, threshold: 1.5s, resolve: 1200}
              - {id: c, select: {metric: m}, statistic: rate, op: "<", threshold: 10, resolve: 20, class: traffic-surge}
            """;
        RuleSet rs = RuleParser.parse("t", yaml, WINDOWS);
        assertThat(rs.rules()).extracting(Rule::threshold).containsExactly(0.01, 1500.0, 10.0);
        assertThat(rs.rules()).extracting(Rule::resolve).containsExactly(0.005, 1200.0, 20.0);
        assertThat(rs.rules().get(2).op()).isEqualTo(Op.LT);
        assertThat(rs.rules().get(2).alertClass().playbook()).contains("capacity");
    }

    @Test
    void shouldGiveTheSameVersionToTheSameContentAndAnotherToChangedContent() throws Exception {
        String a = "rules:\n  - {id: a, select: {metric: m}, statistic: p95, threshold: 200}\n";
        String b = "# a comment\nrules:\n  - {id: a, select: {metric: m}, statistic: p95, threshold: 200}\n";
        String c = "rules:\n  - {id: a, select: {metric: m}, statistic: p95, threshold: 210}\n";
        assertThat(RuleParser.parse("a", a, WINDOWS).version()).isEqualTo(RuleParser.parse("b", b, WINDOWS).version());
        assertThat(RuleParser.parse("a", a, WINDOWS).version()).isNotEqualTo(RuleParser.parse("c", c, WINDOWS).version());
    }

    @Test
    void shouldParseTheStatementAndCacheDefaultsWithABaselineRule() throws Exception {
        RuleSet rs = RuleParser.parse("defaults", RuleSource.defaultText(), WINDOWS);
        Rule share = rs.rule("db-statement-share");
        assertThat(share.statistic()).isEqualTo(Statistic.SHARE);
        assertThat(share.threshold()).isEqualTo(0.8);
        assertThat(share.alertClass()).isEqualTo(AlertClass.DATABASE);
        Rule doubled = rs.rule("db-statement-p95-doubled");
        assertThat(doubled.baseline()).isEqualTo(new Baseline(2, 30, 10));
        assertThat(doubled.threshold()).isEqualTo(5.0);
        Rule cache = rs.rule("cache-hit-ratio");
        assertThat(cache.statistic()).isEqualTo(Statistic.HIT_RATIO);
        assertThat(cache.op()).isEqualTo(Op.LT);
        assertThat(cache.threshold()).isEqualTo(0.8);
        assertThat(cache.policy().forWindows()).isEqualTo(10);
        assertThat(cache.window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(cache.severity()).isEqualTo(Severity.WARNING);
        assertThat(cache.alertClass()).isEqualTo(AlertClass.CACHE);
    }

    @Test
    void shouldRejectBadBaselinesNamingTheLine() throws Exception {
        String yaml = """
            rules:
              - id: a
                select: {metric: db.statement}
                statistic: p95
                op: "<"
                threshold: 5ms
                baseline: {factor: 1, windows: 1, color: red}
            """;
        assertThatThrownBy(() -> RuleParser.parse("b.yaml", yaml, WINDOWS)).isInstanceOf(RuleFileException.class)
            .hasMessageContaining("baseline factor must be > 1")
            .hasMessageContaining("baseline works with op > or >=")
            .hasMessageContaining("color")
            .hasMessageContaining("b.yaml:7");
        String noFactor = yaml.replace("{factor: 1, windows: 1, color: red}", "{windows: 20}").replace("\"<\"", "\">\"");
        assertThatThrownBy(() -> RuleParser.parse("c.yaml", noFactor, WINDOWS)).hasMessageContaining("baseline needs a 'factor'");
    }
}
