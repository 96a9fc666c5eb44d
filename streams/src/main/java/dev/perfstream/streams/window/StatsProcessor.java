package dev.perfstream.streams.window;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.serde.DeadLetters;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.streams.window.state.SeriesWindowStore;
import dev.perfstream.streams.retry.ParkedRecord;
import dev.perfstream.streams.retry.ParkedRecords;
import dev.perfstream.streams.window.state.WindowAccumulator;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-event path of the stats stage: raw bytes in, decoded and validated, added to the live
 * windows of its series in {@link SeriesWindowStore}; windows that stream time has closed go out
 * as {@link WindowStats}, bad and late records as {@link DeadLetter}s. Never throws on bad data.
 * While the schema registry is unreachable, records are parked and replayed in order
 * ({@link ParkedRecords}): the stage keeps running however long the outage lasts.
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
    private final ParkedRecords parking;

    StatsProcessor(StatsConfig config, Supplier<EventDecoder> decoders, Clock clock, ParkedRecords.Config outage,
                   AtomicLong parkedGauge) {
        this.config = config;
        this.decoders = decoders;
        this.clock = clock;
        this.sizes = config.sizesMillis();
        this.parking = new ParkedRecords(outage, STAGE, this::handle, parkedGauge);
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.store = context.getStateStore(StatsTopology.STORE);
        this.decoder = decoders.get();
        store.loadIfNeeded(); // runs after restoration: the inner store is complete here
        parking.init(context, StatsTopology.PARKED_STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        parking.offer(ParkedRecords.of(record, context.recordMetadata()));
    }

    @Override
    public void close() {
        parking.close();
    }

    /**
     * One event, live or replayed after a registry outage. The decode comes first: an unreachable
     * registry ({@code RegistryUnavailableException}) leaves nothing changed, and the record is parked.
     */
    private void handle(ParkedRecord r) {
        Observation o;
        try {
            o = decoder.decode(r.topic() == null ? "?" : r.topic(), r.value());
        } catch (DecodeException e) {
            deadLetter(r, e.code(), e.getMessage());
            return;
        }
        long closedAt = store.closedAt(o.timestamp());
        if (closedAt >= 0) {
            store.countLate(o.series().id(), o.unit());
            deadLetter(r, "late", "event time " + Instant.ofEpochMilli(o.timestamp()) + " is late: its "
                + (sizes[0] / 1000) + " s window closed at stream time " + Instant.ofEpochMilli(closedAt)
                + " (window end + grace " + config.grace().toSeconds() + " s); stream time is now "
                + Instant.ofEpochMilli(store.streamTime()) + ". Counted as late in series " + o.series().id());
            return;
        }
        String refused = store.add(o.series().id(), o.timestamp(), o.value(), o.error(), o.rating(), o.unit());
        if (refused != null) {
            deadLetter(r, "validation", refused);
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

    private void deadLetter(ParkedRecord r, String code, String reason) {
        if (deadLetters++ % 1000 == 0) { // every record is kept in the topic; the log is sampled
            LOG.warn("dead letter #{} from {}-{}@{}: {}: {}", deadLetters, r.topic(), r.partition(), r.offset(), code, reason);
        }
        DeadLetter d = DeadLetters.of(code, reason, STAGE, r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(),
            r.value(), clock.instant());
        context.forward(new Record<Object, Object>(r.key(), d, r.timestamp()), StatsTopology.DEADLETTER_SINK);
    }
}
