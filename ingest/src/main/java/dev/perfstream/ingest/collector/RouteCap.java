package dev.perfstream.ingest.collector;

import dev.perfstream.schemas.validate.CardinalityGuard;

/** A thread-safe {@link CardinalityGuard} (request threads share it), counting overflows. */
final class RouteCap {
    private final CardinalityGuard guard;
    private final CollectorMetrics metrics;

    RouteCap(int cap, CollectorMetrics metrics) {
        this.guard = new CardinalityGuard(cap);
        this.metrics = metrics;
    }

    /** @return the template if admitted for {@code owner}, else {@link CardinalityGuard#OVERFLOW} */
    String admit(String owner, String template) {
        String r;
        synchronized (guard) {
            r = guard.admit(owner, template);
        }
        if (CardinalityGuard.OVERFLOW.equals(r)) {
            metrics.overflow();
        }
        return r;
    }
}
