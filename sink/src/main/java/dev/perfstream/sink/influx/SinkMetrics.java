package dev.perfstream.sink.influx;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of a running sink, for progress logs and tests. Thread-safe. */
public final class SinkMetrics {
    final AtomicLong pointsWritten = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    final AtomicLong batchesCommitted = new AtomicLong();
    final AtomicLong failedAttempts = new AtomicLong();
    final AtomicLong recordsRead = new AtomicLong();

    /** A consistent-enough copy for reporting. */
    public Snapshot snapshot() {
        return new Snapshot(recordsRead.get(), pointsWritten.get(), deadLettered.get(), batchesCommitted.get(),
            failedAttempts.get());
    }

    /**
     * @param recordsRead      records taken from Kafka (a record re-read after a rebalance counts again)
     * @param pointsWritten    points InfluxDB acknowledged (a point written again on a retry or a replay counts again)
     * @param deadLettered     records sent to the dead-letter topic
     * @param batchesCommitted batches whose offsets were committed
     * @param failedAttempts   write or dead-letter attempts that failed and were retried
     */
    public record Snapshot(long recordsRead, long pointsWritten, long deadLettered, long batchesCommitted,
                           long failedAttempts) {
    }
}
