/**
 * The scoring stage's per-service multivariate score: the windows of a service's request, CPU and memory metrics are
 * re-keyed by service, joined per window into one vector, scored by a one-class SVM (models module) and written as
 * {@code Anomaly} records of series {@code MULTIVARIATE|<service>}; each vector's service total
 * ({@code ServiceWindow}) goes on to the service forecaster.
 */
package dev.perfstream.streams.scoring.multivariate;
