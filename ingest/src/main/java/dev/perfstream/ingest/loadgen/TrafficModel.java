package dev.perfstream.ingest.loadgen;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The shape of the synthetic traffic: services and their routes, RUM apps and their pages, base
 * rates, latency distributions, error shares, and the daily and weekly seasonality, with incidents
 * applied. Immutable; the {@link LoadGenerator} samples from it.
 *
 * <p>Rates are in events per <em>simulated</em> second. {@link #rate()} is the expected number of
 * request, DB and RUM events per simulated second at a seasonality of 1 (the weekly mean); the
 * per-instance resource metrics (CPU, memory, concurrent users, every 10 s) come on top.
 *
 * <p>Seasonality (UTC): a daily cosine with its peak at 14:00 and trough at 02:00 (0.5x..1.5x),
 * times 1.08 on weekdays and 0.8 on Saturday and Sunday; both have mean 1 over a week.
 */
public final class TrafficModel {
    /** Metric names the generator emits. */
    public static final String HTTP = "http.server.duration";
    public static final String DB = "db.query.duration";
    public static final String CPU = "cpu.utilization";
    public static final String MEMORY = "memory.used";
    public static final String USERS = "users.concurrent";
    public static final String CACHE = "cache.lookup";

    /**
     * A cache in front of a route's reads: one {@code cache.lookup} per request of the route, a hit with
     * probability {@code hitRatio}.
     *
     * @param hitMs  median latency of a hit (lognormal, shape 0.3)
     * @param missMs median latency of a miss (the lookup and the fill)
     */
    public record Cache(String service, String path, String name, double hitRatio, double hitMs, double missMs) {
    }

    /**
     * A server route.
     *
     * @param share      relative request share among routes
     * @param medianMs   median request latency (lognormal)
     * @param sigma      lognormal shape; 0.5 gives p99 about 3.2x the median
     * @param errorShare share of requests that fail (5xx)
     * @param dbShare    share of requests that issue a DB query (0 = no DB)
     * @param dbMedianMs median DB query time
     */
    public record Route(String service, String method, String path, double share, double medianMs, double sigma,
                        double errorShare, double dbShare, String dbStatement, double dbMedianMs) {
    }

    /** A RUM page; {@code slowness} scales every timing vital of it. */
    public record Page(String app, String page, double share, double slowness) {
    }

    /** A lognormal latency distribution by its median and shape. */
    public record Lognormal(double median, double sigma) {
        private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

        public double sample(RandomGenerator r) {
            return median * Math.exp(sigma * r.nextGaussian());
        }

        /** The exact quantile {@code q} (0..1) of the distribution. */
        public double quantile(double q) {
            return median * Math.exp(sigma * STANDARD_NORMAL.inverseCumulativeProbability(q));
        }
    }

    /** Device classes of RUM events with their share and slowness factor. */
    static final String[] DEVICES = {"desktop", "mobile", "tablet"};
    static final double[] DEVICE_SHARE = {0.55, 0.38, 0.07};
    static final double[] DEVICE_SLOWNESS = {1.0, 1.6, 1.25};
    /** Vital events per page view: TTFB, FCP, LCP, CLS, PAGE_LOAD always, INP for 80 % of views. */
    static final double VITALS_PER_VIEW = 5.8;
    /** Instances per service, each reporting resource metrics every {@link #RESOURCE_PERIOD_S} seconds. */
    static final int INSTANCES = 2;
    static final int RESOURCE_PERIOD_S = 10;

    /** The release every service runs (the events' serviceVersion), and the one a BAD_RELEASE rolls out. */
    public static final String VERSION = "1.4.0";
    public static final String CANARY_VERSION = "1.5.0";
    /** Share of a service's requests on the new version while a BAD_RELEASE is active. */
    public static final double CANARY_SHARE = 0.5;
    /** Error share the new version adds on the routes a BAD_RELEASE affects. */
    public static final double CANARY_EXTRA_ERRORS = 0.03;

    private final List<Route> routes;
    private final List<Page> pages;
    private final double rate;
    private final double rumShare;
    private final List<Cache> caches;

    private final ConversionModel conversion;

    private TrafficModel(List<Route> routes, List<Page> pages, double rate, double rumShare) {
        this(routes, pages, rate, rumShare, List.of(), ConversionModel.CHECKOUT);
    }

    private TrafficModel(List<Route> routes, List<Page> pages, double rate, double rumShare, List<Cache> caches,
                         ConversionModel conversion) {
        this.caches = List.copyOf(caches);
        this.conversion = conversion;
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate must be a positive number of events per second, got " + rate);
        }
        this.routes = List.copyOf(routes);
        this.pages = List.copyOf(pages);
        this.rate = rate;
        this.rumShare = rumShare;
    }

    /** Four services, nine routes, one RUM app with four pages; 200 events per simulated second. */
    public static TrafficModel standard() {
        List<Route> r = List.of(
            new Route("checkout", "POST", "/api/checkout", 0.06, 180, 0.45, 0.004, 1.0, "INSERT INTO orders (...) VALUES (?)", 12),
            new Route("checkout", "GET", "/api/cart/{id}", 0.14, 45, 0.40, 0.002, 1.0, "SELECT * FROM cart_items WHERE cart_id = ?", 4),
            new Route("catalog", "GET", "/api/products", 0.20, 60, 0.50, 0.001, 1.0, "SELECT * FROM products ORDER BY rank LIMIT ?", 8),
            new Route("catalog", "GET", "/api/products/{id}", 0.25, 25, 0.35, 0.001, 0.6, "SELECT * FROM products WHERE id = ?", 2),
            new Route("catalog", "GET", "/api/search", 0.12, 120, 0.60, 0.003, 1.0, "SELECT * FROM products WHERE name LIKE ?", 30),
            new Route("users", "POST", "/api/login", 0.05, 90, 0.40, 0.002, 1.0, "SELECT * FROM users WHERE email = ?", 3),
            new Route("users", "GET", "/api/users/{id}", 0.08, 20, 0.35, 0.001, 0.5, "SELECT * FROM users WHERE id = ?", 2),
            new Route("payments", "POST", "/api/payments", 0.05, 250, 0.50, 0.005, 0.0, null, 0),
            new Route("payments", "GET", "/api/payments/{id}", 0.05, 35, 0.35, 0.001, 1.0, "SELECT * FROM payments WHERE id = ?", 3));
        List<Page> p = List.of(
            new Page("shop-web", "/", 0.35, 1.0),
            new Page("shop-web", "/product/{id}", 0.40, 1.15),
            new Page("shop-web", "/cart", 0.15, 0.9),
            new Page("shop-web", "/checkout", 0.10, 1.3));
        return new TrafficModel(r, p, 200, 0.15);
    }

    /**
     * The standard services, routes and pages with a healthy system's numbers, for the demo: every route's
     * p95 under 150 ms and its error share at 0.005 %, pages at about a third of the standard timings
     * (mobile page load p75 about 1.7 s), so the default KPIs (API p95 < 200 ms, error rate < 0.1 %,
     * DB mean < 50 ms, page load p75 < 2 s, LCP < 2.5 s, FCP < 1.8 s, INP < 200 ms, TTFB < 800 ms)
     * hold with margin and only the demo's incidents raise alerts. The evaluations keep
     * {@link #standard()}, whose routes are slower and fail more.
     */
    public static TrafficModel demo() {
        TrafficModel s = standard();
        List<Route> r = new ArrayList<>();
        for (Route x : s.routes) {
            double p95Factor = Math.exp(x.sigma() * 1.645);
            double median = Math.min(x.medianMs(), 140 / p95Factor);
            r.add(new Route(x.service(), x.method(), x.path(), x.share(), median, x.sigma(), 0.00005, x.dbShare(), x.dbStatement(),
                x.dbMedianMs()));
        }
        List<Page> p = new ArrayList<>();
        for (Page x : s.pages) {
            p.add(new Page(x.app(), x.page(), x.share(), x.slowness() * 0.35));
        }
        // Caches only here: the evaluations' standard traffic stays as it was.
        List<Cache> c = List.of(
            new Cache("catalog", "/api/products/{id}", "product-cache", 0.94, 0.4, 6),
            new Cache("checkout", "/api/cart/{id}", "cart-cache", 0.90, 0.3, 4),
            new Cache("users", "/api/users/{id}", "user-cache", 0.97, 0.3, 3));
        return new TrafficModel(r, p, s.rate, s.rumShare, c, s.conversion);
    }

    /** @return a copy producing {@code eventsPerSecond} request, DB and RUM events per simulated second */
    public TrafficModel withRate(double eventsPerSecond) {
        return new TrafficModel(routes, pages, eventsPerSecond, rumShare, caches, conversion);
    }

    /** @return a copy whose sessions convert as {@code c} says; null: no conversions */
    public TrafficModel withConversion(ConversionModel c) {
        return new TrafficModel(routes, pages, rate, rumShare, caches, c);
    }

    /** Where sessions convert (both models: {@link ConversionModel#CHECKOUT}), or null. */
    public ConversionModel conversion() {
        return conversion;
    }

    public double rate() {
        return rate;
    }

    public List<Route> routes() {
        return routes;
    }

    public List<Page> pages() {
        return pages;
    }

    /** @return the distinct service names, in route order */
    public List<String> services() {
        List<String> s = new ArrayList<>();
        for (Route r : routes) {
            if (!s.contains(r.service())) {
                s.add(r.service());
            }
        }
        return s;
    }

    /** Daily times weekly traffic factor at {@code t}; mean 1 over a week. */
    public double seasonality(Instant t) {
        ZonedDateTime z = t.atZone(ZoneOffset.UTC);
        double hour = z.getHour() + z.getMinute() / 60.0 + z.getSecond() / 3600.0;
        double daily = 1 + 0.5 * Math.cos(2 * Math.PI * (hour - 14) / 24);
        DayOfWeek d = z.getDayOfWeek();
        double weekly = d == DayOfWeek.SATURDAY || d == DayOfWeek.SUNDAY ? 0.8 : 1.08;
        return daily * weekly;
    }

    /** Expected requests per simulated second on {@code r} at {@code t}. */
    public double requestRate(Route r, Instant t, List<Incident> incidents) {
        double factor = 1;
        for (Incident i : incidents) {
            if (i.kind() == IncidentKind.TRAFFIC_SURGE && i.activeAt(t) && i.affects(r.service(), r.path())) {
                factor *= i.magnitude();
            }
        }
        return requestUnit() * r.share() * seasonality(t) * factor;
    }

    /** Request latency distribution of {@code r} at {@code t}, incidents applied. */
    public Lognormal latency(Route r, Instant t, List<Incident> incidents) {
        double median = r.medianMs();
        for (Incident i : incidents) {
            if (!i.activeAt(t) || !i.affects(r.service(), r.path())) {
                continue;
            }
            if (i.kind() == IncidentKind.LATENCY_SPIKE || i.kind() == IncidentKind.CPU_SATURATION) {
                median *= i.magnitude();
            } else if ((i.kind() == IncidentKind.SLOW_DATABASE || i.kind() == IncidentKind.SLOW_QUERY) && r.dbShare() > 0) {
                // The request waits for its (slower) query: add the extra DB time to the median.
                median += r.dbShare() * r.dbMedianMs() * (i.magnitude() - 1);
            }
        }
        return new Lognormal(median, r.sigma());
    }

    /** DB query time distribution of {@code r}'s statement at {@code t}, incidents applied. */
    public Lognormal dbLatency(Route r, Instant t, List<Incident> incidents) {
        double median = r.dbMedianMs();
        for (Incident i : incidents) {
            if ((i.kind() == IncidentKind.SLOW_DATABASE || i.kind() == IncidentKind.SLOW_QUERY) && i.activeAt(t)
                && i.affects(r.service(), r.path())) {
                median *= i.magnitude();
            }
        }
        return new Lognormal(median, 0.6);
    }

    /** The caches of the routes (the demo's model has three; the standard one none). */
    public List<Cache> caches() {
        return caches;
    }

    /** The cache in front of {@code r}, or null. */
    public Cache cacheOf(Route r) {
        for (Cache c : caches) {
            if (c.service().equals(r.service()) && c.path().equals(r.path())) {
                return c;
            }
        }
        return null;
    }

    /** Hit ratio of {@code c} at {@code t}: a COLD_CACHE incident on its service (or route) lowers it to its magnitude. */
    public double hitRatio(Cache c, Instant t, List<Incident> incidents) {
        double ratio = c.hitRatio();
        for (Incident i : incidents) {
            if (i.kind() == IncidentKind.COLD_CACHE && i.activeAt(t) && i.affects(c.service(), c.path())) {
                ratio = Math.min(ratio, i.magnitude());
            }
        }
        return ratio;
    }

    /** Share of requests on {@code r} that fail at {@code t}. */
    public double errorShare(Route r, Instant t, List<Incident> incidents) {
        double share = r.errorShare();
        for (Incident i : incidents) {
            if (i.kind() == IncidentKind.ERROR_BURST && i.activeAt(t) && i.affects(r.service(), r.path())) {
                share = Math.max(share, i.magnitude());
            }
        }
        return share;
    }

    /** Expected page views per simulated second of {@code p} at {@code t}. */
    public double pageViewRate(Page p, Instant t, List<Incident> incidents) {
        double factor = 1;
        for (Incident i : incidents) {
            if (i.kind() == IncidentKind.TRAFFIC_SURGE && i.activeAt(t) && i.affects(p.app(), p.page())) {
                factor *= i.magnitude();
            }
        }
        return rate * rumShare / VITALS_PER_VIEW * p.share() * seasonality(t) * factor;
    }

    /** Slowness multiplier of the timing vitals of {@code p} at {@code t} (LATENCY_SPIKE on an app/page). */
    public double pageSlowness(Page p, Instant t, List<Incident> incidents) {
        double f = p.slowness();
        for (Incident i : incidents) {
            if (i.kind() == IncidentKind.LATENCY_SPIKE && i.activeAt(t) && i.affects(p.app(), p.page())) {
                f *= i.magnitude();
            }
        }
        return f;
    }

    /** The BAD_RELEASE incident rolling out on the service at {@code t}, or null. */
    public Incident release(String service, Instant t, List<Incident> incidents) {
        for (Incident i : incidents) {
            if (i.kind() == IncidentKind.BAD_RELEASE && i.service().equals(service) && i.activeAt(t)) {
                return i;
            }
        }
        return null;
    }

    /** Requests per simulated second per unit of route share, so that the total matches {@link #rate}. */
    private double requestUnit() {
        double perShare = 0;
        double shares = 0;
        for (Route r : routes) {
            perShare += r.share() * (1 + r.dbShare());
            shares += r.share();
        }
        // Requests plus their DB queries make up (1 - rumShare) of the rate.
        return rate * (1 - rumShare) / (perShare / shares) / shares;
    }
}
