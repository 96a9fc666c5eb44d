package dev.perfstream.streams.alert;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.serde.DeadLetters;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import java.time.Clock;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes perf.stats records from raw bytes so a bad one becomes a dead letter (with its original
 * bytes, topic, partition and offset) instead of stopping the application. Good records are
 * re-keyed by service, which co-locates every series of a service with its SLO buckets.
 */
final class DecodeProcessor extends ContextualProcessor<byte[], byte[], String, Decoded> {
    private static final Logger LOG = LoggerFactory.getLogger(DecodeProcessor.class);
    private final RecordCodec<WindowStats> codec;
    private final Clock clock;

    DecodeProcessor(RecordCodec<WindowStats> codec, Clock clock) {
        this.codec = codec;
        this.clock = clock;
    }

    @Override
    public void process(Record<byte[], byte[]> r) {
        RecordMetadata m = context().recordMetadata().orElse(null);
        String topic = m == null ? null : m.topic();
        try {
            WindowStats s = codec.decode(topic, r.value());
            String problem = check(s);
            if (problem != null) {
                throw new DecodeException("validation", problem);
            }
            context().forward(r.withKey(s.getService()).withValue(new Decoded(s, null, null)));
        } catch (DecodeException e) {
            int partition = m == null ? -1 : m.partition();
            long offset = m == null ? -1 : m.offset();
            LOG.warn("dead-lettering perf.stats record {}-{}@{}: {}", topic, partition, offset, e.getMessage());
            DeadLetter dl = DeadLetters.of(e.code(), e.getMessage(), "alerts", topic, partition, offset, r.timestamp(),
                r.key(), r.value(), clock.instant());
            context().forward(r.withKey((String) null).withValue(new Decoded(null, dl, r.key())));
        }
    }

    /** Structural checks the schema cannot express. NaN statistics are legal: rules treat them as no data. */
    static String check(WindowStats s) {
        if (!s.getWindowEnd().isAfter(s.getWindowStart())) {
            return "windowEnd " + s.getWindowEnd() + " is not after windowStart " + s.getWindowStart();
        }
        if (s.getCount() < 0 || s.getErrors() < 0 || s.getErrors() > s.getCount()) {
            return "count " + s.getCount() + " / errors " + s.getErrors() + " are inconsistent (need 0 <= errors <= count)";
        }
        if (s.getService().isEmpty()) {
            return "service is empty";
        }
        return null;
    }
}
