/**
 * What every perfstream process shares, whatever its stage: the lifecycle ({@link dev.perfstream.runtime.StageRunner}:
 * start, status server, shutdown hook, exit code), the status server ({@code /metrics}, {@code /healthz},
 * {@code /readyz}) and the metrics behind it (JVM, the Kafka clients' own metrics bridged by
 * {@link dev.perfstream.runtime.KafkaMetricsBridge}, perfstream's counters in
 * {@link dev.perfstream.schemas.metrics.PerfstreamMetrics}).
 */
package dev.perfstream.runtime;
