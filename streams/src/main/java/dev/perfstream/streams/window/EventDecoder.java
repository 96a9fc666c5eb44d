package dev.perfstream.streams.window;

import dev.perfstream.schemas.avro.HistogramBuckets;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.avro.Rating;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.validate.CardinalityGuard;
import dev.perfstream.streams.window.state.HistogramValues;
import dev.perfstream.schemas.validate.EventValidator;
import dev.perfstream.schemas.validate.RouteTemplates;
import dev.perfstream.schemas.validate.WebVitals;
import dev.perfstream.streams.release.ReleaseConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Raw record bytes to an {@link Observation}: decode (JSON or Avro, detected per record), validate,
 * template the route, cap routes per service and pages per app. Anything wrong surfaces as a
 * {@link DecodeException} whose code and message go to the dead-letter topic.
 *
 * <p>One instance per stream task (not thread-safe): the cardinality guards and the route cache are
 * per task. The guards are applied only to series this task owns (their owner decides, once, for
 * every event of the service or app); a foreign series keeps its route, and its owner applies the
 * guard when it merges the partial ({@link #admit}).
 */
final class EventDecoder {
    /** Bound on the memo of raw route to template; cleared when full (cheap, and bounds memory). */
    private static final int ROUTE_CACHE = 20_000;

    private final String metricsTopic;
    private final RecordCodec<MetricEvent> metrics;
    private final RecordCodec<RumEvent> rum;
    private final EventValidator validator;
    private final CardinalityGuard routes;
    private final CardinalityGuard pages;
    private final SeriesOwnership.Owned owned;
    private final ReleaseConfig release;
    private final VersionGuard versions;
    // Hand-written memo: RouteTemplates runs several regexes per segment, and the same raw routes repeat.
    private final Map<String, String> templates = new HashMap<>();

    EventDecoder(String metricsTopic, RecordCodec<MetricEvent> metrics, RecordCodec<RumEvent> rum,
                 EventValidator validator, int routeCap, SeriesOwnership.Owned owned) {
        this(metricsTopic, metrics, rum, validator, routeCap, owned, ReleaseConfig.defaults());
    }

    EventDecoder(String metricsTopic, RecordCodec<MetricEvent> metrics, RecordCodec<RumEvent> rum,
                 EventValidator validator, int routeCap, SeriesOwnership.Owned owned, ReleaseConfig release) {
        this.release = release;
        this.versions = new VersionGuard(release.maxVersions(), release.versionIdle().toMillis());
        this.metricsTopic = metricsTopic;
        this.owned = owned;
        this.metrics = metrics;
        this.rum = rum;
        this.validator = validator;
        this.routes = new CardinalityGuard(routeCap);
        this.pages = new CardinalityGuard(routeCap);
    }

    Observation decode(String topic, byte[] value) throws DecodeException {
        if (value == null) {
            throw new DecodeException("parse", "record has no value (null payload)");
        }
        return topic.equals(metricsTopic) ? metric(metrics.decode(topic, value)) : rum(rum.decode(topic, value));
    }

    private Observation metric(MetricEvent e) throws DecodeException {
        problems(validator.check(e));
        String route = e.getRoute() == null ? "-" : template(e.getRoute());
        if (owned.key(e.getService()) && e.getRoute() != null) {
            route = routes.admit(e.getService(), route);
        }
        String unit = e.getUnit();
        double v = e.getValue();
        double f = 1;
        switch (unit) {
            case "s": f = 1000; unit = "ms"; break;
            case "us": f = 1e-3; unit = "ms"; break;
            case "ns": f = 1e-6; unit = "ms"; break;
            default: break;
        }
        boolean error = e.getOutcome() == Outcome.ERROR || (e.getStatus() != null && e.getStatus() >= 500);
        SeriesId id = SeriesId.metric(e.getMetric(), e.getService(), route);
        long ts = e.getTimestamp().toEpochMilli();
        return new Observation(id, ts, v * f, error, -1, unit,
            e.getHistogram() == null ? null : buckets(e.getHistogram(), f), releaseSeries(e, route, ts));
    }

    /** The per-version series of a request latency with a service version (owner-side version cap), else null. */
    private SeriesId releaseSeries(MetricEvent e, String route, long ts) {
        String version = e.getServiceVersion();
        if (version == null || !release.metrics().contains(e.getMetric())) {
            return null;
        }
        if (owned.key(e.getService())) {
            version = versions.admit(e.getService(), version, ts);
        }
        return SeriesId.release(e.getMetric(), e.getService(), route, version);
    }

    /** A histogram event's buckets in the series' unit; min and max default to the outer representatives. */
    private static HistogramValues buckets(HistogramBuckets h, double f) {
        int n = h.getValues().size();
        double[] values = new double[n];
        double[] counts = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            values[i] = h.getValues().get(i) * f;
            counts[i] = h.getCounts().get(i);
            sum += values[i] * counts[i];
        }
        return new HistogramValues(values, counts, h.getCount(),
            h.getMin() != null ? h.getMin() * f : values[0], h.getMax() != null ? h.getMax() * f : values[n - 1],
            h.getSum() != null ? h.getSum() * f : sum, h.getRelativeError());
    }

    private Observation rum(RumEvent e) throws DecodeException {
        problems(validator.check(e));
        String page = template(e.getPage());
        if (owned.key(e.getApp())) {
            page = pages.admit(e.getApp(), page);
        }
        Vital vital = e.getVital();
        // Shares follow the Web Vitals thresholds, not the rating the browser library sent.
        Rating r = WebVitals.rate(vital, e.getValue());
        return new Observation(SeriesId.rum(vital.name(), e.getApp(), page, e.getDeviceClass().toLowerCase(Locale.ROOT)),
            e.getTimestamp().toEpochMilli(), e.getValue(), false, r.ordinal(), vital == Vital.CLS ? "score" : "ms");
    }

    /**
     * The series a partial from another task is merged into: the same, or the overflow series of its
     * service (app) when the cardinality guard does not admit its route (page).
     */
    SeriesId admit(SeriesId id, long windowStart) {
        if (id.version() != null) {
            String route = id.route().equals("-") ? id.route() : routes.admit(id.owner(), id.route());
            String version = versions.admit(id.owner(), id.version(), windowStart);
            return route.equals(id.route()) && version.equals(id.version()) ? id
                : SeriesId.release(id.name(), id.owner(), route, version);
        }
        if (id.kind() == SeriesKind.RUM) {
            String page = pages.admit(id.owner(), id.route());
            return page.equals(id.route()) ? id : SeriesId.rum(id.name(), id.owner(), page, id.deviceClass());
        }
        if (id.route().equals("-")) {
            return id;
        }
        String route = routes.admit(id.owner(), id.route());
        return route.equals(id.route()) ? id : SeriesId.metric(id.name(), id.owner(), route);
    }

    private String template(String raw) {
        String t = templates.get(raw);
        if (t == null) {
            if (templates.size() >= ROUTE_CACHE) {
                templates.clear();
            }
            t = RouteTemplates.normalize(raw);
            templates.put(raw, t);
        }
        return t;
    }

    private static void problems(List<String> p) throws DecodeException {
        if (!p.isEmpty()) {
            throw new DecodeException("validation", String.join("; ", p));
        }
    }
}
