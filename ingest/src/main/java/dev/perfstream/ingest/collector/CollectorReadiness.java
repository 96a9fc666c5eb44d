package dev.perfstream.ingest.collector;

import io.javalin.http.Context;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Whether the collector's Kafka is reachable with its two topics: checked every 5 s, answered on /readyz. */
final class CollectorReadiness implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CollectorReadiness.class);

    private final CollectorConfig config;
    private final KafkaSink sink;
    private final Admin admin;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "perfstream-collector-readiness");
        t.setDaemon(true);
        return t;
    });
    private volatile String notReady = "not checked yet";

    CollectorReadiness(CollectorConfig config, KafkaSink sink, Admin admin) {
        this.config = config;
        this.sink = sink;
        this.admin = admin;
    }

    /** Checks every 5 s from now on. */
    void schedule() {
        timer.scheduleWithFixedDelay(this::check, 5, 5, TimeUnit.SECONDS);
    }

    /** Whether the last Kafka check succeeded. */
    boolean ready() {
        return notReady == null;
    }

    /** GET /readyz. */
    void answer(Context ctx) {
        String why = notReady;
        if (why == null) {
            ctx.json(java.util.Map.of("status", "ready"));
        } else {
            ctx.status(503).json(java.util.Map.of("status", "not ready", "reason", why));
        }
    }

    /** Waits up to 5 s for Kafka's topic metadata so the first requests do not fail; starts anyway if Kafka is down. */
    void warmUp() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> topics = List.of(config.rumTopic(), config.metricsTopic());
        while (!sink.warm(topics) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        check();
        if (notReady != null) {
            LOG.warn("collector starting without Kafka: {}; requests get 503 until it is reachable", notReady);
        }
    }

    private void check() {
        sink.warm(List.of(config.rumTopic(), config.metricsTopic()));
        try {
            admin.describeTopics(List.of(config.rumTopic(), config.metricsTopic())).allTopicNames().get(4, TimeUnit.SECONDS);
            notReady = null;
        } catch (Exception e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            notReady = "Kafka at " + config.bootstrapServers() + " or topics " + config.rumTopic() + ", "
                + config.metricsTopic() + " unavailable: " + c.getMessage();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(5));
    }
}
