package dev.perfstream.ingest.otlp;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.validate.EventValidator;
import dev.perfstream.schemas.validate.RouteTemplates;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.DataPointFlags;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.time.Instant;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * Metric data points as perfstream events. Gauges and non-monotonic sums (memory, CPU, concurrent
 * users) are sent as their value; monotonic sums as the increase since the previous point (delta
 * temporality as sent, cumulative differenced per stream by {@link CumulativeStreams}); histograms
 * (explicit-bucket and exponential) are checked and turned into deltas the same way
 * ({@link HistogramPoint}), then into one event carrying the buckets ({@link HistogramEvents}). Summaries and data types this receiver does not know are rejected.
 * Semantic-convention attributes of the point give route, method, status and outcome
 * ({@link SemConv}); {@code db.query.summary} or {@code db.operation.name} give the DB statement,
 * {@code cache.name} and {@code cache.hit} (or Micrometer's {@code cache} and {@code result}) the cache and outcome.
 */
final class MetricConverter {
    private final EventValidator validator;
    private final BinaryOperator<String> routes;
    private final HistogramConverter histograms;
    private final CumulativeStreams streams;

    MetricConverter(EventValidator validator, BinaryOperator<String> routes, CumulativeStreams streams) {
        this.validator = validator;
        this.routes = routes;
        this.streams = streams;
        this.histograms = new HistogramConverter(streams, this::emit);
    }

    Converted convert(ExportMetricsServiceRequest req) {
        Converted.Builder out = new Converted.Builder();
        for (int r = 0; r < req.getResourceMetricsCount(); r++) {
            ResourceMetrics rm = req.getResourceMetrics(r);
            Origin origin = Origin.of(rm.getResource());
            if (origin == null) {
                int n = rm.getScopeMetricsList().stream().flatMap(s -> s.getMetricsList().stream())
                    .mapToInt(MetricConverter::points).sum();
                out.reject(n, "resourceMetrics[" + r + "]: the resource has no service.name attribute; its " + n
                    + " data point(s) cannot be attributed to a service (set OTEL_SERVICE_NAME)");
                continue;
            }
            for (int s = 0; s < rm.getScopeMetricsCount(); s++) {
                ScopeMetrics sm = rm.getScopeMetrics(s);
                for (int m = 0; m < sm.getMetricsCount(); m++) {
                    metric(origin, sm.getMetrics(m), "resourceMetrics[" + r + "].scopeMetrics[" + s + "].metrics[" + m + "]", out);
                }
            }
        }
        return out.build();
    }

    private void metric(Origin o, Metric m, String where, Converted.Builder out) {
        String label = where + " ('" + SpanConverter.shorten(m.getName()) + "')";
        String name = SemConv.metricName(m.getName());
        SemConv.Unit unit = SemConv.unit(m.getUnit());
        String bad = name == null ? "name must start with a letter and have at most 64 characters"
            : unit == null ? "unit '" + SpanConverter.shorten(m.getUnit()) + "' has no perfstream unit (durations s, ms, us, ns; "
                + "sizes By, KiBy, MiBy, GiBy; 1; %; {annotation} or empty for counts)"
            : m.getDataCase() == Metric.DataCase.SUMMARY ? "summary data points are not supported (legacy Prometheus "
                + "quantiles cannot be merged); export histograms instead"
            : m.getDataCase() == Metric.DataCase.DATA_NOT_SET ? "unknown metric type (no gauge, sum, histogram or "
                + "exponential histogram; a newer OTLP data type?)"
            : null;
        if (bad != null) {
            out.reject(Math.max(1, points(m)), label + ": " + bad);
            return;
        }
        Metric.DataCase type = m.getDataCase();
        Context c = new Context(o, name, unit, label, m.getName());
        switch (type) {
            case GAUGE -> m.getGauge().getDataPointsList().forEach(p -> number(c, p, false, false, out));
            case SUM -> {
                boolean cumulative = m.getSum().getAggregationTemporality() == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
                boolean monotonic = m.getSum().getIsMonotonic();
                m.getSum().getDataPointsList().forEach(p -> number(c, p, monotonic, monotonic && cumulative, out));
            }
            case HISTOGRAM -> {
                boolean cumulative = m.getHistogram().getAggregationTemporality() == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
                for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
                    if (noValue(p.getFlags(), out)) {
                        continue;
                    }
                    MetricEvent dims = event(c, p.getTimeUnixNano(), Double.NaN, p.getAttributesList());
                    histograms.explicit(c, dims, p, cumulative, out);
                }
            }
            case EXPONENTIAL_HISTOGRAM -> {
                boolean cumulative = m.getExponentialHistogram().getAggregationTemporality()
                    == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
                for (ExponentialHistogramDataPoint p : m.getExponentialHistogram().getDataPointsList()) {
                    if (noValue(p.getFlags(), out)) {
                        continue;
                    }
                    MetricEvent dims = event(c, p.getTimeUnixNano(), Double.NaN, p.getAttributesList());
                    histograms.exponential(c, dims, p, cumulative, out);
                }
            }
            default -> throw new IllegalStateException("unhandled " + type);
        }
    }

    /** What the points of one metric share. {@code key} prefixes their cumulative stream keys. */
    record Context(Origin origin, String name, SemConv.Unit unit, String label, String otelName) {
        String streamKey(List<KeyValue> pointAttrs) {
            return otelName + "|" + origin.key() + "|" + Origin.attributesKey(pointAttrs);
        }
    }

    private void number(Context c, NumberDataPoint p, boolean monotonic, boolean cumulative, Converted.Builder out) {
        if (noValue(p.getFlags(), out)) {
            return;
        }
        double v;
        switch (p.getValueCase()) {
            case AS_DOUBLE -> v = p.getAsDouble();
            case AS_INT -> v = p.getAsInt();
            default -> {
                out.reject(1, c.label + ": data point at " + p.getTimeUnixNano() + " has neither as_double nor as_int");
                return;
            }
        }
        if (!Double.isFinite(v) || (monotonic && v < 0)) {
            out.reject(1, c.label + ": value " + v + " must be finite" + (monotonic ? " and >= 0 (a monotonic sum)" : ""));
            return;
        }
        if (cumulative) {
            CumulativeStreams.Delta<Double> d = streams.delta(c.streamKey(p.getAttributesList()), p.getStartTimeUnixNano(),
                p.getTimeUnixNano(), v, (cur, prev) -> cur >= prev ? cur - prev : null);
            if (d.problem() != null) {
                out.reject(1, c.label + ": " + d.problem());
                return;
            }
            if (d.value() == null) {
                out.ignore(); // baseline
                return;
            }
            v = d.value();
        }
        emit(c, event(c, p.getTimeUnixNano(), v * c.unit().factor(), p.getAttributesList()), out);
    }

    void emit(Context c, MetricEvent e, Converted.Builder out) {
        List<String> problems = validator.check(e);
        if (!problems.isEmpty()) {
            out.reject(1, c.label + ": " + String.join("; ", problems));
            return;
        }
        if (e.getRoute() != null) {
            e.setRoute(routes.apply(e.getService(), e.getRoute()));
        }
        out.event(e);
    }

    /** The event of a point: time, origin, metric, and the semantic-convention attributes of the point. */
    static MetricEvent event(Context c, long timeNanos, double value, List<KeyValue> a) {
        String route = SemConv.string(a, SemConv.HTTP_ROUTE);
        if (route == null && SemConv.string(a, SemConv.URL_PATH) != null) {
            route = RouteTemplates.normalize(SemConv.string(a, SemConv.URL_PATH));
        }
        if (route == null && c.name().startsWith("messaging.")) { // messaging.process.duration and the like
            route = SemConv.messagingRoute(a);
        }
        Integer status = SemConv.integer(a, SemConv.HTTP_STATUS);
        if (status == null) {
            status = SemConv.integer(a, SemConv.HTTP_STATUS_OLD);
        }
        boolean error = SemConv.string(a, SemConv.ERROR_TYPE) != null || (status != null && status >= 500);
        String db = SemConv.firstOf(a, SemConv.DB_QUERY_SUMMARY, SemConv.DB_OPERATION);
        return MetricEvent.newBuilder()
            .setTimestamp(Instant.ofEpochMilli(timeNanos / 1_000_000))
            .setService(c.origin().service()).setInstance(c.origin().instance()).setRegion(c.origin().region())
            .setServiceVersion(c.origin().version()).setDeploymentEnvironment(c.origin().environment())
            .setMetric(c.name()).setValue(value).setUnit(c.unit().name())
            .setOutcome(error ? Outcome.ERROR : Outcome.OK).setStatus(status)
            .setRoute(route).setMethod(SemConv.firstOf(a, SemConv.HTTP_METHOD, SemConv.HTTP_METHOD_OLD))
            .setDbStatement(db)
            .setCache(SemConv.cacheName(a, c.name()))
            .setCacheHit(SemConv.cacheHit(a, c.name()))
            .build();
    }

    private static boolean noValue(int flags, Converted.Builder out) {
        if ((flags & DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK_VALUE) != 0) {
            out.ignore();
            return true;
        }
        return false;
    }

    static int points(Metric m) {
        return switch (m.getDataCase()) {
            case GAUGE -> m.getGauge().getDataPointsCount();
            case SUM -> m.getSum().getDataPointsCount();
            case HISTOGRAM -> m.getHistogram().getDataPointsCount();
            case EXPONENTIAL_HISTOGRAM -> m.getExponentialHistogram().getDataPointsCount();
            case SUMMARY -> m.getSummary().getDataPointsCount();
            default -> 0;
        };
    }
}
