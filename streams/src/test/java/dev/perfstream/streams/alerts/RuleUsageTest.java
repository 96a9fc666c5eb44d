package dev.perfstream.streams.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleUsageTest {
    private static final List<String> IDS = List.of("api-latency-p95", "db-statement-share", "cpu-saturation");

    @Test
    void shouldNameOnlyTheRulesThatNoTaskAndNoEvaluatorMatchedOnceTheWaitIsOver() {
        RuleUsage u = new RuleUsage(Duration.ofMinutes(10));
        // two tasks of the window-stats evaluator and the statement evaluator, each seeing part of the series
        u.check("v1", IDS, 0);
        u.matched("v1", "api-latency-p95");
        u.matched("v1", "db-statement-share");
        assertThat(u.check("v1", IDS, 9 * 60_000)).as("before the wait is over").isEmpty();
        assertThat(u.check("v1", IDS, 10 * 60_000)).containsExactly("cpu-saturation");
        assertThat(u.check("v1", IDS, 11 * 60_000)).as("once per rule set").isEmpty();
    }

    @Test
    void shouldStartTheWaitAgainForANewRuleSetAndIgnoreMatchesOfTheOldOne() {
        RuleUsage u = new RuleUsage(Duration.ofMinutes(10));
        u.check("v1", IDS, 0);
        u.matched("v1", "api-latency-p95");
        u.check("v2", IDS, 5 * 60_000);
        u.matched("v1", "cpu-saturation"); // a task still on the old version
        u.matched("v2", "db-statement-share");
        assertThat(u.check("v2", IDS, 14 * 60_000)).isEmpty();
        assertThat(u.check("v2", IDS, 15 * 60_000)).containsExactly("api-latency-p95", "cpu-saturation");
    }

    @Test
    void shouldSayNothingWhileNoSeriesAtAllArrived() {
        RuleUsage u = new RuleUsage(Duration.ofMinutes(10));
        u.check("v1", IDS, 0);
        assertThat(u.check("v1", IDS, 60 * 60_000)).isEmpty();
    }
}
