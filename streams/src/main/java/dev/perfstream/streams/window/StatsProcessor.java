package dev.perfstream.streams.window;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.serde.DeadLetters;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.streams.window.state.SeriesWindowStore;
import dev.perfstream.streams.window.state.WindowAccumulator;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-event path of the stats stage: raw bytes in, decoded and validated, added to the live
 * windows of its series in {@link SeriesWindowStore}; windows that stream time has closed go out
 * as {@link WindowStats}, bad and late records as {@link DeadLetter}s. Never throws on bad data.
 *
 * <p>Stream time is the largest event timestamp (from the event, not the Kafka record timestamp)
 * this task has seen; it is kept in the store, so a restart resumes where it was.
 */
final class StatsProcessor implements Processor<byte[], byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(StatsProcessor.class);
    static final String STAGE = "stats";

    private final StatsConfig config;
    private final Supplier<EventDecoder> decoders;
    private final Clock clock;
    private final long[] sizes;
    private ProcessorContext<Object, Object> context;
    private SeriesWindowStore store;
    private EventDecoder decoder;
    private long deadLetters;

    StatsProcessor(StatsConfig config, Supplier<EventDecoder> decoders, Clock clock) {
        this.config = config;
        this.decoders = decoders;
        this.clock = clock;
        this.sizes = config.sizesMillis();
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.store = context.getStateStore(StatsTopology.STORE);
        this.decoder = decoders.get();
        store.loadIfNeeded(); // runs after restoration: the inner store is complete here
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Optional<RecordMetadata> meta = context.recordMetadata();
        String topic = meta.map(RecordMetadata::topic).orElse("?");
        Observation o;
        try {
            o = decoder.decode(topic, record.value());
        } catch (DecodeException e) {
            deadLetter(record, e.code(), e.getMessage());
            return;
        }
        long closedAt = store.closedAt(o.timestamp());
        if (closedAt >= 0) {
            store.countLate(o.series().id(), o.unit());
            deadLetter(record, "late", "event time " + Instant.ofEpochMilli(o.timestamp()) + " is late: its "
                + (sizes[0] / 1000) + " s window closed at stream time " + Instant.ofEpochMilli(closedAt)
                + " (window end + grace " + config.grace().toSeconds() + " s); stream time is now "
                + Instant.ofEpochMilli(store.streamTime()) + ". Counted as late in series " + o.series().id());
            return;
        }
        String refused = store.add(o.series().id(), o.timestamp(), o.value(), o.error(), o.rating(), o.unit());
        if (refused != null) {
            deadLetter(record, "validation", refused);
            return;
        }
        store.advance(o.timestamp(), this::emit);
    }

    private void emit(WindowAccumulator a) {
        WindowStats s = toStats(a, SeriesId.parse(a.seriesId()));
        context.forward(new Record<Object, Object>(a.seriesId(), s, a.end()), StatsTopology.STATS_SINK);
    }

    private static final double[] QUANTILES = {0.50, 0.75, 0.90, 0.95, 0.99, 0.999};

    static WindowStats toStats(WindowAccumulator a, SeriesId id) {
        double seconds = (a.end() - a.start()) / 1000.0;
        double[] q = a.quantiles(QUANTILES);
        boolean rum = id.kind() == SeriesKind.RUM && a.count() > 0;
        double n = a.count();
        // The all-fields constructor rather than the builder: the builder validates and copies
        // defaults per field, and this runs for every closed window (about one per event when
        // windows are sparse).
        return new WindowStats(id.kind(), id.name(), id.owner(), id.route(), id.deviceClass(),
            Instant.ofEpochMilli(a.start()), Instant.ofEpochMilli(a.end()),
            a.count(), a.errors(), a.count() == 0 ? 0 : (double) a.errors() / a.count(), a.count() / seconds,
            a.min(), a.max(), a.mean(), q[0], q[1], q[2], q[3], q[4], q[5],
            rum ? a.good() / n : null, rum ? a.needsImprovement() / n : null, rum ? a.poor() / n : null,
            a.unit(), a.late());
    }

    private void deadLetter(Record<byte[], byte[]> record, String code, String reason) {
        Optional<RecordMetadata> meta = context.recordMetadata();
        String topic = meta.map(RecordMetadata::topic).orElse(null);
        int partition = meta.map(RecordMetadata::partition).orElse(-1);
        long offset = meta.map(RecordMetadata::offset).orElse(-1L);
        if (deadLetters++ % 1000 == 0) { // every record is kept in the topic; the log is sampled
            LOG.warn("dead letter #{} from {}-{}@{}: {}: {}", deadLetters, topic, partition, offset, code, reason);
        }
        DeadLetter d = DeadLetters.of(code, reason, STAGE, topic, partition, offset, record.timestamp(), record.key(),
            record.value(), clock.instant());
        context.forward(new Record<Object, Object>(record.key(), d, record.timestamp()), StatsTopology.DEADLETTER_SINK);
    }
}
