package dev.perfstream.ingest.loadgen;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.validate.WebVitals;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Samples events from a {@link TrafficModel} with scripted {@link Incident}s. The output is a pure
 * function of (model, incidents, seed, from, to): pacing ({@code speedup}) changes when events are
 * handed over, never which.
 *
 * <p>Simulated time advances in 1 s ticks. Per tick and series the number of events is Poisson
 * with the model's rate; each event gets a uniform timestamp inside the tick; a tick's events are
 * handed over in timestamp order. Resource metrics (CPU, memory, concurrent users) come every 10
 * simulated seconds per instance.
 */
public final class LoadGenerator {
    private static final String[] BROWSERS = {"chrome", "chrome", "chrome", "safari", "firefox", "edge"};
    private static final String[] COUNTRIES = {"US", "DE", "GB", "FR", "IN", "BR", "JP"};
    private static final String[] CONNECTIONS = {"4g", "4g", "4g", "3g"};
    private static final String[] REGIONS = {"eu-west-1", "us-east-1"};

    private final TrafficModel model;
    private final List<Incident> incidents;
    private final long seed;
    private final Pacer pacer;

    public LoadGenerator(TrafficModel model, List<Incident> incidents, long seed) {
        this(model, incidents, seed, Pacer.SYSTEM);
    }

    LoadGenerator(TrafficModel model, List<Incident> incidents, long seed, Pacer pacer) {
        this.model = model;
        this.incidents = List.copyOf(incidents);
        this.seed = seed;
        this.pacer = pacer;
    }

    /** Waits until a wall-clock deadline (System.nanoTime based); injectable so tests need not wait. */
    interface Pacer {
        Pacer SYSTEM = new Pacer() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void parkUntil(long nanos) {
                long wait;
                while ((wait = nanos - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted()) {
                    LockSupport.parkNanos(wait);
                }
            }
        };

        long nanoTime();

        void parkUntil(long nanos);
    }

    /**
     * Generates the events of the simulated interval [{@code from}, {@code to}).
     *
     * @param speedup simulated seconds per wall-clock second; {@code <= 0} or infinite means as fast
     *                as possible. Returns early (after the current tick) if the thread is interrupted.
     */
    public void generate(Instant from, Instant to, double speedup, Consumer<MetricEvent> metrics, Consumer<RumEvent> rum) {
        SplittableRandom rnd = new SplittableRandom(seed);
        // Cache lookups draw from their own stream, so the other events are the same with or without caches.
        SplittableRandom cacheRnd = new SplittableRandom(seed ^ 0xCAC4EL);
        // Conversions too: the vitals are the same with or without the conversion model.
        SplittableRandom conversionRnd = new SplittableRandom(seed ^ 0xC0417E7L);
        boolean paced = speedup > 0 && !Double.isInfinite(speedup);
        long wallStart = pacer.nanoTime();
        List<Object> tick = new ArrayList<>();
        for (Instant t = from; t.isBefore(to); t = t.plusSeconds(1)) {
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            Instant tickEnd = t.plusSeconds(1).isAfter(to) ? to : t.plusSeconds(1);
            long tickMs = Duration.between(t, tickEnd).toMillis();
            tick.clear();
            requests(t, tickMs, rnd, tick);
            cacheLookups(tick, cacheRnd);
            pageViews(t, tickMs, rnd, tick);
            conversions(tick, conversionRnd);
            if (t.getEpochSecond() % TrafficModel.RESOURCE_PERIOD_S == 0 && t.getNano() == 0) {
                resources(t, rnd, tick);
            }
            tick.sort(Comparator.comparing(LoadGenerator::timestamp));
            if (paced) {
                double simSeconds = Duration.between(from, tickEnd).toMillis() / 1000.0;
                pacer.parkUntil(wallStart + (long) (simSeconds / speedup * 1e9));
            }
            for (Object o : tick) {
                if (o instanceof MetricEvent) {
                    metrics.accept((MetricEvent) o);
                } else {
                    rum.accept((RumEvent) o);
                }
            }
        }
    }

    private void requests(Instant t, long tickMs, SplittableRandom rnd, List<Object> out) {
        double scale = tickMs / 1000.0;
        for (TrafficModel.Route r : model.routes()) {
            int n = poisson(model.requestRate(r, t, incidents) * scale, rnd);
            if (n == 0) {
                continue;
            }
            TrafficModel.Lognormal lat = model.latency(r, t, incidents);
            TrafficModel.Lognormal db = model.dbLatency(r, t, incidents);
            double errors = model.errorShare(r, t, incidents);
            Incident release = model.release(r.service(), t, incidents);
            boolean releaseHits = release != null && release.affects(r.service(), r.path());
            for (int i = 0; i < n; i++) {
                Instant ts = t.plusMillis(rnd.nextLong(Math.max(1, tickMs)));
                String instance = r.service() + "-" + rnd.nextInt(TrafficModel.INSTANCES);
                String region = REGIONS[rnd.nextInt(REGIONS.length)];
                // drawn only during a release, so the traffic outside one is the same with or without it
                boolean canary = release != null && rnd.nextDouble() < TrafficModel.CANARY_SHARE;
                boolean bad = canary && releaseHits;
                boolean error = rnd.nextDouble() < errors + (bad ? TrafficModel.CANARY_EXTRA_ERRORS : 0);
                int status = error ? (rnd.nextInt(4) == 0 ? 503 : 500) : (rnd.nextDouble() < 0.01 ? 404 : 200);
                String version = canary ? TrafficModel.CANARY_VERSION : TrafficModel.VERSION;
                // All-args constructors: Avro's builders cost several times more per event.
                out.add(new MetricEvent(ts, r.service(), instance, TrafficModel.HTTP,
                    round(lat.sample(rnd) * (bad ? release.magnitude() : 1)), "ms",
                    error ? Outcome.ERROR : Outcome.OK, status, r.path(), r.method(), null, region, null, version, null,
                    null, null));
                if (r.dbShare() > 0 && rnd.nextDouble() < r.dbShare()) {
                    out.add(new MetricEvent(ts, r.service(), instance, TrafficModel.DB, round(db.sample(rnd)), "ms",
                        Outcome.OK, null, r.path(), null, rawSql(r.dbStatement(), ts), region, null, version, null, null, null));
                }
            }
        }
    }

    /**
     * The statement as a driver would log it: each {@code ?} a literal (an id from the timestamp, no random
     * draw), so the pipeline's fingerprinting has work to do.
     */
    private static String rawSql(String statement, Instant ts) {
        if (statement == null || statement.indexOf('?') < 0) {
            return statement;
        }
        return statement.replace("?", Long.toString(1 + ts.toEpochMilli() % 9973));
    }

    /** One cache.lookup per request of a route with a cache, hit or miss by the cache's hit ratio at that time. */
    private void cacheLookups(List<Object> tick, SplittableRandom rnd) {
        if (model.caches().isEmpty()) {
            return;
        }
        int n = tick.size();
        for (int k = 0; k < n; k++) {
            if (!(tick.get(k) instanceof MetricEvent e) || !TrafficModel.HTTP.equals(e.getMetric())) {
                continue;
            }
            TrafficModel.Cache c = cache(e.getService(), e.getRoute());
            if (c == null) {
                continue;
            }
            double u = rnd.nextDouble();
            boolean hit = u < model.hitRatio(c, e.getTimestamp(), incidents);
            double ms = (hit ? c.hitMs() : c.missMs()) * Math.exp(0.3 * rnd.nextGaussian());
            if (!hit && u < c.hitRatio()) {
                // a miss the calm cache would have hit (a cold cache): the request waits for it instead of a hit
                e.setValue(round(e.getValue() + ms - c.hitMs()));
            }
            tick.add(new MetricEvent(e.getTimestamp(), e.getService(), e.getInstance(), TrafficModel.CACHE, round(ms), "ms",
                Outcome.OK, null, e.getRoute(), null, null, e.getRegion(), null, e.getServiceVersion(), null, c.name(), hit));
        }
    }

    private TrafficModel.Cache cache(String service, String path) {
        for (TrafficModel.Cache c : model.caches()) {
            if (c.service().equals(service) && c.path().equals(path)) {
                return c;
            }
        }
        return null;
    }

    private void pageViews(Instant t, long tickMs, SplittableRandom rnd, List<Object> out) {
        double scale = tickMs / 1000.0;
        for (TrafficModel.Page p : model.pages()) {
            int n = poisson(model.pageViewRate(p, t, incidents) * scale, rnd);
            double slowness = model.pageSlowness(p, t, incidents);
            for (int i = 0; i < n; i++) {
                pageView(p, t.plusMillis(rnd.nextLong(Math.max(1, tickMs))), slowness, rnd, out);
            }
        }
    }

    private static void pageView(TrafficModel.Page p, Instant ts, double slowness, SplittableRandom rnd, List<Object> out) {
        int d = pick(TrafficModel.DEVICE_SHARE, rnd);
        double f = slowness * TrafficModel.DEVICE_SLOWNESS[d];
        String session = Long.toHexString(rnd.nextLong()) + Long.toHexString(rnd.nextLong());
        RumEvent b = new RumEvent(ts, p.app(), p.page(), Vital.TTFB, 0.0, null,
            rnd.nextInt(10) == 0 ? "reload" : "navigate", TrafficModel.DEVICES[d], BROWSERS[rnd.nextInt(BROWSERS.length)],
            COUNTRIES[rnd.nextInt(COUNTRIES.length)], d == 0 ? "4g" : CONNECTIONS[rnd.nextInt(CONNECTIONS.length)], session,
            null, null, null, null, null, null, null, null);
        double ttfb = 180 * f * Math.exp(0.5 * rnd.nextGaussian());
        double fcp = ttfb + 700 * f * Math.exp(0.45 * rnd.nextGaussian());
        double lcp = fcp + 500 * f * Math.exp(0.6 * rnd.nextGaussian());
        double load = lcp + 400 * f * Math.exp(0.5 * rnd.nextGaussian());
        // CLS: most pages barely shift, a tail shifts a lot.
        double cls = rnd.nextDouble() < 0.7 ? 0.02 * rnd.nextDouble() : 0.05 * Math.exp(0.9 * rnd.nextGaussian());
        vital(b, Vital.TTFB, ttfb, out);
        vital(b, Vital.FCP, fcp, out);
        vital(b, Vital.LCP, lcp, out);
        vital(b, Vital.PAGE_LOAD, load, out);
        vital(b, Vital.CLS, Math.round(cls * 10_000) / 10_000.0, out);
        if (rnd.nextDouble() < 0.8) {
            vital(b, Vital.INP, 90 * f * Math.exp(0.7 * rnd.nextGaussian()), out);
        }
    }

    private static void vital(RumEvent b, Vital v, double value, List<Object> out) {
        double val = v == Vital.CLS ? value : round(value);
        out.add(new RumEvent(b.getTimestamp(), b.getApp(), b.getPage(), v, val, WebVitals.rate(v, val), b.getNavigationType(),
            b.getDeviceClass(), b.getBrowser(), b.getCountry(), b.getConnectionType(), b.getSessionHash(),
            null, null, null, null, null, null, null, null));
    }

    /**
     * The conversions of the tick's sessions on the conversion model's page, by the bucket of each one's LCP there
     * ({@link ConversionModel}): a conversion event with the session and time of the page view.
     */
    private void conversions(List<Object> tick, SplittableRandom rnd) {
        ConversionModel c = model.conversion();
        if (c == null) {
            return;
        }
        for (int i = 0, n = tick.size(); i < n; i++) {
            if (tick.get(i) instanceof RumEvent e && e.getVital() == Vital.LCP && c.applies(e.getApp(), e.getPage())
                && rnd.nextDouble() < c.rate(e.getValue())) {
                tick.add(new RumEvent(e.getTimestamp(), e.getApp(), e.getPage(), null, 1.0, null, e.getNavigationType(),
                    e.getDeviceClass(), e.getBrowser(), e.getCountry(), e.getConnectionType(), e.getSessionHash(),
                    null, null, null, null, null, null, null, c.goal()));
            }
        }
    }

    private void resources(Instant t, SplittableRandom rnd, List<Object> out) {
        double season = model.seasonality(t);
        for (String service : model.services()) {
            double load = season * surge(service, t);
            boolean saturated = saturated(service, t);
            for (int i = 0; i < TrafficModel.INSTANCES; i++) {
                String instance = service + "-" + i;
                double cpu = Math.min(100, Math.max(1, 25 * load + 4 * rnd.nextGaussian()));
                if (saturated) {
                    cpu = Math.min(100, 96 + Math.abs(cpu - 25 * load) / 2); // the same draw, pinned near 100 %
                }
                double mem = 512e6 * (1 + 0.25 * load) + 20e6 * rnd.nextGaussian();
                double users = Math.max(0, Math.round(40 * load * model.rate() / 200 + 5 * rnd.nextGaussian()));
                out.add(resource(t, service, instance, TrafficModel.CPU, round(cpu), "percent"));
                out.add(resource(t, service, instance, TrafficModel.MEMORY, Math.round(mem), "bytes"));
                out.add(resource(t, service, instance, TrafficModel.USERS, users, "count"));
            }
        }
    }

    private boolean saturated(String service, Instant t) {
        for (Incident i : incidents) {
            if (i.kind() == IncidentKind.CPU_SATURATION && i.service().equals(service) && i.activeAt(t)) {
                return true;
            }
        }
        return false;
    }

    private double surge(String service, Instant t) {
        double f = 1;
        for (Incident i : incidents) {
            if (i.kind() == IncidentKind.TRAFFIC_SURGE && i.service().equals(service) && i.activeAt(t)) {
                f *= i.magnitude();
            }
        }
        return f;
    }

    private static MetricEvent resource(Instant t, String service, String instance, String metric, double v, String unit) {
        return new MetricEvent(t, service, instance, metric, v, unit, Outcome.OK, null, null, null, null, null, null, null, null,
            null, null);
    }

    private static Instant timestamp(Object o) {
        return o instanceof MetricEvent ? ((MetricEvent) o).getTimestamp() : ((RumEvent) o).getTimestamp();
    }

    /**
     * Poisson sample: Knuth's product method for small means, a rounded normal approximation above
     * 30 (where the difference is immaterial for load generation). Hand-written: a few lines, and the
     * JDK has no Poisson sampler.
     */
    static int poisson(double mean, SplittableRandom rnd) {
        if (mean <= 0) {
            return 0;
        }
        if (mean > 30) {
            return (int) Math.max(0, Math.round(mean + Math.sqrt(mean) * rnd.nextGaussian()));
        }
        double limit = Math.exp(-mean);
        double p = rnd.nextDouble();
        int k = 0;
        while (p > limit) {
            p *= rnd.nextDouble();
            k++;
        }
        return k;
    }

    private static int pick(double[] shares, SplittableRandom rnd) {
        double u = rnd.nextDouble();
        for (int i = 0; i < shares.length - 1; i++) {
            u -= shares[i];
            if (u < 0) {
                return i;
            }
        }
        return shares.length - 1;
    }

    private static double round(double ms) {
        return Math.round(ms * 100) / 100.0;
    }
}
