package dev.perfstream.bench.stats;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.stats.state.Sketches;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The plain Kafka Streams DSL way, as a baseline: decode, {@code groupByKey().windowedBy().aggregate()}
 * with a sketch serde, one aggregate per window size (the same sizes the stats stage computes), and
 * the aggregates written out. Every event deserialises and reserialises the sketch of each of its
 * windows (through the record cache), which is what the stats stage avoids.
 */
final class DslBaseline {
    private DslBaseline() {
    }

    /** The aggregate: what a WindowStats needs. */
    static final class Agg {
        long count;
        long errors;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum;
        DDSketch sketch;
    }

    /**
     * @param regroup the input is not keyed by series: group by the series (service and route) read from the
     *                event, through the repartition topic that the DSL's {@code groupBy} adds
     */
    static Topology build(String input, String output, List<Duration> windows, Duration grace,
                          RecordCodec<MetricEvent> codec, Sketches sketches, boolean regroup) {
        StreamsBuilder b = new StreamsBuilder();
        KStream<byte[], MetricEvent> events = b.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
            .mapValues((k, v) -> {
                try {
                    return codec.decode(input, v);
                } catch (DecodeException e) {
                    return null;
                }
            })
            .filter((k, v) -> v != null);
        Serde<Agg> aggSerde = serde(sketches);
        Serde<MetricEvent> eventSerde = Serdes.serdeFrom((topic, e) -> codec.encode(topic, e), (topic, bytes) -> {
            try {
                return codec.decode(topic, bytes);
            } catch (DecodeException e) {
                throw new IllegalStateException(e);
            }
        });
        KGroupedStream<byte[], MetricEvent> grouped = regroup
            ? events.groupBy((k, e) -> (e.getService() + "|" + e.getRoute()).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Grouped.with("dsl-by-series", Serdes.ByteArray(), eventSerde))
            : events.groupByKey(Grouped.with(Serdes.ByteArray(), null));
        for (Duration w : windows) {
            grouped.windowedBy(TimeWindows.ofSizeAndGrace(w, grace))
                .aggregate(() -> {
                    Agg a = new Agg();
                    a.sketch = sketches.create();
                    return a;
                }, (k, e, a) -> {
                    double v = e.getValue();
                    a.count++;
                    if (e.getOutcome() == Outcome.ERROR) {
                        a.errors++;
                    }
                    a.min = Math.min(a.min, v);
                    a.max = Math.max(a.max, v);
                    a.sum += v;
                    a.sketch.accept(v);
                    return a;
                }, Materialized.<byte[], Agg, WindowStore<Bytes, byte[]>>as("dsl-" + w.toSeconds() + "s")
                    .withKeySerde(Serdes.ByteArray()).withValueSerde(aggSerde))
                .toStream()
                .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(byte[].class, w.toMillis()), aggSerde));
        }
        return b.build();
    }

    static Serde<Agg> serde(Sketches sketches) {
        return Serdes.serdeFrom((topic, a) -> {
            GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
            out.writeLongLE(a.count);
            out.writeLongLE(a.errors);
            out.writeLongLE(Double.doubleToRawLongBits(a.min));
            out.writeLongLE(Double.doubleToRawLongBits(a.max));
            out.writeLongLE(Double.doubleToRawLongBits(a.sum));
            sketches.encode(a.sketch, out);
            return out.trimmedCopy();
        }, (topic, bytes) -> {
            try {
                ByteArrayInput in = ByteArrayInput.wrap(bytes);
                Agg a = new Agg();
                a.count = in.readLongLE();
                a.errors = in.readLongLE();
                a.min = Double.longBitsToDouble(in.readLongLE());
                a.max = Double.longBitsToDouble(in.readLongLE());
                a.sum = Double.longBitsToDouble(in.readLongLE());
                a.sketch = sketches.decode(in);
                return a;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
