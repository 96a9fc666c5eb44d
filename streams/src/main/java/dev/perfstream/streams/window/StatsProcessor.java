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

    static WindowStats toStats(WindowAccumulator a, SeriesId id) {
        double seconds = (a.end() - a.start()) / 1000.0;
        WindowStats.Builder b = WindowStats.newBuilder()
            .setKind(id.kind())
            .setName(id.name())
            .setService(id.owner())
            .setRoute(id.route())
            .setDeviceClass(id.deviceClass())
            .setWindowStart(Instant.ofEpochMilli(a.start()))
            .setWindowEnd(Instant.ofEpochMilli(a.end()))
            .setCount(a.count())
            .setErrors(a.errors())
            .setErrorRate(a.count() == 0 ? 0 : (double) a.errors() / a.count())
            .setRate(a.count() / seconds)
            .setMin(a.min())
            .setMax(a.max())
            .setMean(a.mean())
            .setP50(a.quantile(0.50))
            .setP75(a.quantile(0.75))
            .setP90(a.quantile(0.90))
            .setP95(a.quantile(0.95))
            .setP99(a.quantile(0.99))
            .setP999(a.quantile(0.999))
            .setUnit(a.unit())
            .setLateEvents(a.late());
        if (id.kind() == SeriesKind.RUM && a.count() > 0) {
            double n = a.count();
            b.setGoodShare(a.good() / n).setNeedsImprovementShare(a.needsImprovement() / n).setPoorShare(a.poor() / n);
        }
        return b.build();
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
