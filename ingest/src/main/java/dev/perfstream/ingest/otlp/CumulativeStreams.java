package dev.perfstream.ingest.otlp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last point of each cumulative stream (metric, resource and point attributes), to turn cumulative
 * sums and histograms into deltas. Follows the OpenTelemetry Collector's {@code cumulativetodelta}
 * processor: the first point of a stream is sent whole only when its start time is known and not
 * before this process started (else it is the baseline, and nothing is sent); a later start time is a
 * restart of the producer (the point is sent whole); a value going down with an unknown start time
 * (0) is a reset, as Prometheus counters do, while with an unchanged known start time it is bad input.
 *
 * <p>Bounded: at most {@code maxStreams} streams, least recently used forgotten first (a forgotten
 * stream starts again from a baseline). Thread-safe: the collector's request threads share one.
 */
public final class CumulativeStreams {
    private final int maxStreams;
    private final long openedNanos;
    private final Map<String, State> streams;

    /** Subtracts a previous cumulative value from the current one. */
    interface Differ<T> {
        /** @return {@code cur - prev}, or null when {@code cur} is below {@code prev} somewhere */
        T minus(T cur, T prev);
    }

    /**
     * @param value   the delta to send; null with a null problem: a baseline, nothing to send
     * @param problem why the point is rejected, or null
     */
    record Delta<T>(T value, String problem) {
    }

    private record State(long start, long time, Object value) {
    }

    /**
     * @param maxStreams  how many streams to remember
     * @param openedNanos this process's start, epoch nanoseconds
     */
    public CumulativeStreams(int maxStreams, long openedNanos) {
        if (maxStreams < 1) {
            throw new IllegalArgumentException("maxStreams must be >= 1, got " + maxStreams);
        }
        this.maxStreams = maxStreams;
        this.openedNanos = openedNanos;
        this.streams = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
                return size() > CumulativeStreams.this.maxStreams;
            }
        };
    }

    @SuppressWarnings("unchecked")
    synchronized <T> Delta<T> delta(String key, long start, long time, T current, Differ<T> differ) {
        State prev = streams.get(key);
        if (prev == null) {
            streams.put(key, new State(start, time, current));
            return start > 0 && start >= openedNanos ? new Delta<>(current, null) : new Delta<>(null, null);
        }
        if (start != 0 && prev.start != 0 && start != prev.start) {
            if (start < prev.start) {
                return new Delta<>(null, "start_time_unix_nano " + start + " is before the stream's current start "
                    + prev.start + " (an older stream, or points out of order)");
            }
            streams.put(key, new State(start, time, current)); // the producer restarted
            return new Delta<>(current, null);
        }
        if (time <= prev.time) {
            return new Delta<>(null, "time_unix_nano " + time + " is not after the stream's previous point at "
                + prev.time + " (a duplicate, or points out of order)");
        }
        T d = differ.minus(current, (T) prev.value);
        if (d == null) {
            if (start != 0) {
                return new Delta<>(null, "cumulative value went backwards with the same start time " + start
                    + " (previous " + describe(prev.value) + ", now " + describe(current) + ")");
            }
            streams.put(key, new State(start, time, current)); // unknown start: a reset
            return new Delta<>(current, null);
        }
        streams.put(key, new State(start, time, current));
        return new Delta<>(d, null);
    }

    synchronized int size() {
        return streams.size();
    }

    private static String describe(Object v) {
        return v instanceof HistogramPoint h ? "count " + h.count() : String.valueOf(v);
    }
}
