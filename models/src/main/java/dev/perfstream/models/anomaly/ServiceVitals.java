package dev.perfstream.models.anomaly;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The joint vector of one service for one window, assembled from that window's METRIC series of the
 * service (the step the scoring topology and {@code perfstream eval anomalies --detector multivariate} share):
 * <ul>
 *   <li>{@value #LATENCY}: request-count-weighted mean of the p95 of the request metric's routes (ms);</li>
 *   <li>{@value #ERROR_RATE}: errors / requests over all routes;</li>
 *   <li>{@value #THROUGHPUT}: requests per second over all routes;</li>
 *   <li>{@value #CPU} and {@value #MEMORY}: sample-weighted mean of the resource metrics over the service's
 *       instances.</li>
 * </ul>
 * Series of other metrics are ignored. Mutable accumulator; {@link #encode()} / {@link #decode} for state.
 */
public final class ServiceVitals {
    public static final String LATENCY = "latency";
    public static final String ERROR_RATE = "error_rate";
    public static final String THROUGHPUT = "throughput";
    public static final String CPU = "cpu";
    public static final String MEMORY = "memory";
    /** Dimensions in vector order. */
    public static final List<String> ALL = List.of(LATENCY, ERROR_RATE, THROUGHPUT, CPU, MEMORY);

    /** Which metric names feed the vector (keys {@code scoring.multivariate.metric.*}). */
    public record Metrics(String request, String cpu, String memory) {
        public static Metrics defaults() {
            return new Metrics("http.server.duration", "cpu.utilization", "memory.used");
        }

        public static Metrics from(Settings s) {
            Metrics d = defaults();
            return new Metrics(s.string("scoring.multivariate.metric.request", d.request),
                s.string("scoring.multivariate.metric.cpu", d.cpu),
                s.string("scoring.multivariate.metric.memory", d.memory));
        }

        /** Whether a window feeds the vector at all. */
        public boolean feeds(WindowStats w) {
            return w.getKind() == SeriesKind.METRIC
                && (w.getName().equals(request) || w.getName().equals(cpu) || w.getName().equals(memory));
        }
    }

    private long requests;
    private long errors;
    private double rate;
    private double p95Sum;
    private long cpuSamples;
    private double cpuSum;
    private long memorySamples;
    private double memorySum;
    /** The most distinct instances any added window counted ({@code WindowStats.instances}); 0 when none did. */
    private int instances;
    /** Whether an added window saw more instances than a window counts ({@code WindowStats.instancesOverflow}). */
    private boolean instancesOverflowed;

    /** Adds one series' window (ignored unless {@link Metrics#feeds} it). */
    public void add(Metrics m, WindowStats w) {
        if (!m.feeds(w) || w.getCount() <= 0) {
            return;
        }
        long c = w.getCount();
        if (w.getInstances() != null && w.getInstances() > instances) {
            instances = w.getInstances();
        }
        if (Boolean.TRUE.equals(w.getInstancesOverflow())) {
            instancesOverflowed = true;
        }
        if (w.getName().equals(m.request())) {
            requests += c;
            errors += w.getErrors();
            rate += w.getRate();
            p95Sum += w.getP95() * c;
        } else if (w.getName().equals(m.cpu())) {
            cpuSamples += c;
            cpuSum += w.getMean() * c;
        } else {
            memorySamples += c;
            memorySum += w.getMean() * c;
        }
    }

    /** Request events of the service in this window, over all its routes. */
    public long requests() {
        return requests;
    }

    /**
     * Instances of the service in this window, as far as the windows tell: the most distinct instances any of its
     * request, CPU or memory windows counted (every instance reports its resources); 0 when no window carried a count,
     * and 0 when one of them saw more instances than a window counts ({@link #instancesOverflowed()}): the largest
     * count of the others would understate the fleet.
     */
    public int instances() {
        return instancesOverflowed ? 0 : instances;
    }

    /** True when one of the added windows saw more distinct instances than a window counts: their number is unknown. */
    public boolean instancesOverflowed() {
        return instancesOverflowed;
    }

    /** Failed requests among {@link #requests()}. */
    public long errors() {
        return errors;
    }

    /** Dimensions this accumulator has a value for, in {@link #ALL} order. */
    public List<String> available() {
        List<String> out = new ArrayList<>(ALL.size());
        if (requests > 0) {
            out.addAll(List.of(LATENCY, ERROR_RATE, THROUGHPUT));
        }
        if (cpuSamples > 0) {
            out.add(CPU);
        }
        if (memorySamples > 0) {
            out.add(MEMORY);
        }
        return out;
    }

    /** The value of one dimension; NaN if it has none. */
    public double value(String dimension) {
        return switch (dimension) {
            case LATENCY -> requests > 0 ? p95Sum / requests : Double.NaN;
            case ERROR_RATE -> requests > 0 ? (double) errors / requests : Double.NaN;
            case THROUGHPUT -> requests > 0 ? rate : Double.NaN;
            case CPU -> cpuSamples > 0 ? cpuSum / cpuSamples : Double.NaN;
            case MEMORY -> memorySamples > 0 ? memorySum / memorySamples : Double.NaN;
            default -> throw new IllegalArgumentException("unknown dimension " + dimension);
        };
    }

    /** The vector over {@code dimensions}; NaN where a dimension has no value. */
    public double[] vector(List<String> dimensions) {
        double[] v = new double[dimensions.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = value(dimensions.get(i));
        }
        return v;
    }

    /** 68 bytes: eight 8-byte fields and the instance count (the 64 bytes of earlier versions are still read). */
    public byte[] encode() {
        return ByteBuffer.allocate(68).putLong(requests).putLong(errors).putDouble(rate).putDouble(p95Sum)
            .putLong(cpuSamples).putDouble(cpuSum).putLong(memorySamples).putDouble(memorySum)
            .putInt(instancesOverflowed ? -1 : instances).array(); // -1: more than a window counts
    }

    /** @throws IllegalArgumentException if the bytes are not an encoded accumulator */
    public static ServiceVitals decode(byte[] b) {
        if (b.length != 64 && b.length != 68) {
            throw new IllegalArgumentException("service vitals state of " + b.length + " bytes, expected 68 (or 64)");
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        ServiceVitals v = new ServiceVitals();
        v.requests = buf.getLong();
        v.errors = buf.getLong();
        v.rate = buf.getDouble();
        v.p95Sum = buf.getDouble();
        v.cpuSamples = buf.getLong();
        v.cpuSum = buf.getDouble();
        v.memorySamples = buf.getLong();
        v.memorySum = buf.getDouble();
        int instances = b.length == 68 ? buf.getInt() : 0;
        v.instancesOverflowed = instances < 0;
        v.instances = Math.max(0, instances);
        return v;
    }
}
