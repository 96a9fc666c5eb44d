package dev.perfstream.ingest.collector;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-client token buckets ({@code rate} tokens per second, at most {@code burst}). The client key
 * (its address or /64, from {@link ClientAddresses}) lives only in this map, never in an event or a log line; the map is cleared
 * whenever it exceeds {@link #MAX_CLIENTS}, which at worst grants a fresh burst.
 *
 * <p>Hand-written rather than Javalin's bundled {@code RateLimitPlugin}: that one counts requests in
 * fixed windows of a whole time unit (a client may send twice the limit across a window edge), has no
 * burst setting and throws its own 429 without the {@code Retry-After} and reject metric we need. A
 * Bucket4j dependency for twenty lines of token bucket is not worth it.
 */
final class ClientRateLimiter {
    static final int MAX_CLIENTS = 100_000;

    private final double ratePerNano;
    private final double burst;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long last;

        Bucket(double tokens, long last) {
            this.tokens = tokens;
            this.last = last;
        }
    }

    ClientRateLimiter(double perSecond, int burst, LongSupplier nanoTime) {
        this.ratePerNano = perSecond / 1e9;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    /** @return true if the client may make one more request now */
    boolean tryAcquire(String client) {
        if (buckets.size() > MAX_CLIENTS) {
            buckets.clear();
        }
        long now = nanoTime.getAsLong();
        Bucket b = buckets.computeIfAbsent(client, k -> new Bucket(burst, now));
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.last) * ratePerNano);
            b.last = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
