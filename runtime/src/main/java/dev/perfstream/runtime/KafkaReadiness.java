package dev.perfstream.runtime;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Whether a Kafka client in a consumer group is in touch with its brokers, from the client's own metrics:
 * Kafka clients (and Kafka Streams, which stays RUNNING) keep retrying while the brokers are down, so
 * the heartbeat to the group coordinator is what tells.
 */
public final class KafkaReadiness {
    /** A member whose last heartbeat is older than this is taken as cut off from Kafka. */
    public static final int HEARTBEAT_STALE_SECONDS = 15;

    private KafkaReadiness() {
    }

    /**
     * Empty when every group member among the metrics has a coordinator and heartbeated recently; else the
     * problem. Kafka reports {@code last-heartbeat-seconds-ago} as -1 while the member has no coordinator
     * (brokers unreachable, coordinator moving), and the seconds since the last heartbeat otherwise.
     */
    public static Optional<String> heartbeatProblem(Map<MetricName, ? extends Metric> metrics) {
        double stalest = 0;
        boolean noCoordinator = false;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName m = e.getKey();
            if (m.name().equals("last-heartbeat-seconds-ago") && m.group().equals("consumer-coordinator-metrics")) {
                Object v = e.getValue().metricValue();
                if (v instanceof Number num && Double.isFinite(num.doubleValue())) {
                    if (num.doubleValue() < 0) {
                        noCoordinator = true;
                    } else {
                        stalest = Math.max(stalest, num.doubleValue());
                    }
                }
            }
        }
        if (noCoordinator) {
            return Optional.of("no group coordinator: Kafka unreachable?");
        }
        return stalest > HEARTBEAT_STALE_SECONDS
            ? Optional.of("no heartbeat to the group coordinator for " + Math.round(stalest) + " s: Kafka unreachable?")
            : Optional.empty();
    }
}
