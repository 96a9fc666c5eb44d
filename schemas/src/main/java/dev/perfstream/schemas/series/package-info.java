/**
 * The identity of a series: {@link dev.perfstream.schemas.series.SeriesKey} formats and parses the series id every
 * stage keys its records and state with, the display form alerts carry, and names each dimension once (its name in
 * the display form and its InfluxDB tag).
 */
package dev.perfstream.schemas.series;
