/**
 * The anomaly scoring stage: perf.stats windows scored by the models module's detectors, written to
 * perf.anomalies. The alerts stage turns high scores into alerts (source ANOMALY).
 */
package dev.perfstream.streams.scoring;
