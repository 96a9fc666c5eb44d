package dev.perfstream.schemas.retry;

import java.time.Duration;

/**
 * Exponential backoff: min, 2 min, 4 min, ... capped at max; {@link #reset()} after a success. The one backoff of
 * every retry loop (the registry client, parked records, output schema registration, the sink and the notifier).
 */
public final class Backoff {
    private final long minMs;
    private final long maxMs;
    private long nextMs;

    public Backoff(Duration min, Duration max) {
        this.minMs = min.toMillis();
        this.maxMs = max.toMillis();
        this.nextMs = minMs;
    }

    /** @return the delay to wait now; the following one doubles */
    public long next() {
        long d = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        return d;
    }

    public void reset() {
        nextMs = minMs;
    }
}
