package dev.perfstream.ingest.otlp;

import static dev.perfstream.ingest.otlp.Otlp.attr;
import static dev.perfstream.ingest.otlp.Otlp.metrics;
import static dev.perfstream.ingest.otlp.Otlp.serverSpan;
import static dev.perfstream.ingest.otlp.Otlp.service;
import static dev.perfstream.ingest.otlp.Otlp.traces;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.validate.CardinalityGuard;
import dev.perfstream.schemas.validate.EventValidator;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class OtlpConverterTest {
    static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    static final long T0 = NOW.minusSeconds(60).toEpochMilli() * 1_000_000; // a minute ago, in epoch nanos
    static final long S = 1_000_000_000L;

    private final CardinalityGuard guard = new CardinalityGuard(3);
    private final CumulativeStreams streams = new CumulativeStreams(1000, T0 - 3600 * S);
    private final OtlpConverter converter = new OtlpConverter(EventValidator.withDefaults(Clock.fixed(NOW, ZoneOffset.UTC)),
        guard::admit, streams);

    @Test
    void shouldTurnServerSpansIntoDurationsInMsWithSemanticConventionFields() {
        Converted c = converter.traces(traces(service("checkout"),
            serverSpan(T0, 12.5, attr("http.route", "/api/orders/{id}"), attr("http.request.method", "GET"),
                attr("http.response.status_code", 200)).build(),
            serverSpan(T0, 80, attr("http.route", "/api/orders/{id}"), attr("http.request.method", "POST"))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR)).build(),
            serverSpan(T0, 5, attr("http.route", "/api/pay"), attr("error.type", "timeout")).build(),
            serverSpan(T0, 7).setKind(Span.SpanKind.SPAN_KIND_CLIENT).build(),
            serverSpan(T0, 3).setKind(Span.SpanKind.SPAN_KIND_CONSUMER).setName("orders process").build()));

        assertThat(c.rejected()).isZero();
        assertThat(c.ignored()).isEqualTo(1);
        assertThat(c.events()).hasSize(4);
        MetricEvent e = c.events().get(0);
        assertThat(e.getMetric()).isEqualTo("http.server.request.duration");
        assertThat(e.getValue()).isEqualTo(12.5);
        assertThat(e.getUnit()).isEqualTo("ms");
        assertThat(e.getService()).isEqualTo("checkout");
        assertThat(e.getInstance()).isEqualTo("pod-1");
        assertThat(e.getRoute()).isEqualTo("/api/orders/{id}");
        assertThat(e.getMethod()).isEqualTo("GET");
        assertThat(e.getStatus()).isEqualTo(200);
        assertThat(e.getOutcome()).isEqualTo(Outcome.OK);
        assertThat(e.getTimestamp()).isEqualTo(Instant.ofEpochMilli((T0 + 12_500_000) / 1_000_000));
        assertThat(c.events().get(1).getOutcome()).isEqualTo(Outcome.ERROR);
        assertThat(c.events().get(2).getOutcome()).isEqualTo(Outcome.ERROR);
        assertThat(c.events().get(3).getMetric()).isEqualTo("messaging.process.duration");
        assertThat(c.events().get(3).getRoute()).isEqualTo("/orders process");
    }

    @Test
    void shouldKeyMessagingDurationsByTheirDestinationTemplateOrName() {
        Converted spans = converter.traces(traces(service("billing"),
            serverSpan(T0, 4, attr("messaging.system", "kafka"), attr("messaging.destination.name", "invoices"))
                .setKind(Span.SpanKind.SPAN_KIND_CONSUMER).setName("invoices process").build(),
            serverSpan(T0, 6, attr("messaging.destination.name", "reply-4f1c2a9e-0b7d-4c55-9e7a-1f2d3c4b5a69"),
                attr("messaging.destination.template", "reply-{uuid}"))
                .setKind(Span.SpanKind.SPAN_KIND_CONSUMER).build(),
            serverSpan(T0, 8, attr("messaging.destination.name", "tmp/4f1c2a9e-0b7d-4c55-9e7a-1f2d3c4b5a69"))
                .setKind(Span.SpanKind.SPAN_KIND_CONSUMER).build()));
        assertThat(spans.events()).extracting(MetricEvent::getMetric, MetricEvent::getRoute, MetricEvent::getValue).containsExactly(
            org.assertj.core.groups.Tuple.tuple("messaging.process.duration", "/invoices", 4.0),
            org.assertj.core.groups.Tuple.tuple("messaging.process.duration", "/reply-{uuid}", 6.0),
            org.assertj.core.groups.Tuple.tuple("messaging.process.duration", "/tmp/{uuid}", 8.0));

        Converted points = converter.metrics(metrics(service("billing"),
            gauge("messaging.client.operation.duration", "s", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsDouble(0.5)
                .addAttributes(attr("messaging.destination.name", "invoices")).build()),
            gauge("queue.depth", "{message}", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsInt(3)
                .addAttributes(attr("messaging.destination.name", "invoices")).build())));
        assertThat(points.events()).extracting(MetricEvent::getMetric, MetricEvent::getRoute, MetricEvent::getValue).containsExactly(
            org.assertj.core.groups.Tuple.tuple("messaging.client.operation.duration", "/invoices", 500.0),
            org.assertj.core.groups.Tuple.tuple("queue.depth", null, 3.0)); // only messaging.* metrics take the destination
    }

    @Test
    void shouldCarryServiceVersionAndDeploymentEnvironmentFromTheResource() {
        Converted c = converter.traces(traces(Otlp.resource(attr("service.name", "checkout"), attr("service.version", "2.4.1"),
                attr("deployment.environment.name", "production")),
            serverSpan(T0, 12.5, attr("http.route", "/api/cart")).build()));
        assertThat(c.events()).singleElement().satisfies(e -> {
            assertThat(e.getServiceVersion()).isEqualTo("2.4.1");
            assertThat(e.getDeploymentEnvironment()).isEqualTo("production");
        });
        Converted older = converter.metrics(metrics(Otlp.resource(attr("service.name", "a"), attr("deployment.environment", "staging")),
            gauge("jvm.thread.count", "{thread}", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsInt(12).build())));
        assertThat(older.events()).singleElement().satisfies(e -> {
            assertThat(e.getServiceVersion()).isNull();
            assertThat(e.getDeploymentEnvironment()).isEqualTo("staging");
        });
    }

    @Test
    void shouldRejectSpansOfAResourceWithAnUnusableServiceVersion() {
        Converted c = converter.traces(traces(Otlp.resource(attr("service.name", "checkout"), attr("service.version", "2.4\n1")),
            serverSpan(T0, 1, attr("http.route", "/api/cart")).build()));
        assertThat(c.events()).isEmpty();
        assertThat(c.rejected()).isEqualTo(1);
        assertThat(c.errorMessage()).contains("'serviceVersion'").contains("control character U+000A");
        Converted tooLong = converter.traces(traces(Otlp.resource(attr("service.name", "checkout"),
            attr("service.version", "v".repeat(65))), serverSpan(T0, 1).build()));
        assertThat(tooLong.errorMessage()).contains("'serviceVersion' is 65 characters, over the limit of 64");
    }

    @Test
    void shouldTemplateUrlPathWhenHttpRouteIsMissing() {
        Converted c = converter.traces(traces(service("shop"), serverSpan(T0, 1, attr("url.path", "/product/12345")).build()));
        assertThat(c.events()).singleElement().extracting(MetricEvent::getRoute).isEqualTo("/product/{id}");
    }

    @Test
    void shouldRejectEverySpanOfAResourceWithoutServiceName() {
        Converted c = converter.traces(traces(Otlp.resource(attr("host.name", "h")), serverSpan(T0, 1).build(), serverSpan(T0, 2).build()));
        assertThat(c.events()).isEmpty();
        assertThat(c.rejected()).isEqualTo(2);
        assertThat(c.errorMessage()).contains("resourceSpans[0]").contains("no service.name");
    }

    @Test
    void shouldRejectASpanEndingBeforeItStartsAndKeepTheOthers() {
        Converted c = converter.traces(traces(service("a"), serverSpan(T0, 1).build(),
            serverSpan(T0, 1).setEndTimeUnixNano(T0 - 1).build()));
        assertThat(c.events()).hasSize(1);
        assertThat(c.rejected()).isEqualTo(1);
        assertThat(c.errorMessage()).contains("spans[1]").contains("not before start_time_unix_nano");
    }

    @Test
    void shouldSendRoutesOverTheCardinalityCapToTheOverflowRoute() {
        Span[] spans = new Span[10_000];
        for (int i = 0; i < spans.length; i++) {
            spans[i] = serverSpan(T0, 1, attr("http.route", "/r" + (char) ('a' + i % 26) + i)).build();
        }
        Converted c = converter.traces(traces(service("a"), spans));
        assertThat(c.events()).hasSize(10_000);
        assertThat(c.events().stream().map(MetricEvent::getRoute).distinct()).hasSize(4).contains(CardinalityGuard.OVERFLOW);
    }

    @Test
    void shouldConvertGaugeSecondsToMillisecondsAndKeepCountsAndBytes() {
        Converted c = converter.metrics(metrics(service("a"),
            gauge("db.client.operation.duration", "s", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsDouble(0.25)
                .addAttributes(attr("db.query.summary", "SELECT orders")).build()),
            gauge("process.memory.usage", "By", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsInt(1024).build()),
            gauge("jvm.thread.count", "{thread}", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsInt(12).build())));
        assertThat(c.rejected()).isZero();
        assertThat(c.events()).extracting(MetricEvent::getMetric, MetricEvent::getValue, MetricEvent::getUnit).containsExactly(
            org.assertj.core.groups.Tuple.tuple("db.client.operation.duration", 250.0, "ms"),
            org.assertj.core.groups.Tuple.tuple("process.memory.usage", 1024.0, "bytes"),
            org.assertj.core.groups.Tuple.tuple("jvm.thread.count", 12.0, "count"));
        assertThat(c.events().get(0).getDbStatement()).isEqualTo("SELECT orders");
    }

    @Test
    void shouldTakeTheCacheAndTheOutcomeOfALookupFromCacheMetricsOnly() {
        Converted c = converter.metrics(metrics(service("a"),
            gauge("cache.lookup", "ms", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsDouble(0.4)
                .addAttributes(attr("cache.name", "product-cache"))
                .addAttributes(KeyValue.newBuilder().setKey("cache.hit").setValue(AnyValue.newBuilder().setBoolValue(false)))
                .build()),
            gauge("cache.lookup", "ms", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsDouble(0.3)
                .addAttributes(attr("cache", "session-cache")).addAttributes(attr("result", "hit")).build()),
            gauge("http.client.request.duration", "ms", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsDouble(9)
                .addAttributes(attr("cache", "cdn")).addAttributes(attr("cache.hit", "true")).build())));
        assertThat(c.rejected()).isZero();
        assertThat(c.events()).extracting(MetricEvent::getMetric, MetricEvent::getCache, MetricEvent::getCacheHit).containsExactly(
            org.assertj.core.groups.Tuple.tuple("cache.lookup", "product-cache", false),
            org.assertj.core.groups.Tuple.tuple("cache.lookup", "session-cache", true),
            org.assertj.core.groups.Tuple.tuple("http.client.request.duration", null, null));
    }

    @Test
    void shouldTurnCumulativeSumsIntoDeltasDetectRestartsAndRejectGoingBackwards() {
        long start = T0 - 7200 * S; // before this process started: the first point is a baseline
        assertThat(converter.metrics(counter(start, T0, 100)).events()).isEmpty();
        assertThat(values(converter.metrics(counter(start, T0 + S, 130)))).containsExactly(30.0);
        Converted back = converter.metrics(counter(start, T0 + 2 * S, 120));
        assertThat(back.events()).isEmpty();
        assertThat(back.rejected()).isEqualTo(1);
        assertThat(back.errorMessage()).contains("went backwards").contains("same start time");
        assertThat(values(converter.metrics(counter(T0 + 3 * S, T0 + 4 * S, 7)))).as("a restart sends the new start's count")
            .containsExactly(7.0);
        Converted dup = converter.metrics(counter(T0 + 3 * S, T0 + 4 * S, 9));
        assertThat(dup.errorMessage()).contains("not after the stream's previous point");
    }

    @Test
    void shouldTreatADecreaseOfACounterWithoutStartTimeAsAReset() {
        converter.metrics(counter(0, T0, 100));
        assertThat(values(converter.metrics(counter(0, T0 + S, 110)))).containsExactly(10.0);
        assertThat(values(converter.metrics(counter(0, T0 + 2 * S, 4)))).containsExactly(4.0);
    }

    @Test
    void shouldSendDeltaSumsAndNonMonotonicSumsAsTheyCome() {
        Metric delta = Metric.newBuilder().setName("requests").setUnit("{request}").setSum(Sum.newBuilder().setIsMonotonic(true)
            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA)
            .addDataPoints(NumberDataPoint.newBuilder().setStartTimeUnixNano(T0 - S).setTimeUnixNano(T0).setAsInt(5))).build();
        Metric upDown = Metric.newBuilder().setName("users.concurrent").setUnit("{user}").setSum(Sum.newBuilder()
            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
            .addDataPoints(NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsInt(-3))).build();
        assertThat(values(converter.metrics(metrics(service("a"), delta, upDown)))).containsExactly(5.0, -3.0);
    }

    @Test
    void shouldRejectSummariesUnknownTypesUnknownUnitsAndBadNames() {
        Converted c = converter.metrics(metrics(service("a"),
            Metric.newBuilder().setName("rpc.latency").setUnit("ms").setSummary(Summary.newBuilder()
                .addDataPoints(SummaryDataPoint.newBuilder().setTimeUnixNano(T0))).build(),
            Metric.newBuilder().setName("mystery").setUnit("1").build(),
            gauge("x", "furlongs", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsDouble(1).build()),
            gauge("9lives", "1", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsDouble(1).build()),
            gauge("ok", "1", NumberDataPoint.newBuilder().setTimeUnixNano(T0).setAsDouble(Double.NaN).build())));
        assertThat(c.events()).isEmpty();
        assertThat(c.rejected()).isEqualTo(5);
        assertThat(c.reasons()).satisfiesExactly(
            r -> assertThat(r).contains("summary data points are not supported"),
            r -> assertThat(r).contains("unknown metric type"),
            r -> assertThat(r).contains("unit 'furlongs'"),
            r -> assertThat(r).contains("must start with a letter"),
            r -> assertThat(r).contains("must be finite"));
    }

    @Test
    void shouldCheckExplicitHistogramsAndConvertTheirBoundsToMs() {
        Converted c = converter.metrics(metrics(service("a"), histogram(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA,
            hist(0, T0, 6, 1.5, List.of(0.1, 0.5), List.of(3L, 2L, 1L)).addAttributes(attr("http.route", "/x")).build(),
            hist(0, T0, 7, 1.5, List.of(0.1, 0.5), List.of(3L, 2L, 1L)).build(),
            hist(0, T0, 6, 1.5, List.of(0.1, Double.NaN), List.of(3L, 2L, 1L)).build(),
            hist(0, T0, 6, 1.5, List.of(-0.1, 0.5), List.of(3L, 2L, 1L)).build(),
            hist(0, T0, 6, 1.5, List.of(0.5, 0.1), List.of(3L, 2L, 1L)).build(),
            hist(0, T0, 6, 1.5, List.of(0.1), List.of(3L, 2L, 1L)).build())));
        assertThat(c.histograms()).hasSize(1);
        HistogramPoint h = c.histograms().get(0);
        assertThat(h.bounds()).containsExactly(100.0, 500.0);
        assertThat(h.counts()).containsExactly(3, 2, 1);
        assertThat(h.sum()).isEqualTo(1500.0);
        assertThat(h.dims().getRoute()).isEqualTo("/x");
        assertThat(h.dims().getMetric()).isEqualTo("http.server.request.duration");
        MetricEvent e = c.events().get(0);
        assertThat(e.getValue()).isEqualTo(250.0);
        // (0, 100] -> 0 (no min: a duration's first bucket starts at 0, error 1); (100, 500] -> 2*100*500/600; (500, inf) -> 500
        assertThat(e.getHistogram().getValues()).containsExactly(0.0, 1000.0 / 6 * 1, 500.0);
        assertThat(e.getHistogram().getCounts()).containsExactly(3L, 2L, 1L);
        assertThat(e.getHistogram().getRelativeError()).isEqualTo(1.0);
        assertThat(c.rejected()).isEqualTo(5);
        assertThat(c.reasons()).satisfiesExactly(
            r -> assertThat(r).contains("count 7 is not the sum of bucket_counts (6)"),
            r -> assertThat(r).contains("explicit_bounds[1] is NaN"),
            r -> assertThat(r).contains("explicit_bounds[0] is -0.1").contains("must not be negative"),
            r -> assertThat(r).contains("explicit_bounds[1] 0.1 is not above"),
            r -> assertThat(r).contains("3 bucket_counts for 1 explicit_bounds"));
    }

    @Test
    void shouldTakeAHistogramWithoutBucketsAsOneBucketWithTheCountAndStateAnErrorOf100Percent() {
        Converted c = converter.metrics(metrics(service("a"), histogram(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA,
            hist(0, T0, 4, 0.2, List.of(), List.of()).build())));
        assertThat(c.rejected()).isZero();
        assertThat(c.events()).singleElement().satisfies(e -> {
            assertThat(e.getHistogram().getCount()).isEqualTo(4);
            assertThat(e.getHistogram().getRelativeError()).isEqualTo(1.0);
            assertThat(e.getValue()).isEqualTo(50.0);
        });
    }

    @Test
    void shouldTurnCumulativeExplicitHistogramsIntoDeltas() {
        long start = T0 - 10 * S; // after this process started: the first point counts whole
        var cum = AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
        HistogramPoint first = converter.metrics(metrics(service("a"), histogram(cum,
            hist(start, T0, 3, 0.3, List.of(0.1), List.of(2L, 1L)).build()))).histograms().get(0);
        assertThat(first.counts()).containsExactly(2, 1);
        HistogramPoint second = converter.metrics(metrics(service("a"), histogram(cum,
            hist(start, T0 + S, 8, 1.0, List.of(0.1), List.of(4L, 4L)).build()))).histograms().get(0);
        assertThat(second.count()).isEqualTo(5);
        assertThat(second.counts()).containsExactly(2, 3);
        assertThat(second.sum()).isCloseTo(700.0, org.assertj.core.data.Offset.offset(1e-9));
        Converted back = converter.metrics(metrics(service("a"), histogram(cum,
            hist(start, T0 + 2 * S, 8, 1.0, List.of(0.1), List.of(5L, 3L)).build())));
        assertThat(back.rejected()).isEqualTo(1);
        assertThat(back.errorMessage()).contains("went backwards");
    }

    @Test
    void shouldDifferenceCumulativeExponentialHistogramsAcrossADownscale() {
        long start = T0 - 10 * S;
        // scale 1: buckets of base sqrt(2); indexes 2..5 hold 1,1,1,1
        converter.metrics(metrics(service("a"), expo(start, T0, 1, 4, 0, 2, 1, 1, 1, 1)));
        // scale 0 (base 2): the same four values are indexes 1,1,2,2; two more fell into index 2
        Converted c = converter.metrics(metrics(service("a"), expo(start, T0 + S, 0, 6, 0, 1, 2, 4)));
        assertThat(c.rejected()).isZero();
        HistogramPoint h = c.histograms().get(0);
        assertThat(h.scale()).isZero();
        assertThat(h.count()).isEqualTo(2);
        assertThat(h.positive()).isEqualTo(new HistogramPoint.Buckets(1, new long[] {0, 2}));
        assertThat(h.factor()).isEqualTo(1000.0);
    }

    @Test
    void shouldRejectExponentialHistogramsWhoseCountsDoNotAddUp() {
        Converted c = converter.metrics(metrics(service("a"), expo(0, T0, 3, 5, 1, 0, 1, 1)));
        assertThat(c.histograms()).isEmpty();
        assertThat(c.errorMessage()).contains("count 5 is not the sum of zero_count plus the positive and negative bucket_counts (3)");
    }

    private static List<Double> values(Converted c) {
        return c.events().stream().map(MetricEvent::getValue).toList();
    }

    static Metric gauge(String name, String unit, NumberDataPoint p) {
        return Metric.newBuilder().setName(name).setUnit(unit).setGauge(Gauge.newBuilder().addDataPoints(p)).build();
    }

    static io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest counter(long start, long time, long value) {
        return metrics(service("a"), Metric.newBuilder().setName("http.server.requests").setUnit("{request}")
            .setSum(Sum.newBuilder().setIsMonotonic(true).setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(NumberDataPoint.newBuilder().setStartTimeUnixNano(start).setTimeUnixNano(time).setAsInt(value)
                    .addAttributes(attr("http.route", "/x")))).build());
    }

    static Metric histogram(AggregationTemporality t, HistogramDataPoint... points) {
        return Metric.newBuilder().setName("http.server.request.duration").setUnit("s")
            .setHistogram(Histogram.newBuilder().setAggregationTemporality(t).addAllDataPoints(List.of(points))).build();
    }

    static HistogramDataPoint.Builder hist(long start, long time, long count, double sum, List<Double> bounds, List<Long> counts) {
        return HistogramDataPoint.newBuilder().setStartTimeUnixNano(start).setTimeUnixNano(time).setCount(count).setSum(sum)
            .addAllExplicitBounds(bounds).addAllBucketCounts(counts);
    }

    static Metric expo(long start, long time, int scale, long count, long zero, int offset, long... counts) {
        ExponentialHistogramDataPoint.Buckets.Builder b = ExponentialHistogramDataPoint.Buckets.newBuilder().setOffset(offset);
        for (long n : counts) {
            b.addBucketCounts(n);
        }
        return Metric.newBuilder().setName("http.server.request.duration").setUnit("s").setExponentialHistogram(
            ExponentialHistogram.newBuilder().setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(ExponentialHistogramDataPoint.newBuilder().setStartTimeUnixNano(start).setTimeUnixNano(time)
                    .setScale(scale).setCount(count).setZeroCount(zero).setPositive(b))).build();
    }
}
