package dev.perfstream.ingest.otlp;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.validate.EventValidator;
import dev.perfstream.schemas.validate.RouteTemplates;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.time.Instant;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * SERVER and CONSUMER spans as raw durations in ms, one {@link MetricEvent} each, exact into the
 * window's sketch. HTTP server spans become {@code http.server.request.duration}, RPC server spans
 * {@code rpc.server.duration}, other server spans {@code span.server.duration}, consumer spans
 * {@code messaging.process.duration}. The route is {@code http.route} as sent, else {@code url.path}
 * templated, else (RPC, messaging, other) the span name templated; every route passes the
 * cardinality guard. ERROR status, {@code error.type} or a 5xx status make the outcome ERROR.
 * CLIENT, PRODUCER and INTERNAL spans are ignored (their durations belong to the callee).
 */
final class SpanConverter {
    private final EventValidator validator;
    private final BinaryOperator<String> routes;

    SpanConverter(EventValidator validator, BinaryOperator<String> routes) {
        this.validator = validator;
        this.routes = routes;
    }

    Converted convert(ExportTraceServiceRequest req) {
        Converted.Builder out = new Converted.Builder();
        for (int r = 0; r < req.getResourceSpansCount(); r++) {
            ResourceSpans rs = req.getResourceSpans(r);
            Origin origin = Origin.of(rs.getResource());
            if (origin == null) {
                int n = rs.getScopeSpansList().stream().mapToInt(ScopeSpans::getSpansCount).sum();
                out.reject(n, "resourceSpans[" + r + "]: the resource has no service.name attribute; its " + n
                    + " span(s) cannot be attributed to a service (set OTEL_SERVICE_NAME)");
                continue;
            }
            for (int s = 0; s < rs.getScopeSpansCount(); s++) {
                List<Span> spans = rs.getScopeSpans(s).getSpansList();
                for (int i = 0; i < spans.size(); i++) {
                    span(origin, spans.get(i), "resourceSpans[" + r + "].scopeSpans[" + s + "].spans[" + i + "]", out);
                }
            }
        }
        return out.build();
    }

    private void span(Origin o, Span sp, String where, Converted.Builder out) {
        Span.SpanKind kind = sp.getKind();
        if (kind != Span.SpanKind.SPAN_KIND_SERVER && kind != Span.SpanKind.SPAN_KIND_CONSUMER) {
            out.ignore();
            return;
        }
        long start = sp.getStartTimeUnixNano();
        long end = sp.getEndTimeUnixNano();
        if (start == 0 || end == 0 || end < start) {
            out.reject(1, where + " (span '" + shorten(sp.getName()) + "'): end_time_unix_nano " + Long.toUnsignedString(end)
                + " must be set and not before start_time_unix_nano " + Long.toUnsignedString(start));
            return;
        }
        List<KeyValue> a = sp.getAttributesList();
        String method = SemConv.firstOf(a, SemConv.HTTP_METHOD, SemConv.HTTP_METHOD_OLD);
        String route = SemConv.string(a, SemConv.HTTP_ROUTE);
        String path = SemConv.string(a, SemConv.URL_PATH);
        boolean http = method != null || route != null || path != null;
        String metric;
        if (kind == Span.SpanKind.SPAN_KIND_CONSUMER) {
            metric = "messaging.process.duration";
        } else if (http) {
            metric = "http.server.request.duration";
        } else {
            metric = SemConv.string(a, SemConv.RPC_SYSTEM) != null ? "rpc.server.duration" : "span.server.duration";
        }
        if (route == null && kind == Span.SpanKind.SPAN_KIND_CONSUMER) {
            route = SemConv.messagingRoute(a);
        }
        if (route == null) {
            route = path != null ? path : http ? null : sp.getName();
            route = route == null || route.isEmpty() ? null : RouteTemplates.normalize(route);
        }
        Integer status = SemConv.integer(a, SemConv.HTTP_STATUS);
        if (status == null) {
            status = SemConv.integer(a, SemConv.HTTP_STATUS_OLD);
        }
        boolean error = sp.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR
            || SemConv.string(a, SemConv.ERROR_TYPE) != null || (status != null && status >= 500);
        MetricEvent e = MetricEvent.newBuilder()
            .setTimestamp(Instant.ofEpochMilli(end / 1_000_000))
            .setService(o.service()).setInstance(o.instance()).setRegion(o.region())
            .setServiceVersion(o.version()).setDeploymentEnvironment(o.environment())
            .setMetric(metric).setValue((end - start) / 1e6).setUnit("ms")
            .setOutcome(error ? Outcome.ERROR : Outcome.OK).setStatus(status)
            .setRoute(route).setMethod(method)
            .build();
        List<String> problems = validator.check(e);
        if (!problems.isEmpty()) {
            out.reject(1, where + " (span '" + shorten(sp.getName()) + "'): " + String.join("; ", problems));
            return;
        }
        if (route != null) {
            e.setRoute(routes.apply(o.service(), route));
        }
        out.event(e);
    }

    static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
