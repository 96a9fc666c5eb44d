/**
 * Per-series anomaly scores of the scoring stage: one detector (models module) per series, window size and
 * statistic, its state in a changelogged store, newer stored models picked up without a restart; ANOMALY alerts
 * through the rules' state machine. {@code AnomalyAlerts.Step} is also the notification the forecast and
 * multivariate alerts use.
 */
package dev.perfstream.streams.scoring.anomaly;
