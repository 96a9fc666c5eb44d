/**
 * Per-series feature extraction: lags and recent mean as deviations from a robust level in units of a
 * robust noise scale, and the seasonal position (hour of day, day of week) as cyclic features. Unit-free
 * by construction, so the same models work for any metric and any interval.
 */
package dev.perfstream.models.feature;
