/**
 * Alert latency harness: window close on perf.stats to alert on perf.alerts, through the real
 * alerts stage with exactly-once processing on a real broker.
 */
package dev.perfstream.bench.alerts;
