/**
 * Anomaly scoring: {@link dev.perfstream.models.anomaly.SeriesDetector} per series (Tribuo linear SGD
 * expectation, robust residual scale, calibrated 0..1 score, cold start, level shifts) and
 * {@link dev.perfstream.models.anomaly.MultivariateDetector} per service (Tribuo one-class SVM).
 */
package dev.perfstream.models.anomaly;
