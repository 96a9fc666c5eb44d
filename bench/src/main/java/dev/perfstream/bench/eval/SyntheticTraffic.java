package dev.perfstream.bench.eval;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Labelled synthetic 1-minute window statistics for the anomaly evaluation, standing in for the project's
 * load generator until it lands. Each series has its own base rate (0.5 to 200 req/s, log-uniform), base
 * latency (20 to 400 ms), daily and weekly seasonality, error rate (0.1 % to 0.5 %) and sampling noise as a
 * real window would show it: Poisson counts, binomial errors, and a p95 whose log has the sampling error of a
 * sample quantile of lognormal latencies (sd 2.12 sigma / sqrt(n)). Incidents of the four kinds of the
 * load generator are placed at random with known start and end, separated by calm stretches.
 */
public final class SyntheticTraffic {
    /** Kinds of incident, named as the load generator's {@code IncidentKind}. */
    public enum Kind { LATENCY_SPIKE, ERROR_BURST, TRAFFIC_SURGE, SLOW_DATABASE }

    /** A labelled incident on one series, windows [startWindow, endWindow). */
    public record Incident(Kind kind, int series, int startWindow, int endWindow, double magnitude) {
    }

    /** One series: its windows and its incidents. */
    public record Series(String key, List<WindowStats> windows, List<Incident> incidents) {
    }

    private static final long MIN = 60_000L;
    private static final double LOG_SIGMA = 0.5;

    private SyntheticTraffic() {
    }

    /** {@code count} series of {@code days} days of 1-minute windows starting at {@code start}. */
    public static List<Series> generate(long seed, int count, int days, Instant start) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Series> out = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            out.add(series(rnd.split(), s, days, start, seed));
        }
        return out;
    }

    private static Series series(SplittableRandom rnd, int idx, int days, Instant start, long seed) {
        int n = days * 1440;
        double baseRate = Math.exp(Math.log(0.5) + rnd.nextDouble() * (Math.log(200) - Math.log(0.5)));
        double baseLatency = 20 + rnd.nextDouble() * 380;
        double baseErr = 0.001 + rnd.nextDouble() * 0.004;
        double dailyAmp = 0.3 + rnd.nextDouble() * 0.5;
        double weekendDip = 0.2 + rnd.nextDouble() * 0.4;
        double phase = rnd.nextDouble() * 2 * Math.PI;
        List<Incident> incidents = incidents(rnd, idx, n);
        List<WindowStats> windows = new ArrayList<>(n);
        for (int w = 0; w < n; w++) {
            long t = start.toEpochMilli() + w * MIN;
            double dayPos = (t % 86_400_000L) / 86_400_000.0;
            int dow = (int) ((t / 86_400_000L + 3) % 7); // 0 = Monday
            double season = (1 + dailyAmp * Math.sin(2 * Math.PI * dayPos + phase)) * (dow >= 5 ? 1 - weekendDip : 1);
            double rate = baseRate * Math.max(season, 0.05);
            double latencyMu = Math.log(baseLatency) + 0.15 * (season - 1); // latency rises a little with load
            double err = baseErr;
            for (Incident inc : incidents) {
                if (w >= inc.startWindow() && w < inc.endWindow()) {
                    switch (inc.kind()) {
                        case LATENCY_SPIKE -> latencyMu += Math.log(inc.magnitude());
                        case ERROR_BURST -> err += inc.magnitude();
                        case TRAFFIC_SURGE -> {
                            rate *= inc.magnitude();
                            latencyMu += 0.1 * Math.log(inc.magnitude());
                        }
                        case SLOW_DATABASE -> {
                            double ramp = Math.min(1.0, (w - inc.startWindow() + 1) / 2.0);
                            latencyMu += ramp * Math.log(inc.magnitude());
                        }
                    }
                }
            }
            long count = poisson(rnd, rate * 60);
            long errors = binomial(rnd, count, Math.min(err, 1));
            double p95 = count == 0 ? 0 : Math.exp(latencyMu + 1.645 * LOG_SIGMA
                + rnd.nextGaussian() * 2.12 * LOG_SIGMA / Math.sqrt(count));
            double mean = Math.exp(latencyMu + LOG_SIGMA * LOG_SIGMA / 2);
            windows.add(WindowStats.newBuilder()
                .setKind(SeriesKind.METRIC).setName("http.server.duration").setService("svc" + idx + "-seed" + seed)
                .setRoute("/r" + idx).setDeviceClass(null)
                .setWindowStart(Instant.ofEpochMilli(t)).setWindowEnd(Instant.ofEpochMilli(t + MIN))
                .setCount(count).setErrors(errors).setErrorRate(count == 0 ? 0 : (double) errors / count)
                .setRate(count / 60.0).setMin(0).setMax(p95 * 3).setMean(mean)
                .setP50(Math.exp(latencyMu)).setP75(Math.exp(latencyMu + 0.674 * LOG_SIGMA))
                .setP90(Math.exp(latencyMu + 1.2816 * LOG_SIGMA)).setP95(p95).setP99(p95 * 1.4).setP999(p95 * 2)
                .setUnit("ms").build());
        }
        return new Series("svc" + idx + "-seed" + seed, windows, incidents);
    }

    /** Incidents every 6 to 18 hours after a first calm day, 5 to 30 windows long. */
    private static List<Incident> incidents(SplittableRandom rnd, int idx, int n) {
        List<Incident> out = new ArrayList<>();
        int w = 1440 + rnd.nextInt(720);
        int k = rnd.nextInt(4);
        while (w < n - 60) {
            Kind kind = Kind.values()[k++ % 4];
            int len = 5 + rnd.nextInt(26);
            double mag = switch (kind) {
                case LATENCY_SPIKE -> 2 + rnd.nextDouble() * 2;
                case ERROR_BURST -> 0.02 + rnd.nextDouble() * 0.08;
                case TRAFFIC_SURGE -> 2 + rnd.nextDouble() * 2;
                case SLOW_DATABASE -> 1.5 + rnd.nextDouble() * 1.5;
            };
            out.add(new Incident(kind, idx, w, w + len, mag));
            w += len + 360 + rnd.nextInt(720);
        }
        return out;
    }

    static long poisson(SplittableRandom rnd, double mean) {
        if (mean > 50) {
            return Math.max(0, Math.round(mean + Math.sqrt(mean) * rnd.nextGaussian()));
        }
        double l = Math.exp(-mean);
        long k = 0;
        double p = 1;
        do {
            k++;
            p *= rnd.nextDouble();
        } while (p > l);
        return k - 1;
    }

    static long binomial(SplittableRandom rnd, long n, double p) {
        double mean = n * p;
        if (n > 200) {
            // Poisson approximation for small p, normal for large means.
            return Math.min(n, mean < 30 ? poisson(rnd, mean)
                : Math.max(0, Math.round(mean + Math.sqrt(mean * (1 - p)) * rnd.nextGaussian())));
        }
        long k = 0;
        for (long i = 0; i < n; i++) {
            k += rnd.nextDouble() < p ? 1 : 0;
        }
        return k;
    }
}
