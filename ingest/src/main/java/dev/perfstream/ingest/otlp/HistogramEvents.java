package dev.perfstream.ingest.otlp;

import dev.perfstream.schemas.avro.HistogramBuckets;
import dev.perfstream.schemas.avro.MetricEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * A delta histogram point as one {@link MetricEvent} whose {@code histogram} lists each non-empty bucket
 * as a representative value and its count, with the relative error the buckets allow.
 *
 * <p>The representative of a bucket {@code (lo, hi]} with {@code 0 <= lo < hi} is {@code 2 lo hi / (lo + hi)}:
 * no value of the bucket is further from it than {@code (hi - lo) / (hi + lo)}, relative (the same on both
 * sides); negative buckets mirror it. Explicit buckets are as coarse as their bounds: the first and last are
 * closed by the point's min and max when it has them (a duration's first bucket starts at 0), and an open end
 * (no min or max) allows an error of 1 (100 %). Exponential buckets at scale {@code s} (base
 * {@code b = 2^(2^-s)}) allow {@code (b - 1) / (b + 1)}: 4.3 % at scale 3, 1.1 % at scale 5; the zero bucket's
 * values count as 0.
 */
final class HistogramEvents {
    private HistogramEvents() {
    }

    static MetricEvent event(HistogramPoint h) {
        List<Double> values = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        double err = h.exponential() ? exponential(h, values, counts) : explicit(h, values, counts);
        double sum = h.sum();
        if (Double.isNaN(sum)) {
            sum = 0;
            for (int i = 0; i < values.size(); i++) {
                sum += values.get(i) * counts.get(i);
            }
        }
        boolean exact = !h.cumulative();
        HistogramBuckets b = HistogramBuckets.newBuilder().setCount(h.count()).setValues(values).setCounts(counts)
            .setMin(exact && !Double.isNaN(h.min()) ? h.min() : null).setMax(exact && !Double.isNaN(h.max()) ? h.max() : null)
            .setSum(Double.isNaN(h.sum()) ? null : h.sum()).setRelativeError(err).build();
        return MetricEvent.newBuilder(h.dims()).setValue(sum / h.count()).setHistogram(b).build();
    }

    private static double explicit(HistogramPoint h, List<Double> values, List<Long> counts) {
        double[] b = h.bounds();
        boolean duration = h.dims().getUnit().equals("ms");
        double err = 0;
        for (int i = 0; i < h.counts().length; i++) {
            long n = h.counts()[i];
            if (n == 0) {
                continue;
            }
            double lo = i == 0 ? (duration ? 0 : Double.NEGATIVE_INFINITY) : b[i - 1];
            double hi = i == b.length ? Double.POSITIVE_INFINITY : b[i];
            if (!Double.isNaN(h.min())) {
                lo = Math.max(lo, h.min());
            }
            if (!Double.isNaN(h.max())) {
                hi = Math.min(hi, h.max());
            }
            err = Math.max(err, add(lo, hi, n, values, counts));
        }
        return err;
    }

    /** Adds the bucket's representative (merging with an equal previous one) and returns its error. */
    private static double add(double lo, double hi, long n, List<Double> values, List<Long> counts) {
        double v;
        double err;
        if (hi <= lo) {
            v = hi;
            err = 0;
        } else if (Double.isInfinite(lo) || Double.isInfinite(hi)) {
            v = Double.isInfinite(lo) ? hi : lo; // the finite end: no bound on how far the values are
            err = 1;
        } else if (lo >= 0) {
            v = 2 * lo * hi / (lo + hi);
            err = (hi - lo) / (hi + lo);
        } else if (hi <= 0) {
            v = 2 * lo * hi / (lo + hi);
            err = (hi - lo) / -(hi + lo);
        } else {
            v = (lo + hi) / 2;
            err = 1;
        }
        int last = values.size() - 1;
        if (last >= 0 && values.get(last) >= v) {
            counts.set(last, counts.get(last) + n);
        } else {
            values.add(v);
            counts.add(n);
        }
        return Math.min(1, err);
    }

    private static double exponential(HistogramPoint h, List<Double> values, List<Long> counts) {
        double base = Math.pow(2, Math.pow(2, -h.scale()));
        double toRep = 2 / (1 + base); // representative of (base^i, base^(i+1)] is base^(i+1) * toRep
        HistogramPoint.Buckets neg = h.negative();
        for (int i = neg.counts().length - 1; i >= 0; i--) {
            if (neg.counts()[i] > 0) {
                add(-Math.pow(base, neg.offset() + i + 1) * toRep * h.factor(), neg.counts()[i], values, counts);
            }
        }
        if (h.zeroCount() > 0) {
            add(0, h.zeroCount(), values, counts);
        }
        HistogramPoint.Buckets pos = h.positive();
        for (int i = 0; i < pos.counts().length; i++) {
            if (pos.counts()[i] > 0) {
                add(Math.pow(base, pos.offset() + i + 1) * toRep * h.factor(), pos.counts()[i], values, counts);
            }
        }
        return (base - 1) / (base + 1);
    }

    private static void add(double v, long n, List<Double> values, List<Long> counts) {
        add(v, v, n, values, counts);
    }
}
