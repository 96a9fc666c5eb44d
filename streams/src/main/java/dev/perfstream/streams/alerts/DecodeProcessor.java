package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.schemas.serde.WireFormat;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.serde.DeadLetters;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.alerts.attribution.Feed;
import dev.perfstream.streams.outage.ParkedRecord;
import dev.perfstream.streams.outage.ParkedRecords;
import dev.perfstream.streams.outage.ParkingProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes perf.stats records from raw bytes so a bad one becomes a dead letter (with its original
 * bytes, topic, partition and offset) instead of stopping the application. Good records are
 * re-keyed by service, which co-locates every series of a service with its SLO buckets. While the
 * schema registry is unreachable, records wait in order in a store ({@link ParkedRecords}).
 */
final class DecodeProcessor extends ParkingProcessor<String, Decoded> {
    private static final Logger LOG = LoggerFactory.getLogger(DecodeProcessor.class);
    /** Bytes of one input topic to the window a rule evaluates. */
    @FunctionalInterface
    interface Decoder {
        WindowStats decode(String topic, byte[] value) throws DecodeException;
    }

    private final Decoder codec;
    private final Clock clock;

    DecodeProcessor(RecordCodec<WindowStats> codec, Clock clock, ParkedRecords.Config outage, AtomicLong parkedGauge) {
        this(codec::decode, AlertsTopology.PARKED_STORE, clock, outage, parkedGauge);
    }

    /** @param parkedStore the store records wait in while the registry is unreachable */
    DecodeProcessor(Decoder codec, String parkedStore, Clock clock, ParkedRecords.Config outage, AtomicLong parkedGauge) {
        super("alerts", parkedStore, outage, parkedGauge);
        this.codec = codec;
        this.clock = clock;
    }

    /** Decoding comes first: an unreachable registry leaves nothing forwarded, and the record is parked. */
    @Override
    protected void handle(ParkedRecord r) {
        try {
            WindowStats s = codec.decode(r.topic(), r.value());
            String problem = check(s);
            if (problem != null) {
                throw new DecodeException("validation", problem);
            }
            PerfstreamMetrics.EVENTS_IN.labelValues("alerts", r.topic(), WireFormat.detect(r.value())
                == WireFormat.AVRO_CONFLUENT ? "avro" : "json").inc();
            context().forward(new Record<>(s.getService(), new Decoded(s, null, null), r.timestamp(), source(r)));
        } catch (DecodeException e) {
            LOG.warn("dead-lettering record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.getMessage());
            DeadLetter dl = DeadLetters.of(e.code(), e.getMessage(), "alerts", r.topic(), r.partition(), r.offset(),
                r.timestamp(), r.key(), r.value(), clock.instant());
            context().forward(new Record<String, Decoded>(null, new Decoded(null, dl, r.key()), r.timestamp()));
        }
    }

    /**
     * The record's source for attribution ({@link Feed#SOURCE_HEADER}): the stats task that wrote it and the partition
     * it came from. None for a record without the task (another producer, or replayed from the parked store).
     */
    private Headers source(ParkedRecord r) {
        Headers in = liveHeaders(r);
        Header task = in == null ? null : in.lastHeader(Feed.TASK_HEADER);
        RecordHeaders out = new RecordHeaders();
        if (task != null) {
            out.add(Feed.SOURCE_HEADER, (new String(task.value(), StandardCharsets.UTF_8) + '@' + r.topic() + '-'
                + r.partition()).getBytes(StandardCharsets.UTF_8));
        }
        return out;
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
        if (s.getServiceVersion() != null && s.getSketch() == null) {
            return "per-version window (serviceVersion " + s.getServiceVersion() + ") without its sketch";
        }
        return null;
    }
}
