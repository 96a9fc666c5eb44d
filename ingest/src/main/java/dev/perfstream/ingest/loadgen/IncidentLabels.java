package dev.perfstream.ingest.loadgen;

import dev.perfstream.ingest.loadgen.TrafficModel.Cache;
import dev.perfstream.ingest.loadgen.TrafficModel.Page;
import dev.perfstream.ingest.loadgen.TrafficModel.Route;
import java.util.ArrayList;
import java.util.List;

/**
 * The ground truth of an incident on a traffic model, as the evaluations and the incident file label it: the series
 * it moves and the dependency that causes each affected route's slowdown.
 */
public final class IncidentLabels {
    private IncidentLabels() {
    }

    /**
     * The series an incident moves, as {@code metric|service|route} keys (the stats stage's
     * (metric, service, route) series, and (vital, app, page) for RUM incidents).
     */
    public static List<String> affectedSeries(TrafficModel m, Incident i) {
        List<String> out = new ArrayList<>();
        for (Route r : m.routes()) {
            if (!i.affects(r.service(), r.path())) {
                continue;
            }
            switch (i.kind()) {
                case COLD_CACHE:
                    for (Cache c : m.caches()) {
                        if (c.service().equals(r.service()) && c.path().equals(r.path())) {
                            out.add(TrafficModel.CACHE + "|" + r.service() + "|" + r.path());
                            out.add(TrafficModel.HTTP + "|" + r.service() + "|" + r.path()); // the extra misses' time
                        }
                    }
                    break;
                case CPU_SATURATION:
                    out.add(TrafficModel.HTTP + "|" + r.service() + "|" + r.path());
                    if (!out.contains(TrafficModel.CPU + "|" + r.service() + "|")) {
                        out.add(TrafficModel.CPU + "|" + r.service() + "|");
                    }
                    break;
                case SLOW_DATABASE:
                case SLOW_QUERY:
                    if (r.dbShare() > 0) {
                        out.add(TrafficModel.DB + "|" + r.service() + "|" + r.path());
                        out.add(TrafficModel.HTTP + "|" + r.service() + "|" + r.path());
                    }
                    break;
                case TRAFFIC_SURGE:
                    out.add(TrafficModel.HTTP + "|" + r.service() + "|" + r.path());
                    if (!out.contains(TrafficModel.CPU + "|" + r.service() + "|")) {
                        out.add(TrafficModel.CPU + "|" + r.service() + "|");
                    }
                    break;
                default:
                    out.add(TrafficModel.HTTP + "|" + r.service() + "|" + r.path());
            }
        }
        for (Page p : m.pages()) {
            if (i.affects(p.app(), p.page())) {
                for (String v : List.of("LCP", "FCP", "TTFB", "INP", "PAGE_LOAD")) {
                    out.add(v + "|" + p.app() + "|" + p.page());
                }
            }
        }
        return out;
    }

    /**
     * The true cause of the latency rise an incident brings to each route it affects, as
     * {@code kind|service|route|name}, named as bottleneck attribution names causes: {@code db_statement|...|<the
     * route's statement>} (SLOW_QUERY), {@code db|...|db.query.duration} (SLOW_DATABASE: every statement),
     * {@code cache|...|<the route's cache>} (COLD_CACHE), {@code cpu|...|cpu.utilization} (CPU_SATURATION). None for
     * the kinds whose cause is in the route's own code or in no dependency (LATENCY_SPIKE, BAD_RELEASE) or that do not
     * slow a route (ERROR_BURST, TRAFFIC_SURGE): their attribution should say unexplained.
     */
    public static List<String> causes(TrafficModel m, Incident i) {
        List<String> out = new ArrayList<>();
        for (Route r : m.routes()) {
            if (!i.affects(r.service(), r.path())) {
                continue;
            }
            String at = r.service() + "|" + r.path() + "|";
            switch (i.kind()) {
                case SLOW_QUERY -> {
                    if (r.dbShare() > 0) {
                        out.add("db_statement|" + at + r.dbStatement());
                    }
                }
                case SLOW_DATABASE -> {
                    if (r.dbShare() > 0) {
                        out.add("db|" + at + TrafficModel.DB);
                    }
                }
                case COLD_CACHE -> {
                    Cache c = m.cacheOf(r);
                    if (c != null) {
                        out.add("cache|" + at + c.name());
                    }
                }
                case CPU_SATURATION -> out.add("cpu|" + at + TrafficModel.CPU);
                default -> { }
            }
        }
        return out;
    }
}
