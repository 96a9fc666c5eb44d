package dev.perfstream.sink.influx;

import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of a running sink, for progress logs and tests, mirrored in the Prometheus registry
 * ({@link PerfstreamMetrics}). Thread-safe.
 */
public final class SinkMetrics {
    final AtomicLong pointsWritten = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    final AtomicLong batchesCommitted = new AtomicLong();
    final AtomicLong failedAttempts = new AtomicLong();
    final AtomicLong recordsRead = new AtomicLong();
    private final DistributionDataPoint writeSeconds = PerfstreamMetrics.SINK_WRITE_SECONDS.labelValues("sink");
    private final DistributionDataPoint batchPoints = PerfstreamMetrics.SINK_BATCH_POINTS.labelValues("sink");
    private final CounterDataPoint points = PerfstreamMetrics.SINK_POINTS.labelValues("sink");
    private final CounterDataPoint retries = PerfstreamMetrics.SINK_RETRIES.labelValues("sink");
    private volatile String holding;

    /** One successful write of {@code n} points that took {@code nanos}. */
    void written(int n, long nanos) {
        pointsWritten.addAndGet(n);
        points.inc(n);
        writeSeconds.observe(nanos / 1e9);
        batchPoints.observe(n);
    }

    /** A write or dead-letter attempt failed; the batch is held and retried. */
    void failedAttempt(String problem) {
        failedAttempts.incrementAndGet();
        retries.inc();
        holding = problem;
    }

    /** The held batch went through. */
    void released() {
        holding = null;
    }

    /** Why the sink holds its batch (the last failure), or null when it does not. */
    String holding() {
        return holding;
    }

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
