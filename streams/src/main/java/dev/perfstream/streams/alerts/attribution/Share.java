package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.schemas.avro.AttributionCause;

/**
 * One candidate's part of a route's latency change, while {@link Bottlenecks} ranks them.
 *
 * @param share  fraction of the change (may be negative or over 1 before scaling)
 * @param delta  its time per request of the route, alert minus baseline, ms; null for resources
 * @param before baseline value (time per request, or a resource's mean); null for statements and caches (per service)
 * @param after  alert value, likewise
 * @param detail words for the cause (a statement's means, a cache's hit ratio, a resource's change), or null
 */
record Share(Candidate candidate, double share, Double delta, Double before, Double after, String unit, String detail) {
    Share scaled(double f) {
        return new Share(candidate, share * f, delta, before, after, unit, detail);
    }

    Share withShare(double s) {
        return new Share(candidate, s, delta, before, after, unit, detail);
    }

    AttributionCause toCause() {
        return AttributionCause.newBuilder().setKind(candidate.kind().label()).setName(candidate.name())
            .setShare(share).setDeltaMs(delta).setBefore(before).setAfter(after).setUnit(unit == null ? "" : unit)
            .setDetail(detail).build();
    }
}
