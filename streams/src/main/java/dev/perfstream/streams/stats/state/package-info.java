/**
 * State of the stats stage: live DDSketch windows in memory, written back to a changelogged store
 * once per commit ({@link dev.perfstream.streams.stats.state.SeriesWindowStore}), and the one
 * factory for mergeable sketches ({@link dev.perfstream.streams.stats.state.Sketches}).
 */
package dev.perfstream.streams.stats.state;
