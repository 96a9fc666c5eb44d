package dev.perfstream.streams.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.CubicallyInterpolatedMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import java.io.IOException;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The release test on seeded synthetic windows: lognormal latencies (median 180 ms, sigma 0.45, as the load
 * generator's checkout route), 30 windows of about 70 events per version and route (2 100 events each, what a
 * 10 % canary of a 7 req/s route collects in 5 minutes), three routes per run, 100 runs.
 */
class ReleaseComparisonTest {
    static final ReleaseConfig CFG = ReleaseConfig.defaults();
    static final int RUNS = 100;
    static final int ROUTES = 3;
    static final int WINDOWS = 30;
    static final int PER_WINDOW = 70;

    @Test
    void shouldRaiseNothingBetweenTwoIdenticalVersionsIn100SeededRuns() throws IOException {
        int runsWithAFalseAlarm = 0;
        int routeTests = 0;
        double largestLowerBound = Double.NEGATIVE_INFINITY;
        for (int run = 0; run < RUNS; run++) {
            SplittableRandom rnd = new SplittableRandom(1000 + run);
            boolean any = false;
            for (int route = 0; route < ROUTES; route++) {
                ReleaseComparison.Result r = ReleaseComparison.compareSameWindows("/r" + route,
                    windows(rnd, 180, 0.45, 1, 0.005), windows(rnd, 180, 0.45, 1, 0.005), CFG);
                assertThat(r.tested()).isTrue();
                routeTests++;
                any |= r.regressed();
                largestLowerBound = Math.max(largestLowerBound, r.shiftLower());
            }
            runsWithAFalseAlarm += any ? 1 : 0;
        }
        System.out.printf("identical versions: %d of %d runs (%d route tests) raised a regression; largest lower bound"
            + " of the p95 shift %+.1f %%%n", runsWithAFalseAlarm, RUNS, routeTests, largestLowerBound * 100);
        assertThat(runsWithAFalseAlarm).isZero();
    }

    @Test
    void shouldDetectA30PercentP95RegressionOnOneRouteAndOnlyThere() throws IOException {
        int detected = 0;
        int otherRoutesFlagged = 0;
        double minShift = Double.POSITIVE_INFINITY;
        double maxShift = 0;
        double minLower = Double.POSITIVE_INFINITY;
        for (int run = 0; run < RUNS; run++) {
            SplittableRandom rnd = new SplittableRandom(5000 + run);
            for (int route = 0; route < ROUTES; route++) {
                double slower = route == 0 ? 1.3 : 1;
                ReleaseComparison.Result r = ReleaseComparison.compareSameWindows("/r" + route,
                    windows(rnd, 180, 0.45, 1, 0.005), windows(rnd, 180, 0.45, slower, 0.005), CFG);
                if (route == 0) {
                    detected += r.latencyRegressed() ? 1 : 0;
                    minShift = Math.min(minShift, r.shift());
                    maxShift = Math.max(maxShift, r.shift());
                    minLower = Math.min(minLower, r.shiftLower());
                } else {
                    otherRoutesFlagged += r.regressed() ? 1 : 0;
                }
            }
        }
        System.out.printf("+30 %% at p95 on one route: detected in %d of %d runs; measured shift %+.1f..%+.1f %%, smallest"
            + " lower bound %+.1f %%; unchanged routes flagged %d of %d%n", detected, RUNS, minShift * 100, maxShift * 100,
            minLower * 100, otherRoutesFlagged, RUNS * (ROUTES - 1));
        assertThat(detected).as("power at 2 100 events per version: at least 95 %%").isGreaterThanOrEqualTo(95);
        assertThat(otherRoutesFlagged).isZero();
        assertThat(minShift).isBetween(0.2, 0.4);
    }

    @Test
    void shouldDetectExtraErrorsButNotTheirAbsenceAndNotTooFewEvents() throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        ReleaseComparison.Result errors = ReleaseComparison.compareSameWindows("/r",
            windows(rnd, 180, 0.45, 1, 0.005), windows(rnd, 180, 0.45, 1, 0.04), CFG);
        assertThat(errors.errorsRegressed()).isTrue();
        assertThat(errors.latencyRegressed()).isFalse();
        assertThat(errors.errorRateNew()).isBetween(0.03, 0.05);
        NavigableMap<Long, ReleaseComparison.Window> few = new TreeMap<>(windows(rnd, 180, 0.45, 3, 0.5).headMap(2L));
        ReleaseComparison.Result tooFew = ReleaseComparison.compareSameWindows("/r", windows(rnd, 180, 0.45, 1, 0.005), few, CFG);
        assertThat(tooFew.tested()).isFalse();
        assertThat(tooFew.regressed()).isFalse();
        assertThat(tooFew.newCount()).isEqualTo(2 * PER_WINDOW);
    }

    @Test
    void shouldCompareOnlyTheWindowsBothVersionsHave() throws IOException {
        SplittableRandom rnd = new SplittableRandom(11);
        NavigableMap<Long, ReleaseComparison.Window> base = windows(rnd, 180, 0.45, 1, 0.005);
        // the new version took traffic in the last ten windows only, and its earlier (absent) hours do not count
        NavigableMap<Long, ReleaseComparison.Window> cand = new TreeMap<>(windows(rnd, 180, 0.45, 1, 0.005).tailMap(20L));
        ReleaseComparison.Result r = ReleaseComparison.compareSameWindows("/r", base, cand, CFG);
        assertThat(r.windows()).isEqualTo(10);
        assertThat(r.baseCount()).isEqualTo(10L * PER_WINDOW);
        assertThat(r.newCount()).isEqualTo(10L * PER_WINDOW);
    }

    @Test
    void shouldBoundTheP95FromBelowAndAboveWithOrderStatistics() {
        double z = ReleaseComparison.normalQuantile(1 - 0.0001);
        assertThat(z).isCloseTo(3.719, org.assertj.core.data.Offset.offset(0.001));
        // n = 2000: rank 1900 -/+ (3.719 * sqrt(95) + 1) = 1900 -/+ 37.25
        assertThat(ReleaseComparison.rankQuantile(2000, z, -1)).isCloseTo((1900 - 37.25) / 2000,
            org.assertj.core.data.Offset.offset(1e-3));
        assertThat(ReleaseComparison.rankQuantile(2000, z, +1)).isCloseTo((1900 + 37.25) / 2000,
            org.assertj.core.data.Offset.offset(1e-3));
        assertThat(ReleaseComparison.errorZ(10, 1000, 10, 1000)).isZero();
        assertThat(ReleaseComparison.errorZ(10, 1000, 40, 1000)).isCloseTo(4.30, org.assertj.core.data.Offset.offset(0.01));
    }

    /** {@value #WINDOWS} windows (starts 0..29) of {@value #PER_WINDOW} lognormal values times {@code factor}. */
    static NavigableMap<Long, ReleaseComparison.Window> windows(SplittableRandom rnd, double median, double sigma,
                                                                double factor, double errorShare) throws IOException {
        NavigableMap<Long, ReleaseComparison.Window> out = new TreeMap<>();
        for (long w = 0; w < WINDOWS; w++) {
            DDSketch s = new DDSketch(new CubicallyInterpolatedMapping(0.01), () -> new CollapsingLowestDenseStore(2048));
            long errors = 0;
            for (int i = 0; i < PER_WINDOW; i++) {
                s.accept(factor * median * Math.exp(sigma * rnd.nextGaussian()));
                errors += rnd.nextDouble() < errorShare ? 1 : 0;
            }
            GrowingByteArrayOutput b = GrowingByteArrayOutput.withDefaultInitialCapacity();
            s.encode(b, false);
            out.put(w, new ReleaseComparison.Window(PER_WINDOW, errors, b.trimmedCopy()));
        }
        return out;
    }
}
