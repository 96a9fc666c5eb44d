package dev.perfstream.streams.stats;

import dev.perfstream.schemas.avro.HistogramBuckets;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.avro.Rating;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.schemas.validate.CardinalityGuard;
import dev.perfstream.schemas.validate.EventValidator;
import dev.perfstream.schemas.validate.RouteTemplates;
import dev.perfstream.schemas.validate.SqlFingerprint;
import dev.perfstream.schemas.validate.WebVitals;
import dev.perfstream.streams.impact.ImpactEvent;
import dev.perfstream.streams.impact.SessionState;
import dev.perfstream.streams.release.ReleaseConfig;
import dev.perfstream.streams.stats.state.HistogramValues;
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
    private final boolean details;
    private final CardinalityGuard statements;
    private final CardinalityGuard caches;
    /** Statements that are fingerprints already, bounded like the route memo. */
    private final Map<String, String> fingerprints = new HashMap<>();
    /** Fingerprint to its statement series (of the service that sent it last), bounded like the route memo. */
    private final Map<String, SeriesKey> statementIds = new HashMap<>();
    // Hand-written memo: RouteTemplates runs several regexes per segment, and the same raw routes repeat.
    private final Map<String, String> templates = new HashMap<>();
    /** Whether LCP, INP and conversions with a session go to the impact windows too. */
    private boolean impact;
    /** The attribution series (element, script); null when they are off. */
    private RumAttributes attributes;

    EventDecoder(String metricsTopic, RecordCodec<MetricEvent> metrics, RecordCodec<RumEvent> rum,
                 EventValidator validator, int routeCap, SeriesOwnership.Owned owned) {
        this(metricsTopic, metrics, rum, validator, routeCap, owned, ReleaseConfig.defaults(), QueryCacheConfig.DEFAULT);
    }

    EventDecoder(String metricsTopic, RecordCodec<MetricEvent> metrics, RecordCodec<RumEvent> rum,
                 EventValidator validator, int routeCap, SeriesOwnership.Owned owned, ReleaseConfig release) {
        this(metricsTopic, metrics, rum, validator, routeCap, owned, release, QueryCacheConfig.DEFAULT);
    }

    EventDecoder(String metricsTopic, RecordCodec<MetricEvent> metrics, RecordCodec<RumEvent> rum,
                 EventValidator validator, int routeCap, SeriesOwnership.Owned owned, QueryCacheConfig qc) {
        this(metricsTopic, metrics, rum, validator, routeCap, owned, ReleaseConfig.defaults(), qc);
    }

    EventDecoder(String metricsTopic, RecordCodec<MetricEvent> metrics, RecordCodec<RumEvent> rum,
                 EventValidator validator, int routeCap, SeriesOwnership.Owned owned, ReleaseConfig release,
                 QueryCacheConfig qc) {
        this.release = release;
        this.versions = new VersionGuard(release.maxVersions(), release.versionIdle().toMillis());
        this.details = qc.enabled();
        this.statements = new CardinalityGuard(qc.statementCap());
        this.caches = new CardinalityGuard(qc.cacheCap());
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
        SeriesKey id = SeriesKey.metric(e.getMetric(), e.getService(), route);
        long ts = e.getTimestamp().toEpochMilli();
        return new Observation(id, ts, v * f, error, -1, unit,
            e.getHistogram() == null ? null : buckets(e.getHistogram(), f), version(e, ts),
            details ? detail(e, unit) : null, Observation.instanceHash(e.getInstance()));
    }

    /**
     * The version whose per-version series a request latency with a service version also counts in (owner-side
     * version cap), else null. The series is {@link #versionSeriesId} of the event's series and this version.
     */
    private String version(MetricEvent e, long ts) {
        String version = e.getServiceVersion();
        if (version == null || !release.metrics().contains(e.getMetric())) {
            return null;
        }
        return owned.key(e.getService()) ? versions.admit(e.getService(), version, ts) : version;
    }

    /** The release comparison's configuration this decoder gives versions by. */
    ReleaseConfig release() {
        return release;
    }

    /** The per-version series id of a metric series id and a version: {@code METRIC|metric|service|route|version}. */
    static String versionSeriesId(String seriesId, String version) {
        SeriesKey k = SeriesKey.parse(seriesId);
        return SeriesKey.release(k.name(), k.owner(), k.route(), version).id();
    }

    /** The series id of a per-version series id, else null. */
    static String seriesOfVersion(String seriesId) {
        return SeriesKey.isRelease(seriesId) ? seriesId.substring(0, seriesId.lastIndexOf('|')) : null;
    }

    /**
     * The statement or cache series the event also counts in ({@link DetailSeries}), or null: a db.*
     * duration with a statement, a cache.lookup with cacheHit, a cache.hits / cache.misses counter.
     * The validator has already checked the fields' combinations.
     */
    private SeriesKey detail(MetricEvent e, String unit) throws DecodeException {
        String service = e.getService();
        if (e.getDbStatement() != null) {
            if (!e.getMetric().startsWith("db.") || !unit.equals("ms")) {
                return null; // a statement on another metric is an attribute as before, not DB time
            }
            String fp = fingerprint(e.getDbStatement());
            SeriesKey id = statementIds.get(fp);
            if (id == null || !id.owner().equals(service)) { // the id string is built once per (service, statement)
                if (statementIds.size() >= ROUTE_CACHE) {
                    statementIds.clear();
                }
                id = SeriesKey.metric(DetailSeries.STATEMENT, service, owned.key(service) ? statements.admit(service, fp) : fp);
                statementIds.put(fp, id);
            }
            return id;
        }
        String cache = e.getCache();
        if (cache == null) {
            return null;
        }
        String name;
        if (e.getCacheHit() != null) {
            if (!unit.equals("ms")) {
                throw new DecodeException("validation", "field 'unit' of a cache.lookup with cacheHit must be a duration"
                    + " (ms, s, us, ns), got \"" + e.getUnit() + "\"");
            }
            name = e.getCacheHit() ? DetailSeries.CACHE_HIT : DetailSeries.CACHE_MISS;
        } else if (e.getMetric().equals(EventValidator.CACHE_HITS)) {
            name = DetailSeries.CACHE_HITS;
        } else if (e.getMetric().equals(EventValidator.CACHE_MISSES)) {
            name = DetailSeries.CACHE_MISSES;
        } else {
            return null;
        }
        return SeriesKey.metric(name, service, owned.key(service) ? caches.admit(service, cache) : cache);
    }

    /**
     * Memoised only for statements that are fingerprints already (what most producers send): raw SQL with
     * literals rarely repeats, and memoising it would only churn the map.
     */
    private String fingerprint(String raw) {
        String f = fingerprints.get(raw);
        if (f == null) {
            f = SqlFingerprint.of(raw);
            if (f.equals(raw)) {
                if (fingerprints.size() >= ROUTE_CACHE) {
                    fingerprints.clear();
                }
                fingerprints.put(raw, f);
            }
        }
        return f;
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

    /** Turns the impact windows on (LCP, INP and conversions with a session are handed to them as well). */
    EventDecoder impact(boolean on) {
        this.impact = on;
        return this;
    }

    /** Turns the attribution series on with this cap of distinct values per (app, page, vital, dimension). */
    EventDecoder attribution(RumElementsConfig c) {
        this.attributes = c.enabled() ? new RumAttributes(c.cap()) : null;
        return this;
    }

    private Observation rum(RumEvent e) throws DecodeException {
        problems(validator.check(e));
        String page = template(e.getPage());
        boolean owner = owned.key(e.getApp());
        if (owner) {
            page = pages.admit(e.getApp(), page);
        }
        long ts = e.getTimestamp().toEpochMilli();
        Vital vital = e.getVital();
        if (vital == null) { // a conversion (the validator has checked its goal and session)
            return Observation.conversion(ImpactEvent.conversion(ts, e.getApp(), page, e.getSessionHash(), e.getConversion()));
        }
        ImpactEvent joined = null;
        if (impact && e.getSessionHash() != null && (vital == Vital.LCP || vital == Vital.INP)) {
            joined = ImpactEvent.vital(ts, e.getApp(), page, e.getSessionHash(),
                vital == Vital.LCP ? SessionState.LCP : SessionState.INP, e.getValue());
        }
        // Shares follow the Web Vitals thresholds, not the rating the browser library sent.
        Rating r = WebVitals.rate(vital, e.getValue());
        String device = e.getDeviceClass().toLowerCase(Locale.ROOT);
        SeriesKey element = null;
        SeriesKey script = null;
        if (attributes != null) {
            element = attributes.element(e, vital, page, device, owner);
            script = attributes.script(e, vital, page, device, owner);
        }
        return new Observation(SeriesKey.rum(vital.name(), e.getApp(), page, device), ts, e.getValue(), false,
            r.ordinal(), vital == Vital.CLS ? "score" : "ms", null, null, null, 0L, joined, element, script);
    }

    /** The page an impact event forwarded by another task counts under here, at its app's owner (the page cap). */
    String admitPage(String app, String page) {
        return pages.admit(app, page);
    }

    /**
     * The series a partial from another task is merged into: the same, or the overflow series of its
     * service (app) when the cardinality guard does not admit its route (page).
     */
    SeriesKey admit(SeriesKey id, long windowStart) {
        if (DetailSeries.isDetail(id)) {
            CardinalityGuard g = DetailSeries.isStatement(id) ? statements : caches;
            String v = g.admit(id.owner(), id.route());
            return v.equals(id.route()) ? id : SeriesKey.metric(id.name(), id.owner(), v);
        }
        if (id.version() != null) {
            String route = id.route().equals("-") ? id.route() : routes.admit(id.owner(), id.route());
            String version = versions.admit(id.owner(), id.version(), windowStart);
            return route.equals(id.route()) && version.equals(id.version()) ? id
                : SeriesKey.release(id.name(), id.owner(), route, version);
        }
        if (id.kind() == SeriesKind.RUM && id.attribute() != null) {
            String page = pages.admit(id.owner(), id.route());
            return attributes == null ? id : attributes.admit(id, page);
        }
        if (id.kind() == SeriesKind.RUM) {
            String page = pages.admit(id.owner(), id.route());
            return page.equals(id.route()) ? id : SeriesKey.rum(id.name(), id.owner(), page, id.deviceClass());
        }
        if (id.route().equals("-")) {
            return id;
        }
        String route = routes.admit(id.owner(), id.route());
        return route.equals(id.route()) ? id : SeriesKey.metric(id.name(), id.owner(), route);
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
