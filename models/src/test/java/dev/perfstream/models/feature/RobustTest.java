package dev.perfstream.models.feature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RobustTest {
    /** 1, 2, 3, 100: the pairwise means 1, 1.5, 2, 2, 2.5, 3, 50.5, 51, 51.5, 100 have the median 2.75. */
    @Test
    void shouldTakeTheMedianOfThePairwiseMeans() {
        double[] v = {3, 100, 1, 2};
        assertThat(Robust.hodgesLehmann(v, 4, new double[10])).isEqualTo(2.75);
        assertThat(Robust.hodgesLehmann(v, 0, new double[0])).isNaN();
    }

    /**
     * 21 values of unit normal noise, 4,000 times: the Hodges-Lehmann location's variance is about 1.05 / 21, the
     * median's about 1.5 / 21; and three of them replaced by 50 move it by less than 2 (the mean by 7).
     */
    @Test
    void shouldWasteLessOfTheNoiseThanTheMedianAndStillIgnoreOutliers() {
        Random rnd = new Random(7);
        double[] v = new double[21];
        double[] pairs = new double[21 * 22 / 2];
        double[] scratch = new double[pairs.length];
        double hl = 0;
        double med = 0;
        double worst = 0;
        for (int r = 0; r < 4000; r++) {
            for (int i = 0; i < v.length; i++) {
                v[i] = rnd.nextGaussian();
            }
            double x = Robust.hodgesLehmann(v, v.length, pairs);
            double m = Robust.median(v, v.length, scratch);
            hl += x * x;
            med += m * m;
            v[0] = 50;
            v[7] = 50;
            v[14] = 50;
            worst = Math.max(worst, Math.abs(Robust.hodgesLehmann(v, v.length, pairs)));
        }
        assertThat(hl / 4000 * 21).isCloseTo(1.05, within(0.12));
        assertThat(med / 4000 * 21).isGreaterThan(1.35);
        assertThat(worst).isLessThan(2.0);
    }

    /**
     * The selection against a sort, on random arrays of 1 to 60 values drawn from 0..4 (many ties, as counts of mostly
     * zeros give) and from a normal: every rank; and the Hodges-Lehmann location against the median of the sorted pairs.
     */
    @Test
    void shouldSelectAsASortDoesWithAndWithoutTies() {
        Random rnd = new Random(3);
        for (int r = 0; r < 400; r++) {
            int n = 1 + rnd.nextInt(60);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = r % 2 == 0 ? rnd.nextInt(5) : rnd.nextGaussian();
            }
            double[] sorted = v.clone();
            java.util.Arrays.sort(sorted);
            for (int k = 0; k < n; k++) {
                assertThat(Robust.select(v.clone(), n, k)).as("rank %d of %d", k, n).isEqualTo(sorted[k]);
            }
            double[] pairs = new double[n * (n + 1) / 2];
            int m = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    pairs[m++] = 0.5 * (v[i] + v[j]);
                }
            }
            double expected = Robust.median(pairs, m, new double[m]);
            assertThat(Robust.hodgesLehmann(v, n, new double[m])).isEqualTo(expected);
        }
    }
}
