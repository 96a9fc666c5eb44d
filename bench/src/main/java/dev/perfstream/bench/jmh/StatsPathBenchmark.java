package dev.perfstream.bench.jmh;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.stats.state.SeriesWindowStore;
import dev.perfstream.streams.stats.state.SeriesWindowStoreBuilder;
import dev.perfstream.streams.stats.state.Sketches;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-event path of the stats stage, without Kafka: what one event costs in the live-sketch
 * store ({@code liveStore}), against what a DSL aggregate does per event and window size: read the
 * sketch bytes, decode, add, encode, write back ({@code serdeRoundTrip}). {@code decodeJson} is the
 * JSON decoding both pay. 10 k series, three window sizes plus the hourly rollup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class StatsPathBenchmark {
    static final int SERIES = 10_000;
    static final int EVENTS = 1 << 16;
    static final long[] SIZES = {10_000, 60_000, 300_000, 3_600_000};

    String[] ids;
    int[] seriesOf;
    double[] values;
    long[] times;
    byte[][] json;
    int i;
    SeriesWindowStore store;
    Sketches sketches;
    Map<String, byte[]> bytesStore;
    RecordCodec<MetricEvent> codec;
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(2048);
    long clock;

    @Setup(Level.Trial)
    public void setup() {
        Random r = new Random(1);
        ids = new String[SERIES];
        for (int s = 0; s < SERIES; s++) {
            ids[s] = SeriesKey.metric("http.server.duration", "svc-" + (s % 100), "/api/r" + (s / 100)).id();
        }
        seriesOf = new int[EVENTS];
        values = new double[EVENTS];
        times = new long[EVENTS];
        json = new byte[EVENTS][];
        for (int e = 0; e < EVENTS; e++) {
            seriesOf[e] = r.nextInt(SERIES);
            values[e] = Math.exp(3 + 0.8 * r.nextGaussian());
            times[e] = 1_795_000_000_000L + e * 3L; // ~330 events per second of event time
            json[e] = String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"svc-%d\",\"metric\":\"http.server.duration\","
                + "\"value\":%.3f,\"unit\":\"ms\",\"outcome\":\"OK\",\"route\":\"/api/r%d\"}", times[e], seriesOf[e] % 100,
                values[e], seriesOf[e] / 100).getBytes(StandardCharsets.UTF_8);
        }
        store = new SeriesWindowStoreBuilder("bench", false, SIZES, 3, 30_000, 0.01, 2048).build();
        sketches = new Sketches(0.01, 2048);
        bytesStore = new HashMap<>();
        codec = Codecs.create(MetricEvent.getClassSchema(), Settings.of(Map.of()));
    }

    private int next() {
        int e = i;
        i = (i + 1) & (EVENTS - 1);
        if (e == 0) {
            clock += (long) EVENTS * 3; // keep event time moving forward across laps
        }
        return e;
    }

    @Benchmark
    public void liveStore(Blackhole bh) {
        int e = next();
        long ts = times[e] + clock;
        store.add(ids[seriesOf[e]], ts, values[e], false, -1, "ms");
        store.advance(ts, bh::consume);
    }

    @Benchmark
    public void serdeRoundTrip(Blackhole bh) throws Exception {
        int e = next();
        long ts = times[e] + clock;
        String id = ids[seriesOf[e]];
        for (int w = 0; w < 3; w++) {
            long start = ts - Math.floorMod(ts, SIZES[w]);
            String key = id + '@' + SIZES[w] + '@' + start;
            byte[] old = bytesStore.get(key);
            DDSketch s = old == null ? sketches.create() : sketches.decode(ByteArrayInput.wrap(old));
            s.accept(values[e]);
            out.clear();
            sketches.encode(s, out);
            bytesStore.put(key, out.trimmedCopy());
        }
        if (bytesStore.size() > 200_000) {
            bytesStore.clear(); // stands in for windows closing
        }
        bh.consume(bytesStore.size());
    }

    @Benchmark
    public Object decodeJson() throws Exception {
        int e = next();
        return codec.decode("perf.metrics", json[e]);
    }
}
