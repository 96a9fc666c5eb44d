/**
 * The load generator: a {@link dev.perfstream.ingest.loadgen.TrafficModel} of services, routes and
 * pages with daily and weekly seasonality; a deterministic {@link dev.perfstream.ingest.loadgen.LoadGenerator}
 * that samples metric and RUM events from it with scripted {@link dev.perfstream.ingest.loadgen.Incident}s
 * (the ground truth for tests and evaluations); {@link dev.perfstream.ingest.loadgen.LoadgenApp}, which
 * produces them to Kafka, and the {@code perfstream loadgen} command.
 */
package dev.perfstream.ingest.loadgen;
