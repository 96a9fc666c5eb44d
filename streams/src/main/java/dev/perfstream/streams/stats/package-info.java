/**
 * The windowed statistics stage: metric and RUM events in, one final {@code WindowStats} per series
 * and closed window out. {@link dev.perfstream.streams.stats.StatsTopology} builds the topology,
 * {@link dev.perfstream.streams.stats.StatsApp} runs it, {@link dev.perfstream.streams.stats.StatsConfig}
 * holds its configuration; the per-event path is {@code StatsProcessor}.
 */
package dev.perfstream.streams.stats;
