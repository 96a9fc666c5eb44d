package dev.perfstream.schemas.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;

/**
 * perfstream's own metrics, every name in one place, in the process's default Prometheus registry
 * (the one every stage's {@code /metrics} serves, with the JVM and the Kafka clients' metrics).
 * Every series has a {@code stage} label, so one JVM running several stages (the demo, tests) keeps
 * them apart.
 *
 * <p>Without exemplars: with them each increment on the per-event path also samples an exemplar (bench stats
 * --embedded: stage medians 60.8 k events/s with them, 65.9 k without, 67.0 k before any metric; noisy
 * machine, bench/README.md), and no perfstream event carries a trace to link to.
 *
 * <p>Counters count work done, not results committed: under exactly-once a transaction that is
 * aborted and processed again counts its records twice. The topics stay the exact record; these
 * are for rates and alerting on the pipeline itself.
 */
public final class PerfstreamMetrics {
    /** The registry every status server scrapes. */
    public static final PrometheusRegistry REGISTRY = PrometheusRegistry.defaultRegistry;

    public static final Counter EVENTS_IN = Counter.builder().withoutExemplars().name("perfstream_events_in")
        .help("Records read from an input topic and decoded, by stage, topic and wire format")
        .labelNames("stage", "topic", "format").register(REGISTRY);
    public static final Counter DEAD_LETTERS = Counter.builder().withoutExemplars().name("perfstream_dead_letters")
        .help("Records sent to the dead-letter topic, by stage and reason code").labelNames("stage", "reason")
        .register(REGISTRY);
    public static final Counter LATE_EVENTS = Counter.builder().withoutExemplars().name("perfstream_late_events")
        .help("Events that came after their window closed (counted in the window's late field, dead-lettered)")
        .labelNames("stage").register(REGISTRY);
    public static final Counter WINDOWS_EMITTED = Counter.builder().withoutExemplars().name("perfstream_windows_emitted")
        .help("Closed windows written to the output topic, by stage and window size").labelNames("stage", "window")
        .register(REGISTRY);
    public static final Counter RESULTS_OUT = Counter.builder().withoutExemplars().name("perfstream_results_out")
        .help("Result records written, by stage and topic").labelNames("stage", "topic").register(REGISTRY);
    public static final Counter ALERT_TRANSITIONS = Counter.builder().withoutExemplars().name("perfstream_alert_transitions")
        .help("Alert records emitted, by stage, rule and state").labelNames("stage", "rule", "state").register(REGISTRY);
    public static final Counter SINK_POINTS = Counter.builder().withoutExemplars().name("perfstream_sink_points_written")
        .help("Points InfluxDB acknowledged (a point written again after a retry or replay counts again)")
        .labelNames("stage").register(REGISTRY);
    public static final Counter SINK_RETRIES = Counter.builder().withoutExemplars().name("perfstream_sink_retries")
        .help("Write or dead-letter attempts that failed and were retried").labelNames("stage").register(REGISTRY);
    public static final Histogram SINK_WRITE_SECONDS = Histogram.builder().withoutExemplars().name("perfstream_sink_write_seconds")
        .help("Duration of one successful write of a batch to the database").labelNames("stage").classicOnly()
        .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30).register(REGISTRY);
    public static final Histogram SINK_BATCH_POINTS = Histogram.builder().withoutExemplars().name("perfstream_sink_batch_points")
        .help("Points per batch written to the database").labelNames("stage").classicOnly()
        .classicUpperBounds(1, 10, 50, 100, 500, 1000, 5000, 10000, 50000).register(REGISTRY);
    public static final Counter NOTIFICATIONS = Counter.builder().withoutExemplars().name("perfstream_notifications")
        .help("Notifications delivered, by receiver kind and alert state").labelNames("stage", "receiver", "state")
        .register(REGISTRY);
    public static final Counter NOTIFICATION_FAILURES = Counter.builder().withoutExemplars().name("perfstream_notification_failures")
        .help("Delivery attempts that failed (retried, or dead-lettered when out of attempts), by receiver kind")
        .labelNames("stage", "receiver").register(REGISTRY);

    /**
     * The scaling advice's count per service (scoring stage), for a Kubernetes HPA through an external-metrics adapter:
     * set with every advice, removed when the advice is UNKNOWN, when the service's advice is older than five windows
     * and when its task leaves this instance, so that the one instance advising a service exposes it.
     */
    public static final Gauge ADVISED_INSTANCES = Gauge.builder().name("perfstream_advised_instances")
        .help("Instances the scaling advice asks for now, by stage and service (perf.recommendations)")
        .labelNames("stage", "service").register(REGISTRY);

    public static final StageGauge PARKED = new StageGauge("perfstream_parked_records",
        "Records waiting for an unreachable schema registry (processed once it answers)");
    public static final StageGauge OPEN_WINDOWS = new StageGauge("perfstream_open_windows",
        "Windows open in this instance's stores");
    public static final StageGauge SERIES = new StageGauge("perfstream_series", "Series held in this instance's stores");
    public static final StageGauge READY = new StageGauge("perfstream_ready",
        "1 while the stage is ready (its /readyz answers 200), else 0");
    public static final StageGauge ACTIVE_ALERTS = new StageGauge("perfstream_active_alerts",
        "Alerts currently firing, as this instance knows them");

    private PerfstreamMetrics() {
    }

    /** A registered metric source; closing it removes the source (a list removal: it throws nothing). */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * A gauge read when scraped from suppliers that running stage instances register (and remove on
     * close); instances of the same stage in one JVM are summed.
     */
    public static final class StageGauge {
        private final Map<String, List<DoubleSupplier>> sources = new ConcurrentHashMap<>();

        StageGauge(String name, String help) {
            GaugeWithCallback.builder().name(name).help(help).labelNames("stage").callback(cb ->
                sources.forEach((stage, list) -> {
                    if (!list.isEmpty()) {
                        cb.call(list.stream().mapToDouble(DoubleSupplier::getAsDouble).sum(), stage);
                    }
                })).register(REGISTRY);
        }

        /** @return closing it removes the source */
        public Registration register(String stage, DoubleSupplier value) {
            List<DoubleSupplier> list = sources.computeIfAbsent(stage, s -> new CopyOnWriteArrayList<>());
            list.add(value);
            return () -> list.remove(value);
        }
    }
}
