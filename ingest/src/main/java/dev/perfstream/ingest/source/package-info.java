/**
 * OTLP from Kafka: the batches the OpenTelemetry Collector's Kafka exporter writes ({@code otlp_proto} or
 * {@code otlp_json}, null keys) turned into perfstream events on the metrics topic, with the same converter
 * as the collector's OTLP/HTTP endpoints.
 */
package dev.perfstream.ingest.source;
