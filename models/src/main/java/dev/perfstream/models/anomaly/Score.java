package dev.perfstream.models.anomaly;

/**
 * The verdict on one observation.
 *
 * @param expected     the value the model expected (same unit as the observation)
 * @param score        0..1, 1 certainly anomalous; 0 for a missing value
 * @param z            signed deviation in units of the robust noise scale
 * @param modelVersion version of the model that produced {@code expected}
 * @param learned      false when the observation was not learned from (missing, out of order, duplicate)
 */
public record Score(double expected, double score, double z, String modelVersion, boolean learned) {
}
