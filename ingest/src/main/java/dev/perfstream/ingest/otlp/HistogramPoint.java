package dev.perfstream.ingest.otlp;

import dev.perfstream.schemas.avro.MetricEvent;
import java.util.Arrays;

/**
 * One validated histogram data point as a delta (cumulative points already differenced per stream), in
 * perfstream's unit (durations in ms, bounds converted with the values).
 *
 * @param dims     the series it belongs to and its time, as a {@link MetricEvent} whose value is the mean
 *                 ({@code sum / count}, or NaN when the point carries no sum)
 * @param count    number of recorded values
 * @param sum      their sum, NaN when absent
 * @param bounds   explicit bucket bounds (strictly increasing, finite); empty for exponential histograms
 * @param counts   explicit bucket counts, {@code bounds.length + 1} of them; empty for exponential histograms
 * @param scale    exponential scale (base {@code 2^(2^-scale)}); 0 for explicit histograms
 * @param zeroCount exponential: values in the zero bucket
 * @param positive exponential: buckets of positive values
 * @param negative exponential: buckets of negative values
 * @param factor   exponential buckets stay in the sender's unit: multiply a bucket's bounds by this to get
 *                 perfstream's unit (explicit bounds are converted already; there it is 1)
 * @param min      smallest value recorded, in perfstream's unit, NaN when unknown; for a point differenced from
 *                 cumulative ones the minimum since the stream's start (a bound, not the delta's minimum)
 * @param max      largest value recorded, likewise
 * @param cumulative whether the point was differenced from cumulative ones (then min and max are only bounds)
 */
public record HistogramPoint(MetricEvent dims, long count, double sum, double[] bounds, long[] counts, int scale,
                             long zeroCount, Buckets positive, Buckets negative, double factor, double min, double max,
                             boolean cumulative) {
    public boolean exponential() {
        return bounds.length == 0 && counts.length == 0;
    }

    /**
     * Exponential buckets: {@code counts[i]} values in {@code (base^(offset+i), base^(offset+i+1)]}.
     */
    public record Buckets(int offset, long[] counts) {
        static final Buckets EMPTY = new Buckets(0, new long[0]);

        long total() {
            long t = 0;
            for (long c : counts) {
                t += c;
            }
            return t;
        }

        /** The same values at a scale {@code by} steps coarser (each step merges bucket pairs). */
        Buckets downscale(int by) {
            if (by == 0 || counts.length == 0) {
                return this;
            }
            int lo = offset >> by;
            int hi = (offset + counts.length - 1) >> by;
            long[] c = new long[hi - lo + 1];
            for (int i = 0; i < counts.length; i++) {
                c[((offset + i) >> by) - lo] += counts[i];
            }
            return new Buckets(lo, c);
        }

        /** @return this minus {@code prev}, or null when a bucket would go negative */
        Buckets minus(Buckets prev) {
            if (prev.counts.length == 0) {
                return this;
            }
            int lo = counts.length == 0 ? prev.offset : Math.min(offset, prev.offset);
            int hi = Math.max(offset + counts.length, prev.offset + prev.counts.length);
            long[] c = new long[hi - lo];
            for (int i = 0; i < counts.length; i++) {
                c[offset + i - lo] += counts[i];
            }
            for (int i = 0; i < prev.counts.length; i++) {
                c[prev.offset + i - lo] -= prev.counts[i];
            }
            for (long v : c) {
                if (v < 0) {
                    return null;
                }
            }
            return new Buckets(lo, c);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Buckets b && b.offset == offset && Arrays.equals(b.counts, counts);
        }

        @Override
        public int hashCode() {
            return 31 * offset + Arrays.hashCode(counts);
        }

        @Override
        public String toString() {
            return "Buckets[offset=" + offset + ", counts=" + Arrays.toString(counts) + "]";
        }
    }
}
