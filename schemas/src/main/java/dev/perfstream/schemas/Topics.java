package dev.perfstream.schemas;

import java.util.List;

/**
 * Names of perfstream's Kafka topics: the only place they are spelled out. Each can be overridden
 * by configuration (see the top-level README), these are the defaults.
 */
public final class Topics {
    /** Server-side {@code MetricEvent}s, keyed by service: a series is aggregated by the stats task that owns its partition, and the stats stage does not re-key. */
    public static final String METRICS = "perf.metrics";
    /** Browser {@code RumEvent}s from the collector, keyed by app (same reason as {@link #METRICS}). */
    public static final String RUM = "perf.rum";
    /** {@code WindowStats}, one per series and closed window. */
    public static final String STATS = "perf.stats";
    /** {@code Anomaly} scores per series and window. */
    public static final String ANOMALIES = "perf.anomalies";
    /** {@code Forecast}s per series and horizon. */
    public static final String FORECASTS = "perf.forecasts";
    /** {@code Alert} state changes, keyed by fingerprint. */
    public static final String ALERTS = "perf.alerts";
    /** {@code QueryStats}: the top statements of a service per window, keyed by service. */
    public static final String QUERIES = "perf.queries";
    /** {@code CacheStats}: hit ratio and hit / miss latency per service, cache and window, keyed by service. */
    public static final String CACHE = "perf.cache";
    /** {@code UxImpact}: speed vs conversion per app, page, goal, vital and window (stats stage), keyed by app. */
    public static final String IMPACT = "perf.impact";
    /** {@code Recommendation}: scaling advice per service and window (scoring stage), keyed by service. */
    public static final String RECOMMENDATIONS = "perf.recommendations";
    /** {@code RumElementStats}: RUM stats per LCP / INP / CLS element and INP script, page and window (stats stage), keyed by app. */
    public static final String RUM_ELEMENTS = "perf.rum.elements";
    /** {@code DeadLetter}: every record a stage could not process, with its reason. */
    public static final String DEADLETTER = "perf.deadletter";

    /** Topics a local run creates up front. */
    public static final List<String> ALL = List.of(METRICS, RUM, STATS, ANOMALIES, FORECASTS, ALERTS, DEADLETTER, QUERIES,
        CACHE, IMPACT, RECOMMENDATIONS, RUM_ELEMENTS);

    private Topics() {
    }
}
