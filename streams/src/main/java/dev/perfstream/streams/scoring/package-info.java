/**
 * The scoring stage: perf.stats windows in; anomaly scores (perf.anomalies), forecasts (perf.forecasts), scaling
 * advice (perf.recommendations) and ANOMALY / FORECAST alerts (perf.alerts) out. This package wires and starts the
 * stage ({@code ScoringApp}, {@code ScoringTopology}), holds its configuration and the decode node every window
 * passes first; the jobs live in {@code anomaly} (per-series scores), {@code forecast} (forecasts, capacity and SLO
 * alerts, scaling advice) and {@code multivariate} (the per-service joint score). The alerts stage turns rule
 * breaches into alerts; it does not read perf.anomalies.
 */
package dev.perfstream.streams.scoring;
