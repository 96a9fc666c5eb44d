package dev.perfstream.models.forecast;

/** Level (median of the recent values) and scale (the noise, at least 2 % of the level) at an origin. */
record LevelScale(double level, double scale) {
}
