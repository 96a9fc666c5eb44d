package dev.perfstream.streams.stats;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.schemas.serde.DeadLetters;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.alerts.attribution.Feed;
import dev.perfstream.streams.impact.ImpactWindows;
import dev.perfstream.streams.outage.ParkedRecord;
import dev.perfstream.streams.stats.state.PartialRecord;
import dev.perfstream.streams.stats.state.SeriesWindowStore;
import dev.perfstream.streams.stats.state.WindowAccumulator;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one task of the stats stage forwards, and to which sink: closed windows (as
 * {@link WindowStats}, or as partials to their owner), the statement, cache, RUM element and impact
 * records gathered for the windows a store advance closed, watermarks, and dead letters.
 */
final class StatsOutput {
    private static final Logger LOG = LoggerFactory.getLogger(StatsProcessor.class);
    private static final double[] QUANTILES = {0.50, 0.75, 0.90, 0.95, 0.99, 0.999};

    private final ProcessorContext<Object, Object> context;
    private final SeriesWindowStore store;
    private final int self;
    private final Clock clock;
    private final QueryCacheAssembler details;
    private final RumElementsConfig rumElements;
    private final RumElementsAssembler elements = new RumElementsAssembler();
    /** The sessions of the apps this task owns; null when the impact windows are off. */
    private final ImpactWindows impact;
    private final Map<Long, CounterDataPoint> windowsEmitted = new HashMap<>();
    private long deadLetters;
    private byte[] taskHeader;
    private long instancesOverflowed;

    StatsOutput(ProcessorContext<Object, Object> context, SeriesWindowStore store, int self, Clock clock,
                QueryCacheAssembler details, RumElementsConfig rumElements, ImpactWindows impact) {
        this.context = context;
        this.store = store;
        this.self = self;
        this.clock = clock;
        this.details = details;
        this.rumElements = rumElements;
        this.impact = impact;
    }

    /** A window the store closed: to its owner when foreign, gathered when a detail, else out as stats. */
    void emit(WindowAccumulator a) {
        if (!a.owned()) {
            context.forward(new Record<Object, Object>(a.seriesId(), store.encodePartial(self, a), a.end()),
                StatsTopology.PARTIALS_SINK);
            return;
        }
        if (DetailSeries.isDetail(a.seriesId())) {
            details.add(SeriesKey.parse(a.seriesId()), a); // out with the other details of its window in flushDetails
            return;
        }
        if (RumAttributes.isAttribute(a.seriesId())) {
            if (rumElements.enabled()) { // off here: only a partial of an instance with them on can bring one
                elements.add(SeriesKey.parse(a.seriesId()), a); // out with the page's other elements in flushDetails
            }
            return;
        }
        if (a.instancesOverflowed() && instancesOverflowed++ % 1000 == 0) { // sampled, as the dead letters
            LOG.warn("series {}, window {} to {}: {} or more distinct instances, more than a window counts; its"
                + " 'instances' is left empty (#{} such window of this task)", a.seriesId(), Instant.ofEpochMilli(a.start()),
                Instant.ofEpochMilli(a.end()), WindowAccumulator.MAX_INSTANCES, instancesOverflowed);
        }
        WindowStats s = toStats(a, SeriesKey.parse(a.seriesId()));
        windowsEmitted.computeIfAbsent(a.end() - a.start(), size -> PerfstreamMetrics.WINDOWS_EMITTED.labelValues(
            StatsProcessor.STAGE, Duration.ofMillis(size).toString().substring(2).toLowerCase(java.util.Locale.ROOT))).inc();
        context.forward(new Record<Object, Object>(a.seriesId(), s, a.end(), written()), StatsTopology.STATS_SINK);
    }

    /**
     * The headers of a perf.stats, perf.queries or perf.cache record: the task that wrote it ({@link Feed#TASK_HEADER}).
     * A task writes its windows in the order of their end, so a reader that sees one task's records of a partition in
     * order knows every earlier window of that task and partition is in (the alerts stage's attribution waits so).
     */
    private Headers written() {
        if (taskHeader == null) {
            taskHeader = context.taskId().toString().getBytes(StandardCharsets.UTF_8);
        }
        return new RecordHeaders().add(Feed.TASK_HEADER, taskHeader);
    }

    /**
     * The statement, cache and RUM element records of the windows the last store advance closed, and the impact
     * windows the close time has passed.
     */
    void flushDetails() {
        if (impact != null && impact.nextDeadline() <= store.streamTime()) { // the close time is never past it
            impact.close(store.closeTime(), u -> context.forward(
                new Record<Object, Object>(u.getApp(), u, u.getWindowEnd().toEpochMilli()), StatsTopology.IMPACT_SINK));
        }
        if (!elements.isEmpty()) {
            elements.flush(r -> context.forward(new Record<Object, Object>(r.getApp(), r, r.getWindowEnd().toEpochMilli()),
                StatsTopology.RUM_ELEMENTS_SINK));
        }
        if (details.isEmpty()) {
            return;
        }
        details.flush(
            q -> context.forward(new Record<Object, Object>(q.getService(), q, q.getWindowEnd().toEpochMilli(), written()),
                StatsTopology.QUERIES_SINK),
            c -> context.forward(new Record<Object, Object>(c.getService(), c, c.getWindowEnd().toEpochMilli(), written()),
                StatsTopology.CACHE_SINK));
    }

    /**
     * Tells every owner how far this task's stream time is: it has forwarded every partial up to there.
     * The record's timestamp is that event time, not the wall clock: Kafka Streams hands a task the
     * record with the smallest timestamp among its partitions' heads, so a watermark stamped with the
     * wall clock would wait behind every buffered input event (always, while a backlog is read) and
     * the owner's windows would stay open until the backlog is gone.
     */
    void watermark(long streamTime) {
        context.forward(new Record<Object, Object>(null, PartialRecord.watermark(self, streamTime), Math.max(0, streamTime)),
            StatsTopology.PARTIALS_SINK);
    }

    /** A record for another task of the stage (an impact event to its app's owner), through the partials topic. */
    void toOwner(Object key, Object value, long timestamp) {
        context.forward(new Record<Object, Object>(key, value, timestamp), StatsTopology.PARTIALS_SINK);
    }

    void deadLetter(ParkedRecord r, String code, String reason) {
        if (deadLetters++ % 1000 == 0) { // every record is kept in the topic; the log is sampled
            LOG.warn("dead letter #{} from {}-{}@{}: {}: {}", deadLetters, r.topic(), r.partition(), r.offset(), code, reason);
        }
        DeadLetter d = DeadLetters.of(code, reason, StatsProcessor.STAGE, r.topic(), r.partition(), r.offset(),
            r.timestamp(), r.key(), r.value(), clock.instant());
        context.forward(new Record<Object, Object>(r.key(), d, r.timestamp()), StatsTopology.DEADLETTER_SINK);
    }

    static WindowStats toStats(WindowAccumulator a, SeriesKey id) {
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
            a.unit(), a.late(), a.bucketError(), id.version(), id.version() == null ? null : sketch(a), a.instances(),
            a.instancesOverflowed() ? Boolean.TRUE : null);
    }

    /** A per-version window's sketch with its index mapping, so any reader can decode and merge it. */
    private static java.nio.ByteBuffer sketch(WindowAccumulator a) {
        com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput out =
            com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput.withDefaultInitialCapacity();
        try {
            a.sketch().encode(out, false);
        } catch (IOException e) {
            throw new IllegalStateException("encoding to a byte array cannot fail", e);
        }
        return java.nio.ByteBuffer.wrap(out.trimmedCopy());
    }
}
