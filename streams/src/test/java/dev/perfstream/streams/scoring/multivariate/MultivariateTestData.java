package dev.perfstream.streams.scoring.multivariate;

import static dev.perfstream.streams.scoring.ScoringTestData.MIN;
import static dev.perfstream.streams.scoring.ScoringTestData.T0;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Windows of one service for the multivariate tests: two request routes, CPU and memory. Latency is flat,
 * errors low; throughput, CPU and memory move together with the load (as in the load generator).
 */
final class MultivariateTestData {
    static final String SERVICE = "checkout";
    static final String SERIES = "MULTIVARIATE|" + SERVICE;
    private final Random rnd;

    MultivariateTestData(long seed) {
        this.rnd = new Random(seed);
    }

    /** One minute: load (0.5..1.5), latency factor, error share, a CPU override (NaN = follows load), gaps. */
    record Vitals(double load, double latencyFactor, double errorShare, double cpuOverride, boolean withCpu,
                  boolean withSecondRoute) {
        static Vitals normal(double load) {
            return new Vitals(load, 1, 0.002, Double.NaN, true, true);
        }
    }

    /** Daily-like load between 0.5 and 1.5 over a 240-minute cycle. */
    static double load(int i) {
        return 1 + 0.5 * Math.sin(2 * Math.PI * i / 240.0);
    }

    static WindowStats window(String metric, String route, int i, long count, long errors, double p95, double mean,
                              String unit) {
        return WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName(metric).setService(SERVICE).setRoute(route)
            .setDeviceClass(null).setWindowStart(Instant.ofEpochMilli(T0 + i * MIN))
            .setWindowEnd(Instant.ofEpochMilli(T0 + (i + 1) * MIN)).setCount(count).setErrors(errors)
            .setErrorRate(count == 0 ? 0 : (double) errors / count).setRate(count / 60.0).setMin(0).setMax(p95 * 2)
            .setMean(mean).setP50(mean).setP75(mean).setP90(p95 * 0.9).setP95(p95).setP99(p95 * 1.3)
            .setP999(p95 * 1.8).setUnit(unit).build();
    }

    /** The windows of minute {@code i}, each series once, in a shuffled order. */
    List<WindowStats> minute(int i, Vitals v) {
        List<WindowStats> out = new ArrayList<>();
        long cart = Math.round(1200 * v.load() * (1 + 0.03 * rnd.nextGaussian()));
        out.add(window("http.server.duration", "/api/cart", i, cart, binomial(cart, v.errorShare()),
            45 * v.latencyFactor() * (1 + 0.04 * rnd.nextGaussian()), 30, "ms"));
        if (v.withSecondRoute()) {
            long pay = Math.round(400 * v.load() * (1 + 0.05 * rnd.nextGaussian()));
            out.add(window("http.server.duration", "/api/checkout", i, pay, binomial(pay, v.errorShare()),
                180 * v.latencyFactor() * (1 + 0.05 * rnd.nextGaussian()), 120, "ms"));
        }
        if (v.withCpu()) {
            double cpu = Double.isNaN(v.cpuOverride()) ? 25 * v.load() + 1.2 * rnd.nextGaussian() : v.cpuOverride();
            out.add(window("cpu.utilization", "-", i, 12, 0, cpu, cpu, "percent"));
        }
        double mem = 512e6 * (1 + 0.25 * v.load()) + 6e6 * rnd.nextGaussian();
        out.add(window("memory.used", "-", i, 12, 0, mem, mem, "bytes"));
        Collections.shuffle(out, rnd);
        return out;
    }

    private long binomial(long n, double p) {
        long k = 0;
        for (long j = 0; j < n; j++) {
            k += rnd.nextDouble() < p ? 1 : 0;
        }
        return k;
    }
}
