package dev.perfstream.streams.stats;

import java.util.Arrays;

/** Exact quantiles with DDSketch's rank convention: the value at rank floor(q * (n - 1)). */
final class Quantiles {
    private Quantiles() {
    }

    static double exact(double[] values, double q) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[(int) Math.floor(q * (s.length - 1))];
    }
}
