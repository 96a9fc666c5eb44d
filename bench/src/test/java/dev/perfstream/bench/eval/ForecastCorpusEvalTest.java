package dev.perfstream.bench.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForecastCorpusEvalTest {
    private static final long MIN = 60_000L;

    /**
     * Where seasonal-naive is exact (a flat stretch), perfstream's ratio is infinite; an RMSE of rounding (5e-7 on a level
     * of 100, as a flat series at 1 min showed) is named apart from a real miss (0.1), and both-exact has no ratio.
     */
    @Test
    void shouldNameExactButRoundingApartFromAboveOne() {
        List<ForecastCorpusEval.Row> rows = List.of(
            row(1, 5.15e-7, 0, 100),
            row(2, 0.10, 0, 93),
            row(3, 0, 0, 100),
            row(4, 3.0, 4.0, 100));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ForecastCorpusEval.print(rows, new long[] {MIN}, new int[] {1}, false, new PrintStream(buf, true,
            StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).contains(
            "ratio infinite, above 1.0 (seasonal-naive exact, perfstream not): FLAT_STEPS 1m seed 2 h 1\n");
        assertThat(out).contains("perfstream exact within rounding")
            .contains("FLAT_STEPS 1m seed 1 h 1 (RMSE 5.2e-07, level 100)");
        assertThat(out).contains("no ratio (seasonal-naive and perfstream both exact): FLAT_STEPS 1m seed 3 h 1\n");
        assertThat(rows.get(0).exactButRounding()).isTrue();
        assertThat(rows.get(1).exactButRounding()).isFalse();
        // the finite row is the table's only one: other kinds' mean ratio 0.750
        assertThat(out).contains("0.750, 0.750 FLAT_STEPS");
    }

    private static ForecastCorpusEval.Row row(long seed, double rmse, double naiveRmse, double level) {
        return new ForecastCorpusEval.Row(Corpus.Kind.FLAT_STEPS, MIN, seed, 1, Double.NaN, Double.NaN, 1.0, rmse,
            naiveRmse, 0, level);
    }
}
