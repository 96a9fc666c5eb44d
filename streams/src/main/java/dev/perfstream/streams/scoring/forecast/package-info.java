/**
 * Forecasts of the scoring stage: per route series and per service total, at several horizons with 90 % intervals
 * (perf.forecasts); FORECAST alerts when a capacity or p95 SLO breach is predicted; and the scaling advice per
 * service (perf.recommendations) from the service totals' rate forecasts.
 */
package dev.perfstream.streams.scoring.forecast;
