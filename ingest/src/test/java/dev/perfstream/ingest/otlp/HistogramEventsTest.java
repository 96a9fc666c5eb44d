package dev.perfstream.ingest.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.schemas.avro.HistogramBuckets;
import dev.perfstream.schemas.avro.MetricEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HistogramEventsTest {
    private static final MetricEvent DIMS = MetricEvent.newBuilder().setTimestamp(Instant.EPOCH).setService("a")
        .setMetric("http.server.request.duration").setValue(Double.NaN).setUnit("ms").build();

    @Test
    void shouldCloseTheOuterExplicitBucketsWithMinAndMaxAndStateTheCoarsestBucketsError() {
        HistogramPoint p = new HistogramPoint(DIMS, 6, 600, new double[] {100, 200}, new long[] {1, 3, 2}, 0, 0,
            HistogramPoint.Buckets.EMPTY, HistogramPoint.Buckets.EMPTY, 1, 50, 250, false);
        HistogramBuckets h = HistogramEvents.event(p).getHistogram();
        // (50, 100], (100, 200], (200, 250]: errors 1/3, 1/3, 1/9
        assertThat(h.getValues()).containsExactly(2.0 * 50 * 100 / 150, 2.0 * 100 * 200 / 300, 2.0 * 200 * 250 / 450);
        assertThat(h.getRelativeError()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(h.getMin()).isEqualTo(50.0);
        assertThat(h.getMax()).isEqualTo(250.0);
    }

    @Test
    void shouldBoundEveryValueOfAnExponentialBucketByTheStatedError() {
        // scale 3: base 2^(1/8); positive bucket 10 holds (base^10, base^11]
        HistogramPoint p = new HistogramPoint(DIMS, 7, Double.NaN, new double[0], new long[0], 3, 2,
            new HistogramPoint.Buckets(10, new long[] {5}), HistogramPoint.Buckets.EMPTY, 1000, Double.NaN, Double.NaN, true);
        MetricEvent e = HistogramEvents.event(p);
        HistogramBuckets h = e.getHistogram();
        double base = Math.pow(2, 1.0 / 8);
        double lo = Math.pow(base, 10) * 1000;
        double hi = Math.pow(base, 11) * 1000;
        assertThat(h.getValues()).hasSize(2).first().isEqualTo(0.0);
        assertThat(h.getCounts()).containsExactly(2L, 5L);
        double rep = h.getValues().get(1);
        assertThat(h.getRelativeError()).isCloseTo(0.0433, within(1e-4));
        assertThat(Math.abs(rep - lo) / lo).isLessThanOrEqualTo(h.getRelativeError() + 1e-12);
        assertThat(Math.abs(hi - rep) / hi).isLessThanOrEqualTo(h.getRelativeError() + 1e-12);
        assertThat(h.getMin()).as("a cumulative point's min is not the delta's").isNull();
        assertThat(e.getValue()).isCloseTo(5 * rep / 7, within(1e-9));
    }
}
