package dev.perfstream.ingest.loadgen;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The load generator's incident schedules: the demo's recurring cycle of every incident kind, and the four
 * seeded incidents of the standard evaluations. Both are plain lists of {@link Incident}s that
 * {@link LoadGenerator} applies to its traffic; {@code --incidents FILE} ({@link IncidentFile}) replaces them.
 */
public final class IncidentSchedules {
    private IncidentSchedules() {
    }

    /**
     * The demo's incidents: the first {@code first} after {@code from}, then one every {@code every}, each
     * lasting {@code length}, cycling through six kinds on routes where the default KPIs see them
     * (in turn: a 5x latency spike on checkout POST /api/checkout, a 30 % error burst on payments POST
     * /api/payments, an 8x slower database on catalog, a 3x traffic surge on catalog, a cold product-cache on
     * catalog (hit ratio 0.4, three times as long, so that the cache KPI's 10 minutes pass), a 15x slower statement
     * on catalog GET /api/products: the one behind the product list); and halfway between the first two of each
     * cycle a bad release on catalog GET /api/products/{id} (version 1.5.0 on half the traffic, +30 % latency and
     * 3 % more errors on that route, for twice {@code length}, then rolled back).
     */
    public static List<Incident> recurring(Instant from, Instant to, Duration first,
                                                    Duration every, Duration length) {
        List<Incident> out = new ArrayList<>();
        int k = 0;
        for (Instant start = from.plus(first); start.plus(length).isBefore(to) || start.plus(length).equals(to);
             start = start.plus(every), k++) {
            Instant end = start.plus(length);
            out.add(switch (k % 6) { // the ones that page first: latency, errors, database; then a surge, cache, statement
                case 0 -> new Incident(IncidentKind.LATENCY_SPIKE, "checkout", "/api/checkout", start, end, 5);
                case 1 -> new Incident(IncidentKind.ERROR_BURST, "payments", "/api/payments", start, end, 0.3);
                case 2 -> new Incident(IncidentKind.SLOW_DATABASE, "catalog", null, start, end, 8);
                case 3 -> new Incident(IncidentKind.TRAFFIC_SURGE, "catalog", null, start, end, 3);
                // three times as long: the cache KPI warns after 10 minutes under 80 %
                case 4 -> new Incident(IncidentKind.COLD_CACHE, "catalog", null, start,
                    start.plus(length.multipliedBy(3)).isAfter(to) ? to : start.plus(length.multipliedBy(3)), 0.4);
                default -> new Incident(IncidentKind.SLOW_QUERY, "catalog", "/api/products", start, end, 15);
            });
            // Between the first two of each cycle, a bad release (twice as long: the canary needs events) on a route
            // no other incident touches, rolled back at its end.
            Instant release = start.plus(every.dividedBy(2));
            if (k % 6 == 0 && !release.plus(length.multipliedBy(2)).isAfter(to)
                && !release.plus(length.multipliedBy(2)).isAfter(start.plus(every))) {
                out.add(new Incident(IncidentKind.BAD_RELEASE, "catalog", "/api/products/{id}", release,
                    release.plus(length.multipliedBy(2)), 1.3));
            }
        }
        return List.copyOf(out);
    }

    /**
     * Four incidents, one of each kind, spread over [{@code from}, {@code to}) without overlap, each
     * lasting a twelfth of the window (1 to 30 min), on services and routes chosen by the seed from
     * {@link TrafficModel#standard()}. The first fifth of the window is always incident-free (a baseline).
     */
    public static List<Incident> scripted(Instant from, Instant to, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        TrafficModel m = TrafficModel.standard();
        long windowMs = Duration.between(from, to).toMillis();
        long lenMs = Math.max(60_000, Math.min(30 * 60_000, windowMs / 12));
        if (windowMs < 5 * lenMs) {
            throw new IllegalArgumentException("window " + Duration.ofMillis(windowMs)
                + " is too short for four scripted incidents: need at least " + Duration.ofMillis(5 * lenMs));
        }
        long slot = windowMs / 5;
        List<TrafficModel.Route> routes = m.routes();
        List<TrafficModel.Route> dbRoutes = new ArrayList<>();
        for (TrafficModel.Route r : routes) {
            if (r.dbShare() >= 1) {
                dbRoutes.add(r);
            }
        }
        // The four kinds of the standard evaluations (SLOW_QUERY and COLD_CACHE are the demo's, see recurring).
        IncidentKind[] kinds = {IncidentKind.LATENCY_SPIKE, IncidentKind.ERROR_BURST, IncidentKind.TRAFFIC_SURGE,
            IncidentKind.SLOW_DATABASE};
        List<Incident> out = new ArrayList<>();
        for (int k = 0; k < kinds.length; k++) {
            Instant start = from.plusMillis(slot * (k + 1) + rnd.nextLong(Math.max(1, slot - lenMs)));
            Instant end = start.plusMillis(lenMs);
            switch (kinds[k]) {
                case LATENCY_SPIKE: {
                    TrafficModel.Route r = routes.get(rnd.nextInt(routes.size()));
                    out.add(new Incident(kinds[k], r.service(), r.path(), start, end, 4 + rnd.nextInt(3)));
                    break;
                }
                case ERROR_BURST: {
                    TrafficModel.Route r = routes.get(rnd.nextInt(routes.size()));
                    out.add(new Incident(kinds[k], r.service(), r.path(), start, end, 0.2 + 0.1 * rnd.nextInt(3)));
                    break;
                }
                case TRAFFIC_SURGE: {
                    List<String> services = m.services();
                    out.add(new Incident(kinds[k], services.get(rnd.nextInt(services.size())), null, start, end, 3));
                    break;
                }
                default: {
                    TrafficModel.Route r = dbRoutes.get(rnd.nextInt(dbRoutes.size()));
                    out.add(new Incident(kinds[k], r.service(), null, start, end, 8));
                }
            }
        }
        return List.copyOf(out);
    }
}
