package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.validate.EventValidator;
import dev.perfstream.streams.alerts.DerivedStats;

/**
 * A series of a service that bottleneck attribution keeps a short history of: a route (the series a latency alert
 * is about) or one of its possible causes. Classified from the windows the alerts stage reads:
 *
 * <ul>
 *   <li>{@link Kind#ROUTE}: a duration series with a route that is none of the kinds below (http.server.duration,
 *       http.server.request.duration, rpc.server.duration, ...).</li>
 *   <li>{@link Kind#DB}: a {@code db.*} duration series (per route, or {@code -} when the events had none): the
 *       DB time of the route's requests.</li>
 *   <li>{@link Kind#CACHE_TIME}: {@code cache.lookup} durations per route: the cache time of the route's requests.</li>
 *   <li>{@link Kind#DOWNSTREAM}: a {@code *.client.*} duration series per route (http.client.request.duration,
 *       rpc.client.duration): calls the route makes to other services, named by the metric (events carry no peer).</li>
 *   <li>{@link Kind#CPU}, {@link Kind#MEMORY}: {@code cpu.*}, {@code memory.*} series of the service, any unit.</li>
 *   <li>{@link Kind#STATEMENT}, {@link Kind#CACHE}: perf.queries and perf.cache records ({@link DerivedStats} views):
 *       a statement's time and a cache's misses, per service; they name the statement or cache behind the DB or
 *       cache time.</li>
 * </ul>
 *
 * @param name  metric name, statement fingerprint or cache name
 * @param route route template, {@code -} for service-level series
 */
public record Candidate(Kind kind, String name, String route) {
    /** What a series is to attribution; the code is its tag in store keys. */
    public enum Kind {
        ROUTE('R', "route"), DB('D', "db"), CACHE_TIME('C', "cache"), DOWNSTREAM('N', "downstream"), CPU('P', "cpu"),
        MEMORY('M', "memory"), STATEMENT('S', "db_statement"), CACHE('K', "cache");

        private final char code;
        private final String label;

        Kind(char code, String label) {
            this.code = code;
            this.label = label;
        }

        /** The kind's name on alerts and in InfluxDB ({@code db_statement}, {@code cache}, ...). */
        public String label() {
            return label;
        }

        static Kind of(char code) {
            for (Kind k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown candidate kind code " + code);
        }

        /** Time spent inside the route's requests: comparable with the route's latency in ms per request. */
        public boolean timed() {
            return this == DB || this == CACHE_TIME || this == DOWNSTREAM;
        }

        public boolean resource() {
            return this == CPU || this == MEMORY;
        }
    }

    /** A fixed order (by store key): attributions iterate candidates in it, never in a hash map's order. */
    public static final java.util.Comparator<Candidate> ORDER = java.util.Comparator.comparing(Candidate::encode);

    /** Service-level series have this route. */
    public static final String NO_ROUTE = "-";

    /**
     * The candidate a window is, or null when attribution has no use for it (RUM, per-version windows, other
     * units, service-level request series).
     *
     * @param derived a perf.queries or perf.cache view ({@link DerivedStats}), not a perf.stats window
     */
    public static Candidate of(WindowStats s, boolean derived) {
        if (s.getKind() != SeriesKind.METRIC || s.getServiceVersion() != null) {
            return null;
        }
        String name = s.getName();
        String route = s.getRoute() == null ? NO_ROUTE : s.getRoute();
        if (derived) {
            if (DerivedStats.STATEMENT.equals(name)) {
                return new Candidate(Kind.STATEMENT, route, NO_ROUTE);
            }
            return DerivedStats.CACHE.equals(name) ? new Candidate(Kind.CACHE, route, NO_ROUTE) : null;
        }
        if (name.startsWith("cpu.")) {
            return new Candidate(Kind.CPU, name, route);
        }
        if (name.startsWith("memory.")) {
            return new Candidate(Kind.MEMORY, name, route);
        }
        if (!"ms".equals(s.getUnit())) {
            return null;
        }
        if (name.startsWith("db.")) {
            return new Candidate(Kind.DB, name, route);
        }
        if (EventValidator.CACHE_LOOKUP.equals(name)) {
            return new Candidate(Kind.CACHE_TIME, name, route);
        }
        if (name.contains(".client.")) {
            return new Candidate(Kind.DOWNSTREAM, name, route);
        }
        return NO_ROUTE.equals(route) ? null : new Candidate(Kind.ROUTE, name, route);
    }

    /** {@code kind code \0 name \0 route}: the part of a store key after the service and window size. */
    String encode() {
        return kind.code + "\u0000" + name + "\u0000" + route;
    }

    static Candidate decode(String s) {
        int a = s.indexOf('\u0000');
        int b = s.indexOf('\u0000', a + 1);
        return new Candidate(Kind.of(s.charAt(0)), s.substring(a + 1, b), s.substring(b + 1));
    }
}
