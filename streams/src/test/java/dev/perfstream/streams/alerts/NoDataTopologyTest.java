package dev.perfstream.streams.alerts;

import static dev.perfstream.streams.alerts.StatsFixtures.T0;
import static dev.perfstream.streams.alerts.StatsFixtures.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.streams.alerts.rule.RuleFileException;
import dev.perfstream.streams.alerts.rule.RuleSet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No data: deadman switches and the rules' no-data handling, on the wall clock of the test driver. */
class NoDataTopologyTest {
    @TempDir
    Path tmp;
    private final AlertsTopologyTest t = new AlertsTopologyTest();

    @AfterEach
    void close() {
        t.close();
    }

    private void send(dev.perfstream.schemas.avro.WindowStats s) {
        t.send(s);
    }

    private List<Alert> alerts() throws Exception {
        return t.alerts();
    }

    private static List<String> states(List<Alert> as) {
        return AlertsTopologyTest.states(as);
    }

    private static RuleSet rules(String yaml) throws Exception {
        return AlertsTopologyTest.rules(yaml);
    }

    private static final String P95 = """
        rules:
          - id: p95
            select: {metric: http.server.duration, service: "*"}
            statistic: p95
            op: ">"
            threshold: 200
            for: 1
            resolve-for: 1
        """;

    private void startWith(String yaml) throws Exception {
        RuleSet rs = rules(yaml);
        t.tmp = tmp;
        t.start(() -> rs);
    }

    private void advanceTo(Duration sinceT0) {
        // the driver's wall clock starts at T0; one advance per call fires the 1 s punctuator once
        t.driver.advanceWallClockTime(sinceT0.minus(elapsed));
        elapsed = sinceT0;
    }

    private Duration elapsed = Duration.ZERO;

    @Test
    void shouldFireADeadmanForASilentServiceAndResolveItWhenDataComesBack() throws Exception {
        startWith("""
            deadman:
              - id: checkout-silent
                select: {metric: http.server.duration, service: checkout}
                after: 5m
                severity: page
            """);
        for (int i = 0; i < 3; i++) {
            send(api("checkout", "/cart", i, 100, 50, 0)); // last window ends at T0 + 3 min
            send(api("search", "/q", i, 100, 50, 0));
        }
        advanceTo(Duration.ofMinutes(7)); // 4 min of silence
        assertThat(alerts()).isEmpty();
        advanceTo(Duration.ofMinutes(8).plusSeconds(30)); // 5.5 min
        List<Alert> fired = alerts();
        assertThat(states(fired)).containsExactly("checkout-silent:FIRING");
        assertThat(fired.get(0).getSummary()).contains("no data from checkout for 5m30s");
        assertThat(fired.get(0).getSeries()).isEqualTo("service=checkout");
        assertThat(fired.get(0).getLabels()).containsEntry("class", "no-data");
        advanceTo(Duration.ofMinutes(20));
        assertThat(alerts()).as("fires once").isEmpty();

        send(api("checkout", "/cart", 19, 100, 50, 0));
        List<Alert> back = alerts();
        assertThat(states(back)).containsExactly("checkout-silent:RESOLVED");
        assertThat(back.get(0).getSummary()).contains("checkout sends again");
    }

    @Test
    void shouldResolveAFiringAlertWhoseSeriesStoppedWhenNoDataIsOk() throws Exception {
        startWith(P95 + "    no-data: ok\n    no-data-after: 5m\n");
        send(api("checkout", "/cart", 0, 400, 50, 0));
        assertThat(states(alerts())).containsExactly("p95:FIRING");
        advanceTo(Duration.ofMinutes(5)); // 4 min after the window's end
        assertThat(alerts()).isEmpty();
        advanceTo(Duration.ofMinutes(6).plusSeconds(10));
        List<Alert> resolved = alerts();
        assertThat(states(resolved)).containsExactly("p95:RESOLVED");
        assertThat(resolved.get(0).getSummary()).contains("no data for 5m10s").contains("no-data: ok");
    }

    @Test
    void shouldFireNoDataForASilentSeriesWhenNoDataIsAlertingAndResolveWhenItIsFineAgain() throws Exception {
        startWith(P95 + "    no-data: alerting\n    no-data-after: 3m\n");
        send(api("checkout", "/cart", 0, 100, 50, 0)); // fine
        assertThat(alerts()).isEmpty();
        advanceTo(Duration.ofMinutes(4).plusSeconds(10));
        List<Alert> fired = alerts();
        assertThat(states(fired)).containsExactly("p95:FIRING");
        assertThat(fired.get(0).getSummary()).contains("NO DATA on").contains("/cart");
        send(api("checkout", "/cart", 5, 100, 50, 0));
        assertThat(states(alerts())).containsExactly("p95:RESOLVED");
    }

    @Test
    void shouldKeepAFiringAlertWhenItsSeriesStopsByDefault() throws Exception {
        startWith(P95);
        send(api("checkout", "/cart", 0, 400, 50, 0));
        assertThat(states(alerts())).containsExactly("p95:FIRING");
        advanceTo(Duration.ofHours(2));
        assertThat(alerts()).isEmpty();
    }

    @Test
    void shouldRejectAnUnknownNoDataModeAndADeadmanWithoutAfterNamingTheLines() {
        assertThatThrownBy(() -> rules(P95 + "    no-data: maybe\n"))
            .isInstanceOf(RuleFileException.class)
            .hasMessageContaining("test.yaml:9").hasMessageContaining("unknown no-data \"maybe\" (keep, ok, alerting)");
        assertThatThrownBy(() -> rules("deadman:\n  - id: d\n    select: {service: a}\n"))
            .isInstanceOf(RuleFileException.class)
            .hasMessageContaining("test.yaml:2").hasMessageContaining("missing 'after'");
        assertThatThrownBy(() -> rules("deadman:\n  - id: d\n    select: {service: a}\n    after: 10s\n"))
            .hasMessageContaining("shorter than a window reaches the alerts stage");
    }

    @Test
    void shouldStateNothingAboutTheDeadmanOfAServiceNeverSeen() throws Exception {
        startWith("""
            deadman:
              - id: never
                select: {service: ghost}
                after: 1m
            """);
        send(api("checkout", "/cart", 0, 100, 50, 0));
        advanceTo(Duration.ofHours(1));
        assertThat(alerts()).as("a service that never sent has no last window to be late from").isEmpty();
    }
}
