package dev.perfstream.ingest.otlp;

import dev.perfstream.schemas.validate.RouteTemplates;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;
import java.util.Locale;

/**
 * The OpenTelemetry semantic-convention attributes perfstream reads, and OTLP units and metric names
 * mapped to perfstream's. Older attribute names (before the HTTP conventions went stable) are read
 * as a fallback.
 */
final class SemConv {
    static final String SERVICE_NAME = "service.name";
    static final String SERVICE_INSTANCE = "service.instance.id";
    static final String SERVICE_VERSION = "service.version";
    static final String DEPLOYMENT_ENVIRONMENT = "deployment.environment.name";
    /** Before semantic conventions 1.27. */
    static final String DEPLOYMENT_ENVIRONMENT_OLD = "deployment.environment";
    static final String HOST_NAME = "host.name";
    static final String CLOUD_REGION = "cloud.region";
    static final String HTTP_ROUTE = "http.route";
    static final String URL_PATH = "url.path";
    static final String HTTP_METHOD = "http.request.method";
    static final String HTTP_METHOD_OLD = "http.method";
    static final String HTTP_STATUS = "http.response.status_code";
    static final String HTTP_STATUS_OLD = "http.status_code";
    static final String ERROR_TYPE = "error.type";
    static final String DB_QUERY_SUMMARY = "db.query.summary";
    static final String DB_OPERATION = "db.operation.name";
    /*
     * Caches have no OpenTelemetry semantic convention yet: on `cache.*` metrics, the name is taken from `cache.name`
     * or Micrometer's `cache` tag, the outcome of a lookup from `cache.hit` (boolean), `cache.result` or Micrometer's
     * `result` (`hit` / `miss`).
     */
    static final String CACHE_NAME = "cache.name";
    static final String CACHE_NAME_MICROMETER = "cache";
    static final String CACHE_HIT = "cache.hit";
    static final String CACHE_RESULT = "cache.result";
    static final String CACHE_RESULT_MICROMETER = "result";
    static final String RPC_SYSTEM = "rpc.system";
    static final String MESSAGING_SYSTEM = "messaging.system";
    static final String MESSAGING_DESTINATION = "messaging.destination.name";
    static final String MESSAGING_DESTINATION_TEMPLATE = "messaging.destination.template";

    private SemConv() {
    }

    /** @return the attribute as a string (ints, doubles and booleans printed), or null when absent or empty */
    static String string(List<KeyValue> attrs, String key) {
        for (int i = 0, n = attrs.size(); i < n; i++) {
            KeyValue kv = attrs.get(i);
            if (kv.getKey().equals(key)) {
                return text(kv.getValue());
            }
        }
        return null;
    }

    static String text(AnyValue v) {
        switch (v.getValueCase()) {
            case STRING_VALUE: return v.getStringValue().isEmpty() ? null : v.getStringValue();
            case INT_VALUE: return Long.toString(v.getIntValue());
            case DOUBLE_VALUE: return Double.toString(v.getDoubleValue());
            case BOOL_VALUE: return Boolean.toString(v.getBoolValue());
            default: return null;
        }
    }

    /** @return an integer attribute (an int, or a string of digits), or null */
    static Integer integer(List<KeyValue> attrs, String key) {
        for (KeyValue kv : attrs) {
            if (kv.getKey().equals(key)) {
                AnyValue v = kv.getValue();
                if (v.hasIntValue()) {
                    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v.getIntValue()));
                }
                if (v.hasStringValue() && v.getStringValue().matches("[0-9]{1,9}")) {
                    return Integer.parseInt(v.getStringValue());
                }
                return null;
            }
        }
        return null;
    }

    /**
     * The route of a messaging span or point: its destination (the template when there is one, as the semantic
     * conventions advise for low cardinality, else the name), templated like a path so ids in temporary queue
     * names do not make a series each; null when neither attribute is present.
     */
    static String messagingRoute(List<KeyValue> attrs) {
        String d = firstOf(attrs, MESSAGING_DESTINATION_TEMPLATE, MESSAGING_DESTINATION);
        return d == null ? null : RouteTemplates.normalize(d);
    }

    /** The cache a {@code cache.*} metric's point is about ({@code cache.name}, else {@code cache}); null on other metrics. */
    static String cacheName(List<KeyValue> attrs, String metric) {
        return metric.startsWith("cache.") ? firstOf(attrs, CACHE_NAME, CACHE_NAME_MICROMETER) : null;
    }

    /**
     * Whether a lookup hit its cache, on {@code cache.*} metrics only (elsewhere these attributes mean something
     * else): {@code cache.hit} (a boolean, or the string true / false), else {@code cache.result} or {@code result}
     * ({@code hit} / {@code miss}); null when not said (the stats stage then dead-letters a {@code cache.lookup}
     * with its reason).
     */
    static Boolean cacheHit(List<KeyValue> attrs, String metric) {
        if (!metric.startsWith("cache.")) {
            return null;
        }
        String hit = string(attrs, CACHE_HIT);
        if (hit == null) {
            String result = firstOf(attrs, CACHE_RESULT, CACHE_RESULT_MICROMETER);
            hit = "hit".equalsIgnoreCase(result) ? "true" : "miss".equalsIgnoreCase(result) ? "false" : null;
        }
        return "true".equalsIgnoreCase(hit) ? Boolean.TRUE : "false".equalsIgnoreCase(hit) ? Boolean.FALSE : null;
    }

    static String firstOf(List<KeyValue> attrs, String key, String fallback) {
        String v = string(attrs, key);
        return v != null ? v : string(attrs, fallback);
    }

    /**
     * An OTLP metric name as a perfstream metric name ({@code [a-z][a-z0-9_.]{0,63}}): lower case, other
     * characters as {@code _}.
     *
     * @return the name, or null when it cannot be one (empty, not starting with a letter, over 64 characters)
     */
    static String metricName(String otel) {
        if (otel.isEmpty() || otel.length() > 64 || !Character.isLetter(otel.charAt(0))) {
            return null;
        }
        StringBuilder b = new StringBuilder(otel.length());
        for (char c : otel.toLowerCase(Locale.ROOT).toCharArray()) {
            b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ? c : '_');
        }
        return b.charAt(0) >= 'a' && b.charAt(0) <= 'z' ? b.toString() : null;
    }

    /** A UCUM unit of OTLP as a perfstream unit and the factor that converts values into it. */
    record Unit(String name, double factor) {
        boolean duration() {
            return name.equals("ms");
        }
    }

    /**
     * Durations become milliseconds (the issue's {@code http.server.request.duration} is in seconds), sizes
     * bytes; {@code 1} is a ratio, {@code %} percent, empty or an annotation like {@code {request}} a count.
     *
     * @return the unit, or null when perfstream has none for it
     */
    static Unit unit(String ucum) {
        switch (ucum) {
            case "s": return new Unit("ms", 1000);
            case "ms": return new Unit("ms", 1);
            case "us": case "\u00b5s": return new Unit("ms", 1e-3);
            case "ns": return new Unit("ms", 1e-6);
            case "By": return new Unit("bytes", 1);
            case "KiBy": return new Unit("bytes", 1024);
            case "MiBy": return new Unit("bytes", 1024 * 1024);
            case "GiBy": return new Unit("bytes", 1024.0 * 1024 * 1024);
            case "1": return new Unit("ratio", 1);
            case "%": return new Unit("percent", 1);
            case "": return new Unit("count", 1);
            default:
                return ucum.startsWith("{") && ucum.endsWith("}") ? new Unit("count", 1) : null;
        }
    }
}
