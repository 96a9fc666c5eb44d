package dev.perfstream.ingest.otlp;

import dev.perfstream.schemas.avro.MetricEvent;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import java.util.Arrays;
import java.util.List;

/**
 * Checks histogram data points (counts that add up, bounds finite, increasing and not negative for a
 * duration, scale in range) and turns cumulative ones into deltas per stream. Explicit bounds are part
 * of the stream's identity: a producer that changes them starts a new stream (a baseline).
 */
final class HistogramConverter {
    static final int MIN_SCALE = -10;
    static final int MAX_SCALE = 20;
    private final CumulativeStreams streams;
    private final Emitter emitter;

    /** Validates an event and hands it on (the metric converter's {@code emit}). */
    interface Emitter {
        void emit(MetricConverter.Context c, MetricEvent e, Converted.Builder out);
    }

    HistogramConverter(CumulativeStreams streams, Emitter emitter) {
        this.streams = streams;
        this.emitter = emitter;
    }

    void explicit(MetricConverter.Context c, MetricEvent dims, HistogramDataPoint p, boolean cumulative, Converted.Builder out) {
        List<Double> bounds = p.getExplicitBoundsList();
        List<Long> counts = p.getBucketCountsList();
        String bad = null;
        if (!(counts.isEmpty() && bounds.isEmpty()) && counts.size() != bounds.size() + 1) {
            bad = counts.size() + " bucket_counts for " + bounds.size() + " explicit_bounds (need one more count than bounds)";
        }
        double[] b = new double[bounds.size()];
        for (int i = 0; bad == null && i < b.length; i++) {
            double v = bounds.get(i);
            if (!Double.isFinite(v)) {
                bad = "explicit_bounds[" + i + "] is " + v + "; bounds must be finite";
            } else if (v < 0 && c.unit().duration()) {
                bad = "explicit_bounds[" + i + "] is " + v + "; a duration's bounds must not be negative";
            } else if (i > 0 && v <= bounds.get(i - 1)) {
                bad = "explicit_bounds[" + i + "] " + v + " is not above explicit_bounds[" + (i - 1) + "]; bounds must increase";
            }
            b[i] = v * c.unit().factor();
        }
        long[] n = counts.stream().mapToLong(Long::longValue).toArray();
        if (bad == null && n.length > 0) { // no buckets at all is allowed: the count alone
            bad = checkCount(p.getCount(), Arrays.stream(n).reduce(0L, HistogramConverter::addUnsigned), "bucket_counts");
        }
        if (bad == null) {
            bad = checkSum(p.hasSum(), p.getSum(), c);
        }
        if (bad != null) {
            out.reject(1, c.label() + ": histogram point at " + p.getTimeUnixNano() + ": " + bad);
            return;
        }
        double sum = p.hasSum() ? p.getSum() * c.unit().factor() : Double.NaN;
        // No buckets at all: one bucket (-inf, +inf) holding the count.
        HistogramPoint h = new HistogramPoint(dims, p.getCount(), sum, b, n.length == 0 ? new long[] {p.getCount()} : n,
            0, 0, HistogramPoint.Buckets.EMPTY, HistogramPoint.Buckets.EMPTY, 1,
            p.hasMin() ? p.getMin() * c.unit().factor() : Double.NaN, p.hasMax() ? p.getMax() * c.unit().factor() : Double.NaN, cumulative);
        String key = c.streamKey(p.getAttributesList()) + "|" + bounds;
        deliver(c, cumulative ? streams.delta(key, p.getStartTimeUnixNano(), p.getTimeUnixNano(), h, HistogramConverter::minusExplicit)
            : new CumulativeStreams.Delta<>(h, null), p.getTimeUnixNano(), out);
    }

    void exponential(MetricConverter.Context c, MetricEvent dims, ExponentialHistogramDataPoint p, boolean cumulative,
                     Converted.Builder out) {
        String bad = null;
        if (p.getScale() < MIN_SCALE || p.getScale() > MAX_SCALE) {
            bad = "scale " + p.getScale() + " is outside [" + MIN_SCALE + ", " + MAX_SCALE + "]";
        } else if (!Double.isFinite(p.getZeroThreshold()) || p.getZeroThreshold() < 0) {
            bad = "zero_threshold " + p.getZeroThreshold() + " must be finite and >= 0";
        }
        HistogramPoint.Buckets pos = buckets(p.getPositive());
        HistogramPoint.Buckets neg = buckets(p.getNegative());
        if (bad == null && c.unit().duration() && neg.total() > 0) {
            bad = neg.total() + " value(s) in negative buckets; a duration must not be negative";
        }
        if (bad == null) {
            bad = checkCount(p.getCount(), addUnsigned(addUnsigned(p.getZeroCount(), pos.total()), neg.total()),
                "zero_count plus the positive and negative bucket_counts");
        }
        if (bad == null) {
            bad = checkSum(p.hasSum(), p.getSum(), c);
        }
        if (bad != null) {
            out.reject(1, c.label() + ": exponential histogram point at " + p.getTimeUnixNano() + ": " + bad);
            return;
        }
        HistogramPoint h = new HistogramPoint(dims, p.getCount(), p.hasSum() ? p.getSum() * c.unit().factor() : Double.NaN,
            new double[0], new long[0], p.getScale(), p.getZeroCount(), pos, neg, c.unit().factor(),
            p.hasMin() ? p.getMin() * c.unit().factor() : Double.NaN, p.hasMax() ? p.getMax() * c.unit().factor() : Double.NaN, cumulative);
        String key = c.streamKey(p.getAttributesList()) + "|exp";
        deliver(c, cumulative ? streams.delta(key, p.getStartTimeUnixNano(), p.getTimeUnixNano(), h, HistogramConverter::minusExponential)
            : new CumulativeStreams.Delta<>(h, null), p.getTimeUnixNano(), out);
    }

    private void deliver(MetricConverter.Context c, CumulativeStreams.Delta<HistogramPoint> d, long time, Converted.Builder out) {
        if (d.problem() != null) {
            out.reject(1, c.label() + ": histogram point at " + time + ": " + d.problem());
        } else if (d.value() == null || d.value().count() == 0) {
            out.ignore(); // a baseline, or nothing recorded since the last point
        } else {
            out.histogram(d.value());
            emitter.emit(c, HistogramEvents.event(d.value()), out);
        }
    }

    private static HistogramPoint.Buckets buckets(ExponentialHistogramDataPoint.Buckets b) {
        return new HistogramPoint.Buckets(b.getOffset(), b.getBucketCountsList().stream().mapToLong(Long::longValue).toArray());
    }

    private static String checkCount(long count, long total, String what) {
        return count == total ? null : "count " + Long.toUnsignedString(count) + " is not the sum of " + what + " ("
            + Long.toUnsignedString(total) + ")";
    }

    private static String checkSum(boolean has, double sum, MetricConverter.Context c) {
        if (!has) {
            return null;
        }
        if (!Double.isFinite(sum)) {
            return "sum " + sum + " must be finite";
        }
        return sum < 0 && c.unit().duration() ? "sum " + sum + " of durations must not be negative" : null;
    }

    /** Adds counts; an overflow past 2^63 (a fabricated count) saturates, so the totals cannot match by wrapping. */
    static long addUnsigned(long a, long b) {
        long s = a + b;
        return (a < 0 || b < 0 || s < 0) ? Long.MAX_VALUE : s;
    }

    static HistogramPoint minusExplicit(HistogramPoint cur, HistogramPoint prev) {
        long[] d = new long[cur.counts().length];
        for (int i = 0; i < d.length; i++) {
            d[i] = cur.counts()[i] - prev.counts()[i];
            if (d[i] < 0) {
                return null;
            }
        }
        long n = cur.count() - prev.count();
        return n < 0 ? null : new HistogramPoint(cur.dims(), n, cur.sum() - prev.sum(), cur.bounds(), d, 0, 0,
            HistogramPoint.Buckets.EMPTY, HistogramPoint.Buckets.EMPTY, 1, cur.min(), cur.max(), true);
    }

    /** Differences at the coarser of the two scales (cumulative exponential histograms may downscale over time). */
    static HistogramPoint minusExponential(HistogramPoint cur, HistogramPoint prev) {
        int scale = Math.min(cur.scale(), prev.scale());
        HistogramPoint.Buckets pos = cur.positive().downscale(cur.scale() - scale).minus(prev.positive().downscale(prev.scale() - scale));
        HistogramPoint.Buckets neg = cur.negative().downscale(cur.scale() - scale).minus(prev.negative().downscale(prev.scale() - scale));
        long zero = cur.zeroCount() - prev.zeroCount();
        long n = cur.count() - prev.count();
        if (pos == null || neg == null || zero < 0 || n < 0) {
            return null;
        }
        return new HistogramPoint(cur.dims(), n, cur.sum() - prev.sum(), new double[0], new long[0], scale, zero, pos, neg,
            cur.factor(), cur.min(), cur.max(), true);
    }
}
