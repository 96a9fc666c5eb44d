package dev.perfstream.bench.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CapacitySimulationTest {
    private static final long MIN = 60_000L;
    /** Six days at a 5-minute step, two of history: small enough for a unit test. */
    private static final CapacitySimulation.Settings SHORT = new CapacitySimulation.Settings(6, 2, 5 * MIN, 3 * MIN, 2.5, 200,
        30 * MIN, 15 * MIN, new long[] {5 * MIN, 15 * MIN}, 0.10, 6 * 60 * MIN, 0);

    @Test
    void shouldPutTheTrueCapacityWhereTheCurveReachesTheKpi() {
        double cap = CapacitySimulation.trueCapacity(50, 200);
        assertThat(CapacitySimulation.p95(cap / 50)).isCloseTo(200, within(0.01));
        assertThat(CapacitySimulation.p95(0.995)).isInfinite();
    }

    @Test
    void shouldBeAPureFunctionOfSettingsAndSeed() {
        CapacitySimulation.Outcome a = new CapacitySimulation(SHORT, 3).run(p -> { });
        CapacitySimulation.Outcome b = new CapacitySimulation(SHORT, 3).run(p -> { });
        assertThat(a.results()).isEqualTo(b.results());
        assertThat(a.truth().firstEstimate()).isEqualTo(b.truth().firstEstimate());
    }

    @Test
    void shouldCoverTheKpiWithFewerInstanceHoursThanTheStaticPeak() {
        CapacitySimulation.Outcome o = new CapacitySimulation(SHORT, 2).run(p -> { });
        CapacitySimulation.Result advisor = o.results().get(CapacitySimulation.Method.ADVISOR.ordinal());
        CapacitySimulation.Result peak = o.results().get(CapacitySimulation.Method.STATIC_PEAK.ordinal());
        CapacitySimulation.Result mean = o.results().get(CapacitySimulation.Method.STATIC_MEAN.ordinal());
        assertThat(advisor.steps()).isEqualTo(4 * 288);
        assertThat(advisor.coverage()).isGreaterThanOrEqualTo(0.95);
        assertThat(advisor.instanceHours()).isLessThan(peak.instanceHours());
        assertThat(peak.coverage()).isGreaterThan(mean.coverage());
        assertThat(o.truth().firstEstimate().crossing()).isCloseTo(o.truth().trueCapacity(),
            within(0.1 * o.truth().trueCapacity()));
    }
}
