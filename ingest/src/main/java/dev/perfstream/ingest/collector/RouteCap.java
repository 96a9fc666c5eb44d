package dev.perfstream.ingest.collector;

import dev.perfstream.schemas.validate.CardinalityGuard;

/** A thread-safe {@link CardinalityGuard} (request threads share it), counting overflows. */
final class RouteCap {
    private final CardinalityGuard guard;
    private final Runnable overflow;

    /** Routes and pages: overflows counted in {@code perfstream_collector_route_overflow_total}. */
    RouteCap(int cap, CollectorMetrics metrics) {
        this(cap, metrics::overflow);
    }

    /** @param overflow called for every value sent to the overflow bucket */
    RouteCap(int cap, Runnable overflow) {
        this.guard = new CardinalityGuard(cap);
        this.overflow = overflow;
    }

    /** @return the template if admitted for {@code owner}, else {@link CardinalityGuard#OVERFLOW} */
    String admit(String owner, String template) {
        String r;
        synchronized (guard) {
            r = guard.admit(owner, template);
        }
        if (CardinalityGuard.OVERFLOW.equals(r)) {
            overflow.run();
        }
        return r;
    }
}
