package dev.perfstream.bench.serde;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.json.JsonRecordCodec;
import dev.perfstream.schemas.registry.SchemaLookup;
import dev.perfstream.schemas.registry.UnknownSchemaException;
import dev.perfstream.schemas.serde.ConfluentAvroCodec;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.DetectingCodec;
import dev.perfstream.schemas.serde.RecordCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
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
 * The input decode path, one MetricEvent per operation (so ops/s = events/s on one thread):
 * Confluent Avro with the writer schema equal to the reader, Confluent Avro written with a newer
 * schema (v2, + tenant) that is resolved into the current class, and JSON; each through the
 * per-record detecting codec, as the stages use it.
 *
 * <p>The registry is a fixed in-memory {@link SchemaLookup}: after the first record of an id the
 * real client answers from the same kind of map, so HTTP is never on this path; keeping it out
 * makes the figures independent of a running registry.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.perfstream"})
public class DecodeBenchmark {
    private static final int N = 1024;
    private static final String TOPIC = "perf.metrics";

    private RecordCodec<MetricEvent> codec;
    private final byte[][] avro = new byte[N][];
    private final byte[][] avroV2 = new byte[N][];
    private final byte[][] json = new byte[N][];
    private int i;

    @Setup(Level.Trial)
    public void setUp() throws DecodeException {
        Schema v2 = new Schema.Parser().parse(MetricEvent.getClassSchema().toString().replace("\"fields\":[",
            "\"fields\":[{\"name\":\"tenant\",\"type\":[\"null\",\"string\"],\"default\":null},"));
        Map<Integer, Schema> ids = Map.of(1, MetricEvent.getClassSchema(), 2, v2);
        SchemaLookup lookup = new SchemaLookup() {
            @Override
            public Schema schemaById(int id) throws UnknownSchemaException {
                Schema s = ids.get(id);
                if (s == null) {
                    throw new UnknownSchemaException(id, "unknown-schema", "no id " + id);
                }
                return s;
            }

            @Override
            public int register(String subject, Schema schema) {
                return schema.equals(v2) ? 2 : 1;
            }
        };
        JsonRecordCodec<MetricEvent> jsonCodec = JsonRecordCodec.of(MetricEvent.getClassSchema());
        ConfluentAvroCodec<MetricEvent> avroCodec = new ConfluentAvroCodec<>(MetricEvent.getClassSchema(), lookup);
        codec = new DetectingCodec<>(jsonCodec, avroCodec, avroCodec);
        List<MetricEvent> events = events();
        for (int k = 0; k < N; k++) {
            avro[k] = avroCodec.encode(TOPIC, events.get(k));
            json[k] = jsonCodec.encode(TOPIC, events.get(k));
            byte[] v1 = avro[k];
            // v2 body: tenant (union index 1, string "acme") first, then the v1 body.
            byte[] tenant = {2, 8, 'a', 'c', 'm', 'e'};
            byte[] framed = new byte[v1.length + tenant.length];
            System.arraycopy(v1, 0, framed, 0, 5);
            framed[4] = 2;
            System.arraycopy(tenant, 0, framed, 5, tenant.length);
            System.arraycopy(v1, 5, framed, 5 + tenant.length, v1.length - 5);
            avroV2[k] = framed;
        }
        for (int k = 0; k < N; k++) { // fail fast if the inputs are not what they claim to be
            if (!codec.decode(TOPIC, avroV2[k]).equals(events.get(k)) || !codec.decode(TOPIC, json[k]).equals(events.get(k))) {
                throw new IllegalStateException("benchmark input " + k + " does not round-trip");
            }
        }
    }

    private static List<MetricEvent> events() {
        List<MetricEvent> out = new ArrayList<>();
        for (int k = 0; k < N; k++) {
            out.add(MetricEvent.newBuilder()
                .setTimestamp(Instant.ofEpochMilli(1_700_000_000_000L + k * 37L))
                .setService("service-" + (k % 20))
                .setInstance("pod-" + (k % 7))
                .setMetric(k % 5 == 0 ? "db.query.duration" : "http.server.duration")
                .setValue(1.0 + (k * 7919 % 1000) / 10.0)
                .setOutcome(k % 100 == 0 ? Outcome.ERROR : Outcome.OK)
                .setStatus(k % 100 == 0 ? 500 : 200)
                .setRoute("/api/orders/{id}")
                .setMethod("GET")
                .setRegion("eu-west-1")
                .build());
        }
        return out;
    }

    private int next() {
        i = (i + 1) & (N - 1);
        return i;
    }

    @Benchmark
    public MetricEvent avro() throws DecodeException {
        return codec.decode(TOPIC, avro[next()]);
    }

    @Benchmark
    public MetricEvent avroResolvingNewerWriter() throws DecodeException {
        return codec.decode(TOPIC, avroV2[next()]);
    }

    @Benchmark
    public MetricEvent json() throws DecodeException {
        return codec.decode(TOPIC, json[next()]);
    }
}
