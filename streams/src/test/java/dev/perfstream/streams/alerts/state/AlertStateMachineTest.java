package dev.perfstream.streams.alerts.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.streams.alerts.rule.Policy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertStateMachineTest {
    static final long M = 60_000;
    static final Policy P = new Policy(2, 2, Duration.ofMinutes(10), 3, Duration.ofMinutes(30), 5);

    /** Runs values through a "> 100, resolve below 90" rule, one per minute; returns the emissions. */
    static List<String> run(Policy p, double... values) {
        AlertStatus s = AlertStatus.initial("r", "v1", "series");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            Transition t = AlertStateMachine.step(s, p, i * M, (i + 1) * M, v, v > 100, !(v > 90));
            s = t.status();
            out.add(t.emit() == Transition.Emit.NONE ? s.phase().name().substring(0, 1) : t.emit().name());
        }
        return out;
    }

    @Test
    void shouldStayPendingUntilForWindowsThenFireOnce() {
        assertThat(run(P, 150, 150, 150, 150)).containsExactly("P", "FIRING", "F", "F");
    }

    @Test
    void shouldDropPendingWhenTheBreachDoesNotHold() {
        assertThat(run(P, 150, 50, 150, 50)).containsExactly("P", "I", "P", "I");
    }

    @Test
    void shouldResolveOnlyBelowTheResolveThresholdForResolveWindows() {
        // 95 is in the hysteresis band (not > 100, but > 90): firing holds; 80 twice resolves.
        assertThat(run(P, 150, 150, 95, 95, 80, 95, 80, 80)).containsExactly(
            "P", "FIRING", "F", "F", "F", "F", "F", "RESOLVED");
    }

    @Test
    void shouldIgnoreNaNAsNoData() {
        assertThat(run(P, 150, Double.NaN, 150, Double.NaN, 50, Double.NaN, 50)).containsExactly(
            "P", "P", "FIRING", "F", "F", "F", "RESOLVED");
    }

    @Test
    void shouldRenotifyAtTheIntervalWhileFiring() {
        double[] v = new double[25];
        java.util.Arrays.fill(v, 150);
        List<String> out = run(P, v);
        assertThat(out.stream().filter("FIRING"::equals)).hasSize(1);
        // fired at window end 2 min; reminders at 12 and 22 min.
        assertThat(out.get(11)).isEqualTo("REPEAT");
        assertThat(out.get(21)).isEqualTo("REPEAT");
        assertThat(out.stream().filter("REPEAT"::equals)).hasSize(2);
    }

    @Test
    void shouldHoldResolutionOfAFlappingAlert() {
        Policy p = new Policy(1, 1, Duration.ZERO, 3, Duration.ofMinutes(30), 5);
        List<String> out = run(p, 150, 50, 150, 50, 150, 50, 150, 50, 50, 50, 50, 50);
        // Two ordinary cycles, then the third start is flapping: no RESOLVED until 5 clear windows,
        // and the breach in between continues the same FIRING.
        assertThat(out).containsExactly("FIRING", "RESOLVED", "FIRING", "RESOLVED", "FIRING", "F", "F", "F", "F", "F",
            "F", "RESOLVED");
    }

    @Test
    void shouldIgnoreOldAndDuplicateWindows() {
        AlertStatus s = AlertStatus.initial("r", "v1", "series");
        Policy p = new Policy(1, 1, Duration.ZERO, 3, Duration.ofMinutes(30), 5);
        Transition fire = AlertStateMachine.step(s, p, 0, M, 150, true, false);
        assertThat(fire.emit()).isEqualTo(Transition.Emit.FIRING);
        Transition again = AlertStateMachine.step(fire.status(), p, 0, M, 150, true, false);
        assertThat(again.emit()).isEqualTo(Transition.Emit.NONE);
        assertThat(again.status()).isEqualTo(fire.status());
        Transition older = AlertStateMachine.step(fire.status(), p, -M, 0, 10, false, true);
        assertThat(older.emit()).isEqualTo(Transition.Emit.NONE);
    }
}
