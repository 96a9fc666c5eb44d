package dev.perfstream.ingest.loadgen;

/** What a scripted incident does to the generated traffic; see {@link TrafficModel} for the effect of each. */
public enum IncidentKind {
    /** Request latency of one route (or every route of a service) multiplied by the magnitude. */
    LATENCY_SPIKE,
    /** Error share of one route (or every route of a service) raised to the magnitude (0..1). */
    ERROR_BURST,
    /** Request rate of a service (or one route) multiplied by the magnitude; CPU follows. */
    TRAFFIC_SURGE,
    /** DB query time of a service multiplied by the magnitude; its request latency grows by the extra DB time. */
    SLOW_DATABASE,
    /**
     * A bad release: while active, {@link TrafficModel#CANARY_SHARE} of the service's requests run version
     * {@link TrafficModel#CANARY_VERSION} instead of {@link TrafficModel#VERSION}; on the route (or every route)
     * its latency is multiplied by the magnitude and {@link TrafficModel#CANARY_EXTRA_ERRORS} more fail. The end
     * is the rollback: every request runs the old version again.
     */
    BAD_RELEASE,
    /**
     * One statement (the route's) slower by the magnitude: its p95 and its share of the service's DB time grow, and the
     * route's latency with its extra DB time (cause: the statement, {@link IncidentLabels#causes}).
     */
    SLOW_QUERY,
    /**
     * Hit ratio of the route's cache (or every cache of a service) down to the magnitude (0..1): a cold cache. Each
     * request whose lookup misses where it would have hit pays the miss in its latency (cause: the cache).
     */
    COLD_CACHE,
    /**
     * CPU saturation of a service: its instances' CPU utilisation near 100 % and the latency of the route (or every
     * route of the service) multiplied by the magnitude, DB and cache times unchanged (cause: cpu.utilization).
     */
    CPU_SATURATION
}
