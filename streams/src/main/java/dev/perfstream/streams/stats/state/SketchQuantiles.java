package dev.perfstream.streams.stats.state;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.BinAcceptor;
import com.datadoghq.sketch.ddsketch.store.Store;

/**
 * Several quantiles of a {@link DDSketch} in one pass over its bins, by DDSketch's own rule: the value of
 * the first bin (negative bins from the largest magnitude down, then zero, then positive bins upwards)
 * whose cumulative count exceeds {@code q * (count - 1)}.
 *
 * <p>Written here rather than calling {@code DDSketch.getValuesAtQuantiles} because the library (0.8.3)
 * walks the bins again for every quantile, through an iterator that allocates a {@code Bin} per bin, and
 * a stream over the quantiles: 8.5 % of the stats stage's stream thread for the six quantiles of every
 * closed window (JFR, bench/README.md). The values are the library's to the bit ({@code
 * SketchQuantilesTest} compares them); a sketch with negative values, or quantiles not in ascending order,
 * is left to the library.
 */
public final class SketchQuantiles implements BinAcceptor {
    private final double[] ranks;
    private final double[] out;
    private final IndexMapping mapping;
    private double cumulative;
    private int next;

    private SketchQuantiles(double[] ranks, IndexMapping mapping) {
        this.ranks = ranks;
        this.out = new double[ranks.length];
        this.mapping = mapping;
    }

    /** The values at {@code quantiles} (each in [0, 1]) of a sketch that is not empty. */
    public static double[] of(DDSketch sketch, double[] quantiles) {
        Store positive = sketch.getPositiveValueStore();
        if (!sketch.getNegativeValueStore().isEmpty() || !ascending(quantiles)) {
            return sketch.getValuesAtQuantiles(quantiles);
        }
        double positiveCount = positive.getTotalCount();
        double count = sketch.getCount(); // zero count + positive count (no negatives): integers, so exact
        double[] ranks = new double[quantiles.length];
        for (int i = 0; i < quantiles.length; i++) {
            ranks[i] = quantiles[i] * (count - 1);
        }
        SketchQuantiles q = new SketchQuantiles(ranks, sketch.getIndexMapping());
        q.cumulative = count - positiveCount; // the zero bucket
        while (q.next < ranks.length && q.cumulative > ranks[q.next]) {
            q.out[q.next++] = 0;
        }
        positive.forEach(q);
        return q.next == ranks.length ? q.out : sketch.getValuesAtQuantiles(quantiles); // rounding: the library decides
    }

    @Override
    public void accept(int index, double count) {
        if (next == ranks.length) {
            return;
        }
        cumulative += count;
        while (next < ranks.length && cumulative > ranks[next]) {
            out[next++] = mapping.value(index);
        }
    }

    private static boolean ascending(double[] qs) {
        for (int i = 1; i < qs.length; i++) {
            if (qs[i] < qs[i - 1]) {
                return false;
            }
        }
        return true;
    }
}
