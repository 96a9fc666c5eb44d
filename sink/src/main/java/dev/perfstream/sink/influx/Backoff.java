package dev.perfstream.sink.influx;

import java.time.Duration;

/** Exponential backoff: min, 2 min, 4 min, ... capped at max; {@link #reset()} after a success. */
final class Backoff {
    private final long minMs;
    private final long maxMs;
    private long nextMs;

    Backoff(Duration min, Duration max) {
        this.minMs = min.toMillis();
        this.maxMs = max.toMillis();
        this.nextMs = minMs;
    }

    /** @return the delay to wait now; the following one doubles */
    long next() {
        long d = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        return d;
    }

    void reset() {
        nextMs = minMs;
    }
}
