package dev.perfstream.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class KafkaMetricsBridgeTest {
    private static MetricName name(String group, String name, String... tags) {
        Map<String, String> t = new LinkedHashMap<>();
        for (int i = 0; i < tags.length; i += 2) {
            t.put(tags[i], tags[i + 1]);
        }
        return new MetricName(name, group, "desc of " + name, t);
    }

    private static Metric metric(MetricName n, Object value) {
        return new Metric() {
            @Override
            public MetricName metricName() {
                return n;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }

    @Test
    void shouldNameKafkaMetricsTheWayPrometheusWantsThem() {
        assertThat(KafkaMetricsBridge.map(name("consumer-fetch-manager-metrics", "records-lag-max")))
            .isEqualTo(new KafkaMetricsBridge.Mapped("kafka_consumer_fetch_manager_records_lag_max", false, 1));
        assertThat(KafkaMetricsBridge.map(name("stream-thread-metrics", "process-total")))
            .isEqualTo(new KafkaMetricsBridge.Mapped("kafka_stream_thread_process", true, 1));
        assertThat(KafkaMetricsBridge.map(name("producer-metrics", "bufferpool-wait-time-ns-total")))
            .isEqualTo(new KafkaMetricsBridge.Mapped("kafka_producer_bufferpool_wait_time_seconds", true, 1e-9));
        assertThat(KafkaMetricsBridge.map(name("consumer-metrics", "connection-count")).name())
            .isEqualTo("kafka_consumer_connection_number");
        assertThat(KafkaMetricsBridge.map(name("stream-state-metrics", "block-cache-capacity.sum")).name())
            .isEqualTo("kafka_stream_state_block_cache_capacity_sum_value");
    }

    @Test
    void shouldExposeNumericValuesOfRegisteredClientsWithTheirTagsAsLabelsAndForgetClosedOnes() throws Exception {
        MetricName lag = name("consumer-fetch-manager-metrics", "records-lag", "client-id", "c1", "topic", "perf.metrics",
            "partition", "3");
        MetricName total = name("consumer-fetch-manager-metrics", "records-consumed-total", "client-id", "c1");
        MetricName version = name("app-info", "version", "client-id", "c1");
        MetricName nan = name("consumer-fetch-manager-metrics", "fetch-latency-avg", "client-id", "c1");
        Map<MetricName, Metric> metrics = Map.of(lag, metric(lag, 42.0), total, metric(total, 1234.0),
            version, metric(version, "4.3.1"), nan, metric(nan, Double.NaN));
        AutoCloseable handle = KafkaMetricsBridge.register("sink", () -> metrics);
        try {
            String text = StatusServer.scrape();
            assertThat(text).contains(
                "kafka_consumer_fetch_manager_records_lag{client_id=\"c1\",partition=\"3\",stage=\"sink\",topic=\"perf.metrics\"} 42.0",
                "# TYPE kafka_consumer_fetch_manager_records_consumed_total counter",
                "kafka_consumer_fetch_manager_records_consumed_total{client_id=\"c1\",stage=\"sink\"} 1234.0");
            assertThat(text).doesNotContain("kafka_app_info_version", "kafka_consumer_fetch_manager_fetch_latency_avg");
            assertThat(StatusServer.scrape("sink")).contains("kafka_consumer_fetch_manager_records_lag{");
            assertThat(StatusServer.scrape("stats")).as("another stage's port in the same JVM")
                .doesNotContain("kafka_consumer_fetch_manager_records_lag{").contains("jvm_memory_used_bytes");
        } finally {
            handle.close();
        }
        assertThat(StatusServer.scrape()).doesNotContain("kafka_consumer_fetch_manager_records_lag");
    }
}
