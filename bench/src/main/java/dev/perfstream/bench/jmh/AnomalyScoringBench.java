package dev.perfstream.bench.jmh;

import dev.perfstream.models.anomaly.DetectorConfig;
import dev.perfstream.models.anomaly.DetectorStateCodec;
import dev.perfstream.models.anomaly.SeriesDetector;
import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.models.anomaly.WindowScoring;
import dev.perfstream.models.backtest.AnomalyBacktest;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.io.ByteArrayInputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of anomaly scoring: one window of one series and statistic (the detector step alone, and with the
 * state write-through the topology does), and the backtest's rows per second on an in-memory CSV.
 * Retraining (every 1440 windows) is included, amortised, as it happens in production.
 * Run: {@code java -cp <bench classpath> org.openjdk.jmh.Main AnomalyScoringBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class AnomalyScoringBench {
    private static final long MIN = 60_000L;
    private SeriesDetector detector;
    private WindowStats window;
    private SplittableRandom rnd;
    private long t;
    private byte[] csv;

    @Setup(Level.Trial)
    public void setup() {
        rnd = new SplittableRandom(1);
        detector = new SeriesDetector("bench", DetectorConfig.defaults());
        t = Instant.parse("2026-01-05T00:00:00Z").toEpochMilli();
        window = WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName("http.server.duration")
            .setService("checkout").setRoute("/cart").setDeviceClass(null)
            .setWindowStart(Instant.ofEpochMilli(t)).setWindowEnd(Instant.ofEpochMilli(t + MIN))
            .setCount(1200).setErrors(2).setErrorRate(2 / 1200.0).setRate(20).setMin(1).setMax(300).setMean(50)
            .setP50(45).setP75(60).setP90(80).setP95(100).setP99(150).setP999(250).setUnit("ms").build();
        for (int i = 0; i < 3000; i++) {
            next();
        }
        StringBuilder sb = new StringBuilder("timestamp,value\n");
        long ts = 1_767_225_600L;
        for (int i = 0; i < 100_000; i++) {
            double v = 100 * (1 + 0.3 * Math.sin(2 * Math.PI * i / 1440.0)) * (1 + 0.05 * rnd.nextGaussian());
            sb.append(ts + 60L * i).append(',').append(Math.round(v * 1000) / 1000.0).append('\n');
        }
        csv = sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private double next() {
        t += MIN;
        window.setWindowStart(Instant.ofEpochMilli(t));
        window.setWindowEnd(Instant.ofEpochMilli(t + MIN));
        window.setP95(100 * (1 + 0.3 * Math.sin(2 * Math.PI * (t / MIN) / 1440.0)) * (1 + 0.04 * rnd.nextGaussian()));
        return WindowScoring.score(detector, Statistic.P95, window, null).score();
    }

    /** Detector step only: features, expectation, score, learning, amortised retraining. */
    @Benchmark
    public double scoreWindow() {
        return next();
    }

    /** What the topology does per window and statistic: the step plus encoding the state for the store. */
    @Benchmark
    public int scoreWindowAndEncodeState() {
        next();
        return DetectorStateCodec.encode(detector).length;
    }

    /** Backtest of 100,000 rows (parse, score, format); the time per operation is per row. */
    @Benchmark
    @OperationsPerInvocation(100_000)
    public long backtestRow() throws Exception {
        return new AnomalyBacktest(DetectorConfig.defaults())
            .run(new ByteArrayInputStream(csv), 0, Writer.nullWriter(), null).rows();
    }
}
