package dev.perfstream.bench.stats;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;

/** Kafka Streams' own ceilings on this machine, run by {@code bench stats} beside the stage (skipped with --skip-noop). */
final class Ceilings {
    private Ceilings() {
    }

    /**
     * An exactly-once Streams application that writes every input record, unchanged, to {@code output}: what
     * Kafka Streams and the broker cost for a stage that writes one record per event. The stats stage
     * writes, per event, about 0.4 window records and, per commit, one changelog record per changed series.
     */
    static Topology passThrough(String input, String output) {
        Topology t = new Topology();
        t.addSource("in", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), input);
        t.addSink("out", output, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "in");
        return t;
    }

    /**
     * The cheapest exactly-once Streams application over the same input: bytes in, a counter, nothing
     * out. What separates it from the plain consumer is Kafka Streams' own per-record work and its
     * transactions; no stage built on Streams can be faster on this machine.
     */
    static Topology noop(String input) {
        Topology t = new Topology();
        t.addSource("in", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), input);
        t.addProcessor("count", () -> new Processor<byte[], byte[], Void, Void>() {
            long n;

            @Override
            public void process(Record<byte[], byte[]> record) {
                n += record.value() == null ? 0 : 1;
            }
        }, "in");
        return t;
    }
}
