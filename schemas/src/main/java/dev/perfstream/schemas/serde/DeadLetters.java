package dev.perfstream.schemas.serde;

import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.schemas.avro.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds {@link DeadLetter} records that keep the original bytes and say where they came from. */
public final class DeadLetters {
    private DeadLetters() {
    }

    /**
     * @param code      machine-readable class: parse, validation, format, late, cardinality, unknown-schema, incompatible-schema
     * @param reason    human-readable, naming the field where there is one
     * @param stage     stats, collector, sink, alerts, ...
     * @param partition -1 when unknown
     * @param offset    -1 when unknown
     */
    public static DeadLetter of(String code, String reason, String stage, String topic, int partition, long offset,
                                long recordTimestamp, byte[] key, byte[] value, Instant now) {
        AvroTrust.install();
        PerfstreamMetrics.DEAD_LETTERS.labelValues(stage, code).inc();
        return DeadLetter.newBuilder()
            .setReasonCode(code)
            .setReason(reason)
            .setStage(stage)
            .setSourceTopic(topic)
            .setSourcePartition(partition >= 0 ? partition : null)
            .setSourceOffset(offset >= 0 ? offset : null)
            .setSourceTimestamp(recordTimestamp >= 0 ? recordTimestamp : null)
            .setRejectedAt(now)
            .setKey(key == null ? null : ByteBuffer.wrap(key))
            .setPayload(value == null ? null : ByteBuffer.wrap(value))
            .build();
    }
}
