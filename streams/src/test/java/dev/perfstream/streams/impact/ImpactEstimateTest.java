package dev.perfstream.streams.impact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.schemas.avro.Rating;
import dev.perfstream.schemas.avro.UxImpact;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Interval arithmetic against published figures, and exact per-bucket rates on known sessions. */
class ImpactEstimateTest {
    private static final double Z95 = 1.959963984540054;

    @Test
    void shouldGiveTheTwoSidedNormalQuantile() {
        assertThat(ImpactEstimate.z(0.95)).isCloseTo(Z95, within(1e-8));
        assertThat(ImpactEstimate.z(0.90)).isCloseTo(1.6448536269514722, within(1e-8));
    }

    @Test
    void shouldMatchNewcombesWilsonIntervals() {
        // Newcombe (1998), Statistics in Medicine 17, 857-872, Table I: 81/263 -> 0.2553 to 0.3662.
        double[] w = ImpactEstimate.wilson(81, 263, Z95);
        assertThat(w[0]).isCloseTo(0.2553, within(5e-5));
        assertThat(w[1]).isCloseTo(0.3662, within(5e-5));
        // 0/10 -> 0 to 0.2775 (the Wald interval would collapse to 0..0)
        double[] zero = ImpactEstimate.wilson(0, 10, Z95);
        assertThat(zero[0]).isZero();
        assertThat(zero[1]).isCloseTo(0.2775, within(5e-5));
    }

    @Test
    void shouldMatchNewcombesHybridScoreIntervalForADifference() {
        // Newcombe (1998), Table II, method 10: 56/70 - 48/80 = 0.2000, 95 % interval 0.0524 to 0.3339.
        double[] d = ImpactEstimate.newcombe(56, 70, 48, 80, Z95);
        assertThat(d[0]).isCloseTo(0.2, within(1e-12));
        assertThat(d[1]).isCloseTo(0.0524, within(5e-5));
        assertThat(d[2]).isCloseTo(0.3339, within(5e-5));
        // 9/10 - 3/10 = 0.6: 0.1705 to 0.8090
        double[] e = ImpactEstimate.newcombe(9, 10, 3, 10, Z95);
        assertThat(e[1]).isCloseTo(0.1705, within(5e-5));
        assertThat(e[2]).isCloseTo(0.8090, within(5e-5));
    }

    @Test
    void shouldMoveTheLeastShareThatPutsTheP75IntoTheNextBucket() {
        // 100 sessions: 50 good (10 converted), 40 needs-improvement (4), 10 poor (0): p75 needs-improvement.
        ImpactEstimate e = ImpactEstimate.of(new long[] {50, 40, 10}, new long[] {10, 4, 0}, 0.95);
        assertThat(e.p75Rating()).isEqualTo(Rating.NEEDS_IMPROVEMENT);
        assertThat(e.target()).isEqualTo(Rating.GOOD);
        assertThat(e.movedShare()).isCloseTo(0.25, within(1e-12)); // 50 % above good -> 25 %
        assertThat(e.difference()).isCloseTo(0.20 - 0.10, within(1e-12));
        double[] d = ImpactEstimate.newcombe(10, 50, 4, 40, ImpactEstimate.z(0.95));
        assertThat(e.differenceLower()).isEqualTo(d[1]);
        assertThat(e.differenceUpper()).isEqualTo(d[2]);
        assertThat(e.gain()).isCloseTo(0.025, within(1e-12));
        assertThat(e.gainLower()).isCloseTo(0.25 * d[1], within(1e-15));
        assertThat(e.gainUpper()).isCloseTo(0.25 * d[2], within(1e-15));
    }

    @Test
    void shouldCompareThePoorBucketWithNeedsImprovementWhenTheP75IsPoor() {
        ImpactEstimate e = ImpactEstimate.of(new long[] {20, 40, 40}, new long[] {2, 4, 2}, 0.95);
        assertThat(e.p75Rating()).isEqualTo(Rating.POOR);
        assertThat(e.target()).isEqualTo(Rating.NEEDS_IMPROVEMENT);
        assertThat(e.movedShare()).isCloseTo(0.15, within(1e-12));
        assertThat(e.difference()).isCloseTo(0.10 - 0.05, within(1e-12));
    }

    @Test
    void shouldGiveNoEstimateWhenTheP75IsGoodOrABucketIsEmpty() {
        // exactly a quarter above good: the nearest-rank p75 (rank 75 of 100) is still good
        ImpactEstimate good = ImpactEstimate.of(new long[] {75, 20, 5}, new long[] {7, 1, 0}, 0.95);
        assertThat(good.p75Rating()).isEqualTo(Rating.GOOD);
        assertThat(good.target()).isNull();
        assertThat(good.gain()).isNull();
        assertThat(good.note()).isEqualTo("p75 is good already");
        ImpactEstimate noGood = ImpactEstimate.of(new long[] {0, 10, 0}, new long[] {0, 1, 0}, 0.95);
        assertThat(noGood.target()).isEqualTo(Rating.GOOD);
        assertThat(noGood.difference()).isNull();
        assertThat(noGood.note()).isEqualTo("no good sessions to compare with");
    }

    @Test
    void shouldCountEachSessionOnceWithItsWorstValueAndExactRatesPerBucket() {
        ImpactAssembler a = new ImpactAssembler("shop", 0, 3_600_000, 0.95);
        // 8 sessions on /checkout: LCP good x4 (2 convert), needs-improvement x3 (1), poor x1 (0)
        double[] lcp = {1000, 1500, 2000, 2400, 3000, 3500, 3900, 5000};
        boolean[] converts = {true, true, false, false, true, false, false, false};
        for (int i = 0; i < lcp.length; i++) {
            SessionState s = new SessionState();
            s.vital("/checkout", SessionState.LCP, lcp[i]);
            s.vital("/checkout", SessionState.LCP, lcp[i] / 2); // a faster later view: the worst one counts
            s.vital("/", SessionState.LCP, 800);
            if (i < 6) {
                s.vital("/checkout", SessionState.INP, 100 + 100 * i); // 100..600: good x2, NI x3, poor x1
            }
            if (converts[i]) {
                s.goal("checkout");
            }
            a.add(s);
        }
        List<UxImpact> out = a.results();
        assertThat(out).extracting(UxImpact::getPage, UxImpact::getVital, UxImpact::getGoal).containsExactly(
            org.assertj.core.groups.Tuple.tuple("/", "LCP", "checkout"),
            org.assertj.core.groups.Tuple.tuple("/checkout", "LCP", "checkout"),
            org.assertj.core.groups.Tuple.tuple("/checkout", "INP", "checkout"));
        UxImpact home = out.get(0);
        assertThat(home.getSessions()).isEqualTo(8);
        assertThat(home.getConverted()).isEqualTo(3);
        assertThat(home.getGoodRate()).isEqualTo(3 / 8.0);
        assertThat(home.getNeedsImprovementRate()).isNull();
        assertThat(home.getNote()).isEqualTo("p75 is good already");
        UxImpact lcpRow = out.get(1);
        assertThat(lcpRow.getGoodSessions()).isEqualTo(4);
        assertThat(lcpRow.getGoodConverted()).isEqualTo(2);
        assertThat(lcpRow.getGoodRate()).isEqualTo(0.5);
        assertThat(lcpRow.getNeedsImprovementSessions()).isEqualTo(3);
        assertThat(lcpRow.getNeedsImprovementRate()).isEqualTo(1 / 3.0);
        assertThat(lcpRow.getPoorSessions()).isEqualTo(1);
        assertThat(lcpRow.getPoorRate()).isEqualTo(0.0);
        assertThat(lcpRow.getConversionRate()).isEqualTo(3 / 8.0);
        assertThat(lcpRow.getP75()).isEqualTo(3500); // rank ceil(0.75 x 8) = 6
        assertThat(lcpRow.getP75Rating()).isEqualTo("NEEDS_IMPROVEMENT");
        assertThat(lcpRow.getTarget()).isEqualTo("GOOD");
        assertThat(lcpRow.getMovedShare()).isEqualTo(0.25); // 4 of 8 above good
        assertThat(lcpRow.getRateDifference()).isCloseTo(0.5 - 1 / 3.0, within(1e-12));
        assertThat(lcpRow.getGain()).isCloseTo(0.25 * (0.5 - 1 / 3.0), within(1e-12));
        assertThat(lcpRow.getExtraConversions()).isCloseTo(8 * 0.25 * (0.5 - 1 / 3.0), within(1e-12));
        double[] d = ImpactEstimate.newcombe(2, 4, 1, 3, ImpactEstimate.z(0.95));
        assertThat(lcpRow.getRateDifferenceLower()).isCloseTo(d[1], within(1e-12));
        assertThat(lcpRow.getGainUpper()).isCloseTo(0.25 * d[2], within(1e-12));
        UxImpact inpRow = out.get(2);
        assertThat(inpRow.getSessions()).isEqualTo(6);
        assertThat(inpRow.getGoodSessions()).isEqualTo(2);
        assertThat(inpRow.getNeedsImprovementSessions()).isEqualTo(3);
        assertThat(inpRow.getPoorSessions()).isEqualTo(1);
        assertThat(inpRow.getConverted()).isEqualTo(3);
    }

    @Test
    void shouldEmitNothingWithoutAConversionInTheWindow() {
        ImpactAssembler a = new ImpactAssembler("shop", 0, 3_600_000, 0.95);
        SessionState s = new SessionState();
        s.vital("/checkout", SessionState.LCP, 3000);
        a.add(s);
        assertThat(a.results()).isEmpty();
    }

    @Test
    void shouldRoundTripSessionStateAndImpactEvents() throws IOException {
        SessionState s = new SessionState();
        s.vital("/checkout", SessionState.INP, 250);
        s.goal("checkout");
        s.goal("checkout");
        SessionState back = SessionState.decode(s.encode());
        assertThat(back.goals()).containsExactly("checkout");
        assertThat(back.pages().get("/checkout")[SessionState.INP]).isEqualTo(250);
        assertThat(back.pages().get("/checkout")[SessionState.LCP]).isNaN();
        ImpactEvent e = ImpactEvent.conversion(42, "shop-web", "/done", "abc", "checkout");
        assertThat(ImpactEvent.decode(e.key(), e.encode())).isEqualTo(e);
        ImpactEvent v = ImpactEvent.vital(43, "shop-web", "/checkout", "abc", SessionState.LCP, 2600.5);
        assertThat(ImpactEvent.decode(v.key(), v.encode())).isEqualTo(v);
    }
}
