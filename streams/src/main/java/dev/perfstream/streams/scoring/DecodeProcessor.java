package dev.perfstream.streams.scoring;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DeadLetters;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.serde.WireFormat;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.outage.ParkedRecord;
import dev.perfstream.streams.outage.ParkedRecords;
import dev.perfstream.streams.outage.ParkingProcessor;
import dev.perfstream.streams.scoring.forecast.CapacityProcessor;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring stage's front node: decodes each perf.stats record, dead-letters what does not decode or validate
 * (with its reason, original bytes, topic, partition and offset), skips per-version windows of release comparison
 * (their series is scored as a whole), and forwards every other window, keyed by its series id, to the forecast
 * processor and then to the anomaly processor. While the schema registry is unreachable, records wait in order in
 * the {@value ScoringTopology#PARKED_STORE} store ({@link ParkedRecords}).
 */
final class DecodeProcessor extends ParkingProcessor<Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(DecodeProcessor.class);

    private final ScoringConfig cfg;
    private final Clock clock;
    private final RecordCodec<WindowStats> statsCodec;
    private final RecordCodec<DeadLetter> deadLetterCodec;
    private CounterDataPoint[] windowsIn;

    /** @param settings for the codecs: wire format and schema registry, as the other stages read them */
    DecodeProcessor(ScoringConfig cfg, Settings settings, Clock clock, ParkedRecords.Config outage, AtomicLong parkedGauge) {
        super("scoring", ScoringTopology.PARKED_STORE, outage, parkedGauge);
        this.cfg = cfg;
        this.clock = clock;
        this.statsCodec = Codecs.create(WindowStats.getClassSchema(), settings);
        this.deadLetterCodec = Codecs.create(DeadLetter.getClassSchema(), settings);
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        super.init(context);
        this.windowsIn = new CounterDataPoint[] {PerfstreamMetrics.EVENTS_IN.labelValues("scoring", cfg.statsTopic(), "avro"),
            PerfstreamMetrics.EVENTS_IN.labelValues("scoring", cfg.statsTopic(), "json")};
    }

    /**
     * One closed window, live or replayed after a registry outage: the decode comes first, so an
     * unreachable registry leaves nothing changed and the record is parked ({@link ParkedRecords}).
     */
    @Override
    protected void handle(ParkedRecord r) {
        WindowStats w;
        try {
            w = statsCodec.decode(cfg.statsTopic(), r.value());
        } catch (DecodeException e) {
            deadLetter(r, e.code(), e.getMessage());
            return;
        }
        if (!w.getWindowEnd().isAfter(w.getWindowStart())) {
            deadLetter(r, "validation", "windowEnd " + w.getWindowEnd() + " is not after windowStart " + w.getWindowStart());
            return;
        }
        String unusable = CapacityProcessor.problem(w, cfg);
        if (unusable != null) {
            deadLetter(r, "validation", unusable);
            return;
        }
        if (w.getServiceVersion() != null) {
            return; // a per-version window of release comparison: its series is already scored as a whole
        }
        String series = SeriesKey.of(w).id();
        windowsIn[WireFormat.detect(r.value()) == WireFormat.AVRO_CONFLUENT ? 0 : 1].inc();
        Record<Object, Object> decoded = new Record<>(series, w, r.timestamp());
        context().forward(decoded, ScoringTopology.FORECAST_PROCESSOR);
        context().forward(decoded, ScoringTopology.ANOMALY_PROCESSOR);
    }

    private void deadLetter(ParkedRecord r, String code, String reason) {
        String topic = r.topic() == null ? cfg.statsTopic() : r.topic();
        LOG.warn("dead letter from {}-{}@{}: {}", topic, r.partition(), r.offset(), reason);
        DeadLetter dl = DeadLetters.of(code, reason, "scoring", topic, r.partition(), r.offset(), r.timestamp(), r.key(),
            r.value(), clock.instant());
        context().forward(new Record<>(r.key(), deadLetterCodec.encode(cfg.deadletterTopic(), dl), r.timestamp()),
            ScoringTopology.DEADLETTER_SINK);
    }
}
