/**
 * OpenTelemetry in: OTLP trace and metric export requests turned into perfstream events. Pure
 * functions of the request and of the stream state for cumulative data ({@link dev.perfstream.ingest.otlp.CumulativeStreams});
 * the collector's OTLP/HTTP endpoints call them, and so can a Kafka source of {@code otlp_proto} batches.
 */
package dev.perfstream.ingest.otlp;
