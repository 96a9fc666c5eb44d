package dev.perfstream.bench.sink;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.sink.influx.MappingException;
import dev.perfstream.sink.influx.ResultDecoder;
import dev.perfstream.sink.influx.SinkConfig;
import java.time.Instant;
import java.util.Map;
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
 * The sink's per-record path on one thread: a JSON {@code WindowStats} from {@code perf.stats}
 * decoded, mapped to its point and rendered as line protocol (ops/s = records/s). HTTP and Kafka are
 * not on this path; they are measured end to end by SinkIT's volume test. {@code decodeOnly} is the
 * JSON decode alone, so the difference is the mapping and line-protocol rendering.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.perfstream"})
public class SinkMappingBenchmark {
    private static final int N = 1024;

    private ResultDecoder decoder;
    private RecordCodec<WindowStats> codec;
    private final byte[][] json = new byte[N][];
    private int i;

    @Setup(Level.Trial)
    public void setUp() {
        Settings settings = Settings.of(Map.of());
        decoder = new ResultDecoder(SinkConfig.from(Settings.of(Map.of())), settings);
        codec = Codecs.create(WindowStats.getClassSchema(), settings);
        Instant t0 = Instant.parse("2026-11-26T10:00:00Z");
        for (int k = 0; k < N; k++) {
            Instant start = t0.plusSeconds(60L * k);
            double base = 20 + k % 50;
            json[k] = codec.encode(Topics.STATS, WindowStats.newBuilder().setKind(SeriesKind.METRIC)
                .setName("http.server.duration").setService("svc-" + k % 8).setRoute("/route/" + k % 40 + "/{id}")
                .setWindowStart(start).setWindowEnd(start.plusSeconds(60)).setCount(1000 + k).setErrors(k % 7)
                .setErrorRate((k % 7) / (1000.0 + k)).setRate((1000.0 + k) / 60).setMin(1).setMax(base * 20)
                .setMean(base).setP50(base).setP75(base * 1.3).setP90(base * 1.8).setP95(base * 2.2)
                .setP99(base * 4).setP999(base * 9).setUnit("ms").build());
        }
    }

    @Benchmark
    public String decodeAndMapStats() throws DecodeException, MappingException {
        byte[] v = json[i++ & (N - 1)];
        return decoder.toLine(Topics.STATS, v);
    }

    /** The JSON decode alone, to tell its share from the mapping's. */
    @Benchmark
    public WindowStats decodeOnly() throws DecodeException {
        return codec.decode(Topics.STATS, json[i++ & (N - 1)]);
    }
}
