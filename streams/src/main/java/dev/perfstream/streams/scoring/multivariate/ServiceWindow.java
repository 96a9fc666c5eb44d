package dev.perfstream.streams.scoring.multivariate;

import dev.perfstream.schemas.avro.WindowStats;

/**
 * One service's total over all its routes in one window, as the multivariate branch assembled it: the request
 * throughput as a window of the series {@code METRIC|<request metric>|<service>|*} (count, errors, rate; the
 * distribution fields NaN) for the service forecaster, and what the scaling advice needs besides.
 *
 * @param total the service total
 * @param p95   request-count-weighted mean of the p95 of the service's request routes (ms); NaN without requests
 * @param cpu   sample-weighted mean of the CPU metric over the service's instances; NaN when none was sent
 * @param instances the most distinct instances any of the service's request, CPU and memory windows counted
 *                  ({@code WindowStats.instances}); 0 when none carried a count
 */
public record ServiceWindow(WindowStats total, double p95, double cpu, int instances) {
}
