package dev.perfstream.models.capacity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CapacityModelTest {
    private static final long MIN = 60_000L;
    private static final double KPI = 200;
    /** Requests per second one instance serves at utilisation 1. */
    private static final double MU = 50;

    /** p95 of a multi-server queue (Sakasegawa's approximation, 4 workers): flat at low load, steep near 1. */
    private static double p95(double rho) {
        return 60 * (1 + Math.pow(rho, Math.sqrt(10) - 1) / (1 - rho));
    }

    /** The load per instance at which p95(rho) is the KPI, by bisection. */
    private static double trueCrossing() {
        double lo = 0;
        double hi = 0.999;
        for (int i = 0; i < 100; i++) {
            double mid = (lo + hi) / 2;
            if (p95(mid) < KPI) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo * MU;
    }

    /** Two days of 1-minute samples, daily load cycle, 4 instances, peak utilisation {@code peakRho}. */
    private static List<CapacitySample> history(double peakRho, double noise, long seed) {
        Random rnd = new Random(seed);
        List<CapacitySample> out = new ArrayList<>();
        for (int i = 0; i < 2880; i++) {
            double season = 1 + 0.5 * Math.cos(2 * Math.PI * (i / 60.0 - 14) / 24); // 0.5..1.5
            double rho = peakRho * season / 1.5;
            double p = p95(rho) * Math.exp(noise * rnd.nextGaussian());
            double cpu = 90 * rho + 2 * rnd.nextGaussian();
            out.add(new CapacitySample(i * MIN, rho * MU * 4, 4, cpu, p));
        }
        return out;
    }

    @Test
    void shouldRecoverTheCapacityWithin5PercentWhenTheHistoryCameNearIt() {
        double truth = trueCrossing(); // 38.0 req/s per instance
        CapacityEstimate e = new CapacityModel(CapacityModel.Config.latency(KPI)).fit(history(0.8, 0.05, 1));
        assertThat(e.status()).isEqualTo(CapacityEstimate.Status.OBSERVED);
        assertThat(e.binding()).isEqualTo("p95");
        assertThat(e.crossing()).isCloseTo(truth, within(0.05 * truth));
        assertThat(e.perInstance()).isLessThan(e.crossing()).isGreaterThan(0.85 * truth);
    }

    @Test
    void shouldKeepTheRecoveryOnOtherSeeds() {
        double truth = trueCrossing();
        for (long seed = 2; seed <= 6; seed++) {
            CapacityEstimate e = new CapacityModel(CapacityModel.Config.latency(KPI)).fit(history(0.8, 0.05, seed));
            assertThat(e.crossing()).as("seed " + seed).isCloseTo(truth, within(0.05 * truth));
        }
    }

    @Test
    void shouldSayExtrapolatedWhenTheHistoryStayedBelowTheCrossing() {
        double truth = trueCrossing();
        CapacityEstimate e = new CapacityModel(CapacityModel.Config.latency(KPI)).fit(history(0.68, 0.05, 1));
        assertThat(e.status()).isEqualTo(CapacityEstimate.Status.EXTRAPOLATED);
        assertThat(e.reason()).contains("capacity not observed; extrapolated");
        assertThat(e.crossing()).isGreaterThan(e.maxObserved()).isCloseTo(truth, within(0.10 * truth));
    }

    @Test
    void shouldRefuseToExtrapolateFarBeyondTheLoadsSeen() {
        CapacityEstimate e = new CapacityModel(CapacityModel.Config.latency(KPI)).fit(history(0.3, 0.05, 1));
        assertThat(e.status()).isEqualTo(CapacityEstimate.Status.UNKNOWN);
        assertThat(e.known()).isFalse();
        assertThat(e.perInstance()).isNaN();
        assertThat(e.reason()).contains("capacity not observed");
    }

    @Test
    void shouldLetTheCpuKpiBindWhenItIsCrossedFirst() {
        // CPU = 90 x utilisation: a 50 % CPU KPI is crossed at utilisation 0.56, before the p95 KPI (0.76)
        CapacityEstimate e = new CapacityModel(CapacityModel.Config.latency(KPI).withCpuKpi(50)).fit(history(0.8, 0.05, 1));
        assertThat(e.binding()).isEqualTo("cpu");
        assertThat(e.crossing()).isCloseTo(50.0 / 90 * MU, within(0.02 * MU));
    }

    @Test
    void shouldBeUnknownWithTooFewSamples() {
        CapacityEstimate e = new CapacityModel(CapacityModel.Config.latency(KPI)).fit(history(0.8, 0.05, 1).subList(0, 59));
        assertThat(e.status()).isEqualTo(CapacityEstimate.Status.UNKNOWN);
        assertThat(e.reason()).contains("too few samples: 59");
        assertThat(new CapacityModel(CapacityModel.Config.latency(KPI)).fit(List.of()).known()).isFalse();
    }

    @Test
    void shouldBeUnknownWhenTheLoadNeverVaried() {
        Random rnd = new Random(3);
        List<CapacitySample> flat = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            flat.add(new CapacitySample(i * MIN, 120 * (1 + 0.01 * rnd.nextGaussian()), 4, 50, 80 * (1 + 0.05 * rnd.nextGaussian())));
        }
        CapacityEstimate e = new CapacityModel(CapacityModel.Config.latency(KPI)).fit(flat);
        assertThat(e.status()).isEqualTo(CapacityEstimate.Status.UNKNOWN);
        assertThat(e.reason()).contains("nearly constant");
    }

    @Test
    void shouldBeUnknownWhenLatencyDoesNotRiseWithLoad() {
        Random rnd = new Random(4);
        List<CapacitySample> calm = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            double rate = 40 + 80 * rnd.nextDouble();
            calm.add(new CapacitySample(i * MIN, rate, 4, Double.NaN, 80 * Math.exp(0.05 * rnd.nextGaussian())));
        }
        CapacityEstimate e = new CapacityModel(CapacityModel.Config.latency(KPI)).fit(calm);
        assertThat(e.status()).isEqualTo(CapacityEstimate.Status.UNKNOWN);
        assertThat(e.reason()).contains("does not rise measurably");
    }

    @Test
    void shouldRefuseBadSamplesNamingTheField() {
        assertThatThrownBy(() -> new CapacitySample(0, Double.NaN, 4, 50, 100)).hasMessageContaining("rate");
        assertThatThrownBy(() -> new CapacitySample(0, -1, 4, 50, 100)).hasMessageContaining("rate");
        assertThatThrownBy(() -> new CapacitySample(0, 10, 0, 50, 100)).hasMessageContaining("instances");
        assertThatThrownBy(() -> new CapacitySample(0, 10, -2, 50, 100)).hasMessageContaining("instances");
        assertThatThrownBy(() -> new CapacitySample(0, 10, 4, -5, 100)).hasMessageContaining("cpu");
        assertThatThrownBy(() -> new CapacitySample(0, 10, 4, 50, Double.NaN)).hasMessageContaining("p95Ms");
        assertThatThrownBy(() -> new CapacitySample(0, 10, 4, 50, 0)).hasMessageContaining("p95Ms");
        assertThat(new CapacitySample(0, 10, 4, Double.NaN, 100).perInstance()).isEqualTo(2.5);
    }

    @Test
    void shouldRefuseABadConfigNamingEveryProblem() {
        assertThatThrownBy(() -> new CapacityModel.Config(-1, 0, -1, 5, 2, 0, 0.5, 1))
            .hasMessageContaining("p95KpiMs").hasMessageContaining("cpuKpi").hasMessageContaining("z must")
            .hasMessageContaining("minSamples").hasMessageContaining("fitShare").hasMessageContaining("maxExtrapolation");
        assertThatThrownBy(() -> CapacityEstimate.override(0)).hasMessageContaining("override");
    }

    @Test
    void shouldGiveTheSameEstimateForTheSameSamples() {
        List<CapacitySample> h = history(0.8, 0.05, 9);
        CapacityModel m = new CapacityModel(CapacityModel.Config.latency(KPI));
        assertThat(m.fit(h)).isEqualTo(m.fit(h));
    }

    @Test
    void shouldLetTheOverrideWinOverTheLearnedCapacity() {
        CapacityEstimate unknown = new CapacityModel(CapacityModel.Config.latency(KPI)).fit(List.of());
        CapacityEstimate o = CapacityEstimate.withOverride(unknown, 25);
        assertThat(o.known()).isTrue();
        assertThat(o.perInstance()).isEqualTo(25);
        assertThat(o.binding()).isEqualTo("override");
        CapacityEstimate learned = new CapacityModel(CapacityModel.Config.latency(KPI)).fit(history(0.8, 0.05, 1));
        assertThat(CapacityEstimate.withOverride(learned, Double.NaN)).isSameAs(learned);
        assertThat(CapacityEstimate.withOverride(learned, 12).perInstance()).isEqualTo(12);
    }
}
