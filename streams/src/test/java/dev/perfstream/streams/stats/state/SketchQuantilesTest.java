package dev.perfstream.streams.stats.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SketchQuantilesTest {
    private static final double[] QS = {0.50, 0.75, 0.90, 0.95, 0.99, 0.999};
    private static final double[] EDGES = {0, 0.001, 0.5, 0.999, 1};

    @Test
    void shouldGiveTheLibrarysValuesToTheBit() {
        Random r = new Random(7);
        int compared = 0;
        for (int run = 0; run < 3_000; run++) {
            Sketches sketches = new Sketches(0.01, run % 3 == 0 ? 32 : 2048); // 32 bins: collapsed low bins
            DDSketch s = sketches.create();
            int n = 1 + r.nextInt(run % 10 == 0 ? 5 : 400);
            int shape = run % 5;
            for (int i = 0; i < n; i++) {
                double v = switch (shape) {
                    case 0 -> Math.exp(3 + 1.5 * r.nextGaussian()); // lognormal latencies
                    case 1 -> r.nextInt(4) == 0 ? 0 : r.nextInt(20); // counts with zeros
                    case 2 -> r.nextDouble() * 1e-300;               // tiny values, the zero bucket
                    case 3 -> Math.pow(10, r.nextInt(30) - 10);      // a wide range
                    default -> 42.0;                                 // constant
                };
                if (r.nextInt(50) == 0) {
                    s.accept(v, 1 + r.nextInt(5)); // weighted, as a histogram bucket adds
                } else {
                    s.accept(v);
                }
            }
            for (double[] qs : new double[][] {QS, EDGES, {r.nextDouble()}}) {
                assertThat(SketchQuantiles.of(s, qs)).as("run %d, quantiles %s", run, java.util.Arrays.toString(qs))
                    .containsExactly(s.getValuesAtQuantiles(qs));
                compared++;
            }
        }
        assertThat(compared).isEqualTo(9_000);
    }

    @Test
    void shouldLeaveNegativeValuesAndUnorderedQuantilesToTheLibrary() {
        DDSketch s = new Sketches(0.01, 2048).create();
        for (double v : new double[] {-5, -1, 0, 2, 8, 30}) {
            s.accept(v);
        }
        assertThat(SketchQuantiles.of(s, QS)).containsExactly(s.getValuesAtQuantiles(QS));
        double[] unordered = {0.9, 0.1, 0.5};
        assertThat(SketchQuantiles.of(s, unordered)).containsExactly(s.getValuesAtQuantiles(unordered));
    }
}
