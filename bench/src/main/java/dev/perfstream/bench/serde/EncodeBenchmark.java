package dev.perfstream.bench.serde;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.json.JsonRecordCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The stats stage's output encode path in JSON (the format of {@code bench stats --embedded}), one
 * WindowStats per operation: a route window as the stage emits it (every double set, an instance
 * count), and a per-version window of release comparison (with its version and a ~120-byte sketch,
 * written as base64). Varied values, so the number formatting is not one cached case.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.perfstream"})
public class EncodeBenchmark {
    private static final int N = 1024;
    private static final String TOPIC = "perf.stats";

    private final JsonRecordCodec<WindowStats> codec = JsonRecordCodec.of(WindowStats.getClassSchema());
    private final WindowStats[] route = new WindowStats[N];
    private final WindowStats[] perVersion = new WindowStats[N];
    private int i;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(42);
        long t0 = 1_765_000_000_000L;
        for (int k = 0; k < N; k++) {
            long start = t0 + k * 10_000L;
            long count = 1 + r.nextInt(400);
            double base = Math.exp(3 + 0.8 * r.nextGaussian());
            WindowStats.Builder b = WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName("http.server.duration")
                .setService("svc-" + r.nextInt(100)).setRoute("/api/r" + r.nextInt(100)).setWindowStart(Instant.ofEpochMilli(start))
                .setWindowEnd(Instant.ofEpochMilli(start + 10_000)).setCount(count).setErrors(count / 100)
                .setErrorRate((count / 100) / (double) count).setRate(count / 10.0).setMin(base / 3).setMax(base * 7)
                .setMean(base * 1.2).setP50(base).setP75(base * 1.4).setP90(base * 2.1).setP95(base * 2.7)
                .setP99(base * 4.3).setP999(base * 6.9).setUnit("ms").setLateEvents(0).setInstances(1 + r.nextInt(8));
            route[k] = b.build();
            byte[] sketch = new byte[100 + r.nextInt(40)];
            r.nextBytes(sketch);
            perVersion[k] = b.setInstances(null).setServiceVersion("1." + r.nextInt(9) + ".0")
                .setSketch(ByteBuffer.wrap(sketch)).build();
        }
    }

    private int next() {
        i = (i + 1) & (N - 1);
        return i;
    }

    @Benchmark
    public byte[] routeWindow() {
        return codec.encode(TOPIC, route[next()]);
    }

    @Benchmark
    public byte[] perVersionWindow() {
        return codec.encode(TOPIC, perVersion[next()]);
    }
}
