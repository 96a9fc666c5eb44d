package dev.perfstream.bench.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.models.backtest.ForecastBacktest;
import org.junit.jupiter.api.Test;

class ForecastEvalTest {
    private static final int DAY = 1440;

    @Test
    void shouldSplitScoredPointsIntoCalmIncidentAndEchoRegimes() {
        int n = 9 * DAY;
        boolean[] incident = new boolean[n];
        for (int i = 7 * DAY; i < 7 * DAY + 30; i++) { // a 30-minute incident on day 7
            incident[i] = true;
        }
        int h = 5;
        // targets: before it (calm), 60 steps after it ended at the origin (incident: the level window still
        // sees it), long after (calm), one day after it (echo)
        int[] target = {7 * DAY - 100, 7 * DAY + 30 + 60 + h - 1, 7 * DAY + 30 + 60 + h, 8 * DAY + 10};
        double[] actual = {1, 3, 1, 3};
        double[] ps = {1, 1, 2, 1};
        double[] yd = {2, 3, 1, 1};
        double[] lw = {1, 1, 1, 1};
        ForecastBacktest.Points p = new ForecastBacktest.Points(target, actual, ps, yd, lw, actual, actual);
        ForecastEval.RegimeSums r = ForecastEval.regimes(p, incident, h);
        double var = 1.0; // actuals 1, 3, 1, 3: mean 2, variance 1
        int calm = ForecastEval.Regime.CALM.ordinal();
        int inc = ForecastEval.Regime.INCIDENT.ordinal();
        int echo = ForecastEval.Regime.ECHO.ordinal();
        assertThat(r.n()).containsExactly(2, 1, 1);
        assertThat(r.perfstream()[calm]).isCloseTo(1 / var, within(1e-12)); // (1-1)^2 + (1-2)^2
        assertThat(r.yesterday()[calm]).isCloseTo(1 / var, within(1e-12)); // (1-2)^2 + 0
        assertThat(r.perfstream()[inc]).isCloseTo(4 / var, within(1e-12));
        assertThat(r.yesterday()[inc]).isZero();
        assertThat(r.perfstream()[echo]).isCloseTo(4 / var, within(1e-12));
        assertThat(r.lastWeek()[echo]).isCloseTo(4 / var, within(1e-12));
    }

    @Test
    void shouldMarkOnlyTheStepsWhereAnIncidentChangesTheExpectedValue() {
        java.time.Instant start = java.time.Instant.parse("2026-01-05T00:00:00Z");
        var targets = ForecastEval.targets(1, 1, start); // 1 day: scriptedIncidents puts its four incidents in it
        assertThat(targets).extracting(ForecastEval.Target::statistic).contains("rate", "p95", "error_rate");
        for (ForecastEval.Target t : targets) {
            int marked = 0;
            for (boolean b : t.incident()) {
                marked += b ? 1 : 0;
            }
            // an incident lasts at most 30 minutes per series, and a series has at most the four of the seed
            assertThat(marked).isLessThanOrEqualTo(4 * 30 + 4);
        }
        assertThat(targets).anySatisfy(t -> assertThat(t.incident()).contains(true));
        assertThat(targets).filteredOn(t -> t.statistic().equals("error_rate"))
            .anySatisfy(t -> assertThat(t.incident()).contains(true)); // the error burst
    }
}
