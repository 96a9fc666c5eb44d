package dev.perfstream.ingest.loadgen;

import java.time.Instant;
import java.util.Objects;

/**
 * A scripted incident: the ground truth that tests and evaluations compare alerts and anomaly
 * scores against.
 *
 * @param kind      what happens
 * @param service   the service (or RUM app) affected
 * @param route     the route (or page) affected; null means every route of the service
 * @param start     first instant affected (inclusive, simulated time)
 * @param end       first instant no longer affected (exclusive, simulated time)
 * @param magnitude latency/DB/traffic multiplier for LATENCY_SPIKE, SLOW_DATABASE, TRAFFIC_SURGE;
 *                  the error share (0..1) for ERROR_BURST
 */
public record Incident(IncidentKind kind, String service, String route, Instant start, Instant end, double magnitude) {
    public Incident {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("incident end " + end + " must be after start " + start);
        }
        if (!(magnitude > 0) || Double.isInfinite(magnitude)) {
            throw new IllegalArgumentException("incident magnitude must be a positive number, got " + magnitude);
        }
        if (kind == IncidentKind.ERROR_BURST && magnitude > 1) {
            throw new IllegalArgumentException("ERROR_BURST magnitude is an error share in (0, 1], got " + magnitude);
        }
    }

    /** @return whether the incident is in effect at {@code t} */
    public boolean activeAt(Instant t) {
        return !t.isBefore(start) && t.isBefore(end);
    }

    /** @return whether it affects {@code route} of {@code service} */
    public boolean affects(String service, String route) {
        return this.service.equals(service) && (this.route == null || this.route.equals(route));
    }
}
