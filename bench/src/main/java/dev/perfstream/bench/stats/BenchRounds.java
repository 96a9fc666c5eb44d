package dev.perfstream.bench.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The rates of {@code bench stats --rounds N}: per round the no-op, pass-through, DSL and stage events/s (NaN for a
 * skipped run), their medians and the medians of the per-round ratios. One run's rate moves 10-20 % on this machine,
 * so a ratio is taken within a round (the same machine state for both runs) and then the median over rounds.
 */
final class BenchRounds {
    static final int NOOP = 0;
    static final int PASS = 1;
    static final int DSL = 2;
    static final int STAGE = 3;

    private final List<double[]> rounds = new ArrayList<>();

    /** @param rates {no-op, pass-through, DSL, stage} events/s of one round */
    void add(double[] rates) {
        rounds.add(rates.clone());
    }

    double median(int column) {
        return median(rounds.stream().mapToDouble(r -> r[column]).toArray());
    }

    double medianRatio(int num, int den) {
        return median(rounds.stream().mapToDouble(r -> r[num] / r[den]).toArray());
    }

    /** The line after the rounds: the median rate of each run and the per-round ratios of the stage with their medians. */
    String summary() {
        return String.format(Locale.ROOT, "medians of %d rounds: no-op %,.0f, pass-through %,.0f, DSL %,.0f, perfstream %,.0f"
            + " events/s; per-round ratios perfstream / DSL %s (median %.3f), perfstream / pass-through %s (median %.3f)",
            rounds.size(), median(NOOP), median(PASS), median(DSL), median(STAGE), ratios(STAGE, DSL), medianRatio(STAGE, DSL),
            ratios(STAGE, PASS), medianRatio(STAGE, PASS));
    }

    private String ratios(int num, int den) {
        return rounds.stream().map(r -> String.format(Locale.ROOT, "%.2f", r[num] / r[den])).collect(Collectors.joining(" "));
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
