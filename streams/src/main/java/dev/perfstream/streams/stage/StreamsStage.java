package dev.perfstream.streams.stage;

import dev.perfstream.runtime.KafkaMetricsBridge;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.runtime.KafkaReadiness;
import dev.perfstream.runtime.StageRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle every Kafka Streams stage shares: state listener (logged), the failure policy (log, then
 * shut the client down: the stages dead-letter bad records themselves, see {@link StreamsProperties}),
 * state-restoration tracking, the Kafka metrics bridged to
 * Prometheus, readiness, and one {@link #close()} that also closes the stage's own resources.
 *
 * <p>Ready means: Kafka Streams is RUNNING, no state store is being restored, and every stream thread's
 * consumer has heard from its group coordinator recently ({@link KafkaReadiness}: Kafka Streams itself
 * stays RUNNING while the brokers are down).
 */
public final class StreamsStage implements StageRunner.Stage {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsStage.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final String stage;
    private final KafkaStreams streams;
    private final List<AutoCloseable> resources;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicInteger restoring = new AtomicInteger();
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final PerfstreamMetrics.Registration metrics;

    private StreamsStage(String stage, KafkaStreams streams, List<AutoCloseable> resources) {
        this.stage = stage;
        this.streams = streams;
        this.resources = new ArrayList<>(resources);
        this.metrics = KafkaMetricsBridge.register(stage, streams::metrics);
    }

    /**
     * Wires the listeners and starts {@code streams}.
     *
     * @param resources closed after Kafka Streams on {@link #close()}, in order (admin clients, watchers,
     *                  metric registrations)
     */
    public static StreamsStage start(String stage, KafkaStreams streams, List<AutoCloseable> resources) {
        StreamsStage s = new StreamsStage(stage, streams, resources);
        streams.setUncaughtExceptionHandler(e -> {
            s.failure.compareAndSet(null, "a stream thread failed: " + e);
            LOG.error("{} stage: a stream thread failed; shutting this instance down", stage, e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                .SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            LOG.info("{} stage {} -> {}", stage, before, now);
            if (now == KafkaStreams.State.ERROR) {
                s.failure.compareAndSet(null, "Kafka Streams is in state ERROR");
            }
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                s.stopped.countDown();
            }
        });
        streams.setGlobalStateRestoreListener(new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
                s.restoring.incrementAndGet();
                if (end > start) {
                    LOG.info("{} stage: restoring store {} from {} (offsets {} to {}); not ready until done", stage,
                        store, tp, start, end);
                }
            }

            @Override
            public void onBatchRestored(TopicPartition tp, String store, long batchEnd, long n) {
            }

            @Override
            public void onRestoreEnd(TopicPartition tp, String store, long total) {
                s.restoring.decrementAndGet();
                if (total > 0) {
                    LOG.info("{} stage: restored store {} from {}: {} records", stage, store, tp, total);
                }
            }

            @Override
            public void onRestoreSuspended(TopicPartition tp, String store, long total) {
                s.restoring.decrementAndGet();
            }
        });
        streams.start();
        return s;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public String stage() {
        return stage;
    }

    @Override
    public Optional<String> notAlive() {
        return Optional.ofNullable(failure.get());
    }

    @Override
    public Optional<String> notReady() {
        return readiness(streams.state(), restoring.get(), streams.metrics());
    }

    /** The readiness rule (see the class doc): the Kafka Streams state, restorations in progress, heartbeats. */
    static Optional<String> readiness(KafkaStreams.State state, int restoring, Map<MetricName, ? extends Metric> metrics) {
        if (restoring > 0) { // named first: it says how long the wait may be, whatever the client's state
            return Optional.of("restoring " + restoring + " state store partition(s) from their changelogs"
                + (state == KafkaStreams.State.RUNNING ? "" : " (Kafka Streams is " + state + ")"));
        }
        if (state != KafkaStreams.State.RUNNING) {
            return Optional.of("Kafka Streams is " + state);
        }
        return KafkaReadiness.heartbeatProblem(metrics);
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops Kafka Streams and leaves the consumer group. Kafka Streams stays in the group by default (it counts on
     * static members coming back), so with our dynamic members the next start of this stage, or the instance that
     * takes over its tasks, would wait for the old member's session to expire (up to {@code *.session.timeout}, 45 s
     * by default) before the group settles; and a stage stopped during that wait cannot stop before it ends.
     */
    @Override
    public synchronized void close() {
        if (!streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
            .withTimeout(CLOSE_TIMEOUT))) {
            LOG.warn("{} stage: Kafka Streams did not stop within {} s (state {}); stopping the rest anyway", stage,
                CLOSE_TIMEOUT.toSeconds(), streams.state());
        }
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("{} stage: closing {}: {}", stage, r, e.toString());
            }
        }
        resources.clear();
        metrics.close();
        stopped.countDown();
    }
}
