package dev.perfstream.models.capacity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.models.forecast.SeriesForecaster;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScalingAdvisorTest {
    private static final long MIN = 60_000L;
    private static final long T0 = 1_767_276_000_000L; // 2026-01-01T14:00Z
    /** 10 req/s per instance. */
    private static final CapacityEstimate CAP = CapacityEstimate.override(10);
    private static final ScalingAdvisor.Policy POLICY = new ScalingAdvisor.Policy(2, 20, 30 * MIN, 30 * MIN, 1.0, 0.10);

    private static List<RateForecast> flat(double predicted, double lower, double upper) {
        return List.of(new RateForecast(5 * MIN, predicted, lower, upper), new RateForecast(30 * MIN, predicted, lower, upper));
    }

    @Test
    void shouldScaleOutAsSoonAsTheUpperBoundNeedsIt() {
        ScalingAdvisor a = new ScalingAdvisor(POLICY);
        List<RateForecast> fc = List.of(new RateForecast(5 * MIN, 38, 35, 41), new RateForecast(10 * MIN, 55, 48, 62),
            new RateForecast(2 * 60 * MIN, 200, 150, 250)); // beyond the look-ahead: ignored
        ScalingAdvisor.Step s = a.advise("payments", T0, 4, 38, fc, CAP, ScalingAdvisor.State.initial(4));
        Advice ad = s.advice();
        assertThat(ad.action()).isEqualTo(Advice.Action.SCALE_OUT);
        assertThat(ad.advised()).isEqualTo(7);
        assertThat(ad.expected()).isEqualTo(6);
        assertThat(ad.lower()).isEqualTo(5);
        assertThat(ad.upper()).isEqualTo(7);
        assertThat(ad.fromMs()).isEqualTo(T0 + 10 * MIN);
        assertThat(ad.summary()).isEqualTo(
            "payments needs 7 instances from 14:10 (now 4): expected 6, 90 % interval 5-7; cost 0.70/h (+0.30/h)");
        assertThat(s.state().advised()).isEqualTo(7);
    }

    @Test
    void shouldScaleOutOnTheCurrentRateEvenWithoutAForecast() {
        Advice ad = new ScalingAdvisor(POLICY).advise("s", T0, 3, 51, List.of(), CAP, ScalingAdvisor.State.initial(3)).advice();
        assertThat(ad.advised()).isEqualTo(6);
        assertThat(ad.fromMs()).isEqualTo(T0);
        assertThat(ad.reason()).contains("current rate");
    }

    @Test
    void shouldScaleInOnlyAfterTheHoldAndToTheMostThePeriodNeeded() {
        ScalingAdvisor a = new ScalingAdvisor(POLICY);
        ScalingAdvisor.State st = ScalingAdvisor.State.initial(8);
        double[] uppers = {45, 30, 30, 45, 30, 30, 30}; // 5, 3, 3, 5, 3, ... instances needed
        for (int m = 0; m < 30; m++) { // 30 steps of one minute: 0..29 min into the period, not yet the hold
            double u = uppers[Math.min(m, uppers.length - 1)];
            ScalingAdvisor.Step s = a.advise("s", T0 + m * MIN, 8, u, flat(u, u, u), CAP, st);
            assertThat(s.advice().advised()).as("minute " + m).isEqualTo(8);
            assertThat(s.advice().action()).isEqualTo(Advice.Action.HOLD);
            st = s.state();
        }
        ScalingAdvisor.Step s = a.advise("s", T0 + 30 * MIN, 8, 30, flat(30, 30, 30), CAP, st);
        assertThat(s.advice().action()).isEqualTo(Advice.Action.SCALE_IN);
        assertThat(s.advice().advised()).isEqualTo(5); // the most any minute of the period needed
        assertThat(s.advice().costDeltaPerHour()).isCloseTo(-0.30, within(1e-12));
        assertThat(s.state()).isEqualTo(ScalingAdvisor.State.initial(5));
    }

    @Test
    void shouldRestartTheHoldWhenTheForecastNeedsTheAdvisedCountAgain() {
        ScalingAdvisor a = new ScalingAdvisor(POLICY);
        ScalingAdvisor.State st = ScalingAdvisor.State.initial(8);
        for (int m = 0; m < 20; m++) {
            st = a.advise("s", T0 + m * MIN, 8, 30, flat(30, 30, 30), CAP, st).state();
        }
        st = a.advise("s", T0 + 20 * MIN, 8, 80, flat(80, 80, 80), CAP, st).state(); // needs 8 again
        for (int m = 21; m < 50; m++) {
            ScalingAdvisor.Step s = a.advise("s", T0 + m * MIN, 8, 30, flat(30, 30, 30), CAP, st);
            assertThat(s.advice().advised()).as("minute " + m).isEqualTo(8);
            st = s.state();
        }
        assertThat(a.advise("s", T0 + 51 * MIN, 8, 30, flat(30, 30, 30), CAP, st).advice().advised()).isEqualTo(3);
    }

    @Test
    void shouldScaleInAtOnceWithoutAHold() {
        ScalingAdvisor.Policy p = new ScalingAdvisor.Policy(1, 20, 0, 30 * MIN, 1.0, 0.10);
        Advice ad = new ScalingAdvisor(p).advise("s", T0, 8, 30, flat(30, 25, 30), CAP, ScalingAdvisor.State.initial(8)).advice();
        assertThat(ad.advised()).isEqualTo(3);
        assertThat(ad.action()).isEqualTo(Advice.Action.SCALE_IN);
    }

    @Test
    void shouldStayWithinMinAndMax() {
        ScalingAdvisor a = new ScalingAdvisor(new ScalingAdvisor.Policy(2, 6, 0, 30 * MIN, 1.0, 1.0));
        Advice high = a.advise("s", T0, 4, 100, flat(100, 90, 110), CAP, ScalingAdvisor.State.initial(4)).advice();
        assertThat(high.advised()).isEqualTo(6);
        assertThat(high.upper()).isEqualTo(11);
        assertThat(high.reason()).contains("capped at the maximum 6 (needs 11)");
        Advice low = a.advise("s", T0, 4, 1, flat(1, 0, 2), CAP, ScalingAdvisor.State.initial(4)).advice();
        assertThat(low.advised()).isEqualTo(2);
        assertThat(low.costPerHour()).isEqualTo(2.0);
        assertThat(low.costDeltaPerHour()).isEqualTo(-2.0);
    }

    @Test
    void shouldApplyTheHeadroom() {
        ScalingAdvisor a = new ScalingAdvisor(new ScalingAdvisor.Policy(1, 20, 0, 30 * MIN, 1.25, 0));
        assertThat(a.advise("s", T0, 1, 40, List.of(), CAP, ScalingAdvisor.State.initial(1)).advice().advised()).isEqualTo(5);
    }

    @Test
    void shouldGiveNoAdviceWhenTheCapacityIsUnknown() {
        CapacityEstimate unknown = new CapacityModel(CapacityModel.Config.latency(200)).fit(List.of());
        Advice ad = new ScalingAdvisor(POLICY).advise("s", T0, 4, 38, flat(40, 30, 50), unknown,
            ScalingAdvisor.State.initial(4)).advice();
        assertThat(ad.action()).isEqualTo(Advice.Action.UNKNOWN);
        assertThat(ad.advised()).isEqualTo(4);
        assertThat(ad.capacity()).isNaN();
        assertThat(ad.reason()).contains("too few samples");
        assertThat(ad.summary()).startsWith("s: no advice (capacity unknown");
    }

    @Test
    void shouldFlagAnExtrapolatedCapacity() {
        CapacityEstimate ex = new CapacityEstimate(CapacityEstimate.Status.EXTRAPOLATED, 10, 11, 9, "p95", 100,
            "capacity not observed; extrapolated 1.22x beyond the highest load per instance seen");
        Advice ad = new ScalingAdvisor(POLICY).advise("s", T0, 4, 38, List.of(), ex, ScalingAdvisor.State.initial(4)).advice();
        assertThat(ad.capacitySource()).isEqualTo("model-extrapolated");
        assertThat(ad.reason()).contains("extrapolated");
    }

    @Test
    void shouldRoundTripTheStateAndRefuseBadBytes() {
        ScalingAdvisor.State st = new ScalingAdvisor.State(7, T0, 5);
        assertThat(ScalingAdvisor.State.decode(st.encode())).isEqualTo(st);
        assertThat(ScalingAdvisor.State.decode(ScalingAdvisor.State.initial(3).encode())).isEqualTo(ScalingAdvisor.State.initial(3));
        assertThatThrownBy(() -> ScalingAdvisor.State.decode(new byte[3])).hasMessageContaining("16 bytes");
    }

    @Test
    void shouldRefuseBadInputsNamingThem() {
        assertThatThrownBy(() -> new ScalingAdvisor.Policy(0, -1, -1, 0, 0.5, -1)).hasMessageContaining("minInstances")
            .hasMessageContaining("maxInstances").hasMessageContaining("scaleInHoldMs").hasMessageContaining("lookaheadMs")
            .hasMessageContaining("headroom").hasMessageContaining("pricePerInstanceHour");
        assertThatThrownBy(() -> new ScalingAdvisor(POLICY).advise("s", T0, 0, 1, List.of(), CAP, ScalingAdvisor.State.initial(1)))
            .hasMessageContaining("current instances");
        assertThatThrownBy(() -> new RateForecast(0, 1, 1, 1)).hasMessageContaining("horizon");
    }

    @Test
    void shouldTakeTheForecastersPoints() {
        List<RateForecast> fc = RateForecast.of(List.of(new SeriesForecaster.Point(5, 10, 8, 12, "v")), MIN);
        assertThat(fc).containsExactly(new RateForecast(5 * MIN, 10, 8, 12));
    }

    @Test
    void shouldCarryASteepUpwardTrendOnlyWhenItIsClear() {
        RateForecast r = RateForecast.ramp(new SeriesForecaster.Trend(100, 5, 8), MIN, 4 * MIN, 3);
        assertThat(r).isEqualTo(new RateForecast(4 * MIN, 120, 120, 120));
        assertThat(RateForecast.ramp(new SeriesForecaster.Trend(100, 5, 2), MIN, 4 * MIN, 3)).isNull();
        assertThat(RateForecast.ramp(new SeriesForecaster.Trend(100, -5, -8), MIN, 4 * MIN, 3)).isNull();
        assertThat(RateForecast.ramp(null, MIN, 4 * MIN, 3)).isNull();
        // within the look-ahead it scales out like any forecast
        Advice ad = new ScalingAdvisor(POLICY).advise("s", T0, 10, 100, List.of(r), CAP, ScalingAdvisor.State.initial(10))
            .advice();
        assertThat(ad.advised()).isEqualTo(12);
        assertThat(ad.fromMs()).isEqualTo(T0 + 4 * MIN);
    }
}
