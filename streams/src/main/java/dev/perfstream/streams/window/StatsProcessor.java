package dev.perfstream.streams.window;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.schemas.serde.DeadLetters;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.WireFormat;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.impact.ImpactConfig;
import dev.perfstream.streams.impact.ImpactEvent;
import dev.perfstream.streams.impact.ImpactWindows;
import dev.perfstream.streams.retry.ParkedRecord;
import dev.perfstream.streams.retry.ParkedRecords;
import dev.perfstream.streams.window.state.PartialRecord;
import dev.perfstream.streams.window.state.SeriesWindowStore;
import dev.perfstream.streams.window.state.WindowAccumulator;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.streams.processor.PunctuationType;
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
 *
 * <p>Series ownership ({@link SeriesOwnership}): events of a series this task does not own are
 * aggregated into foreign windows and forwarded, once per series and window, to the owner through
 * the partials topic when this task's stream time passes the window's end; the owner merges them
 * ({@link #partial}). Each time its stream time crosses a boundary of the smallest window, and on
 * every wall-clock tick when it moved, a task announces it to every owner as a watermark, after the
 * partials it covers.
 *
 * <p>Quiet input ({@code stats.idle.close}): when this task's event time has not moved for that
 * long of wall-clock time, nothing is parked and its input partitions are consumed to their end,
 * stream time moves on with the wall clock to {@code now - idle}: windows then close at most
 * window + grace + idle after their end, and an event that comes later for a window closed that
 * way is late (counted and dead-lettered).
 */
final class StatsProcessor implements Processor<byte[], byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(StatsProcessor.class);
    static final String STAGE = "stats";

    /** How often the wall clock is looked at: idle input, and watermarks when stream time moved. */
    static final Duration TICK = Duration.ofSeconds(1);

    private final StatsConfig config;
    private final Function<SeriesOwnership.Owned, EventDecoder> decoders;
    private final Clock clock;
    private final long[] sizes;
    private final SeriesOwnership ownership;
    private final InputLag lag;
    private final long idleMs;
    private ProcessorContext<Object, Object> context;
    private SeriesWindowStore store;
    private final Map<String, CounterDataPoint[]> eventsIn = new HashMap<>();
    private final Map<Long, CounterDataPoint> windowsEmitted = new HashMap<>();
    private final CounterDataPoint late = PerfstreamMetrics.LATE_EVENTS.labelValues(STAGE);
    private EventDecoder decoder;
    private long deadLetters;
    private final ParkedRecords parking;
    private int self;
    /** Largest event time seen, and the wall-clock time when it last moved (idle detection). */
    private long maxEventTime = Long.MIN_VALUE;
    private long eventTimeMovedAt;
    private long lastSeenEventTime = Long.MIN_VALUE;
    /** Last watermark announced to the owners, and the smallest-window slot it fell in. */
    private long announced = Long.MIN_VALUE;

    private final QueryCacheAssembler details;
    private final ImpactConfig impactConfig;
    private final RumElementsConfig rumElements;
    private final RumElementsAssembler elements = new RumElementsAssembler();
    /** The sessions of the apps this task owns; null when the impact windows are off. */
    private ImpactWindows impact;
    private SeriesOwnership.Owned owned;

    StatsProcessor(StatsConfig config, Function<SeriesOwnership.Owned, EventDecoder> decoders, Clock clock,
                   ParkedRecords.Config outage, AtomicLong parkedGauge, SeriesOwnership ownership, InputLag lag) {
        this(config, QueryCacheConfig.DEFAULT, ImpactConfig.DEFAULT.disabled(), decoders, clock, outage, parkedGauge,
            ownership, lag);
    }

    StatsProcessor(StatsConfig config, QueryCacheConfig queryCache, ImpactConfig impactConfig,
                   Function<SeriesOwnership.Owned, EventDecoder> decoders, Clock clock, ParkedRecords.Config outage,
                   AtomicLong parkedGauge, SeriesOwnership ownership, InputLag lag) {
        this(config, queryCache, impactConfig, RumElementsConfig.DEFAULT.disabled(), decoders, clock, outage, parkedGauge,
            ownership, lag);
    }

    StatsProcessor(StatsConfig config, QueryCacheConfig queryCache, ImpactConfig impactConfig, RumElementsConfig rumElements,
                   Function<SeriesOwnership.Owned, EventDecoder> decoders, Clock clock, ParkedRecords.Config outage,
                   AtomicLong parkedGauge, SeriesOwnership ownership, InputLag lag) {
        this.impactConfig = impactConfig;
        this.rumElements = rumElements;
        this.details = new QueryCacheAssembler(queryCache.top());
        this.config = config;
        this.decoders = decoders;
        this.clock = clock;
        this.sizes = config.sizesMillis();
        this.ownership = ownership;
        this.lag = lag;
        this.idleMs = config.idleClose().toMillis();
        this.parking = new ParkedRecords(outage, STAGE, this::handle, parkedGauge);
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.self = context.taskId().partition();
        this.store = context.getStateStore(StatsTopology.STORE);
        this.owned = new SeriesOwnership.Owned(ownership, self);
        this.decoder = decoders.apply(owned).impact(impactConfig.enabled()).attribution(rumElements);
        if (self >= ownership.tasks()) {
            LOG.warn("task {} is beyond the {} tasks the stage was started with (input partitions were added):"
                + " restart the stats stage so that every owner waits for this task's watermarks", context.taskId(),
                ownership.tasks());
        }
        store.configureOwnership(self, ownership.tasks(), owned::series);
        store.configureSmallestOnly(SeriesKey::isRelease);
        store.loadIfNeeded(); // runs after restoration: the inner store is complete here
        parking.init(context, StatsTopology.PARKED_STORE);
        if (impactConfig.enabled()) {
            impact = new ImpactWindows(context.getStateStore(StatsTopology.IMPACT_STORE), impactConfig,
                config.grace().toMillis());
            impact.load();
        }
        maxEventTime = store.streamTime();
        eventTimeMovedAt = context.currentSystemTimeMs();
        context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        ParkedRecord r = ParkedRecords.of(record, context.recordMetadata());
        if (config.partialsTopic().equals(r.topic())) {
            partial(r); // from another task of this stage: no registry involved, never parked
        } else {
            parking.offer(r);
        }
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
            eventsIn(r);
        } catch (DecodeException e) {
            deadLetter(r, e.code(), e.getMessage());
            return;
        }
        long closedAt = store.closedAt(o.timestamp());
        if (closedAt >= 0) {
            long n = o.buckets() == null ? 1 : o.buckets().count(); // a histogram event is many measurements
            late.inc(n);
            if (o.series() != null) {
                store.countLate(o.series().id(), o.unit(), n);
            }
            deadLetter(r, "late", "event time " + Instant.ofEpochMilli(o.timestamp()) + " is late: its "
                + (sizes[0] / 1000) + " s window closed at stream time " + Instant.ofEpochMilli(closedAt)
                + " (window end + grace " + config.grace().toSeconds() + " s); stream time is now "
                + Instant.ofEpochMilli(store.streamTime()) + (o.series() == null ? ". A conversion: not joined"
                : ". Counted as late in series " + o.series().id()));
            return;
        }
        if (o.series() != null && !addToWindows(r, o)) {
            return;
        }
        if (o.impact() != null && impact != null) {
            if (owned.key(o.impact().app())) {
                impact.add(o.impact());
            } else { // to the app's owner, before the watermark that covers it (same partition, in order)
                context.forward(new Record<Object, Object>(o.impact().key(), o.impact().encode(), o.timestamp()),
                    StatsTopology.PARTIALS_SINK);
            }
        }
        if (o.timestamp() > maxEventTime) {
            maxEventTime = o.timestamp();
        }
        store.advance(o.timestamp(), this::emit);
        flushDetails();
        if (ownership.tasks() > 1 && Math.floorDiv(store.streamTime(), sizes[0]) != Math.floorDiv(announced, sizes[0])) {
            announce();
        }
    }

    /** Adds a measurement to the windows of its series (and its release and detail series); false when refused. */
    private boolean addToWindows(ParkedRecord r, Observation o) {
        String refused = o.buckets() == null
            ? store.add(o.series().id(), o.timestamp(), o.value(), o.error(), o.rating(), o.unit(), o.instance())
            : store.add(o.series().id(), o.timestamp(), o.buckets(), o.error(), o.unit(), o.instance());
        if (refused != null) {
            deadLetter(r, "validation", refused);
            return false;
        }
        if (o.release() != null) { // same unit as its series, which was just accepted
            if (o.buckets() == null) {
                store.add(o.release().id(), o.timestamp(), o.value(), o.error(), -1, o.unit());
            } else {
                store.add(o.release().id(), o.timestamp(), o.buckets(), o.error(), o.unit());
            }
        }
        if (o.element() != null) { // same unit as its series
            store.add(o.element().id(), o.timestamp(), o.value(), false, o.rating(), o.unit());
        }
        if (o.script() != null) {
            store.add(o.script().id(), o.timestamp(), o.value(), false, o.rating(), o.unit());
        }
        if (o.detail() != null) { // its own unit, so it cannot be refused for a unit mismatch
            String unit = DetailSeries.isCounter(o.detail()) ? "count" : "ms";
            if (o.buckets() == null) {
                store.add(o.detail().id(), o.timestamp(), o.value(), o.error(), -1, unit);
            } else {
                store.add(o.detail().id(), o.timestamp(), o.buckets(), o.error(), unit);
            }
        }
        return true;
    }

    /** A partial or a watermark from another task (or, with one partition, from this one). */
    private void partial(ParkedRecord r) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (ImpactEvent.isKey(key)) {
            forwardedImpact(r, key);
            return;
        }
        PartialRecord p;
        try {
            p = store.decodePartial(key, r.value());
        } catch (IOException | RuntimeException e) {
            deadLetter(r, "parse", "undecodable record on the stage's partials topic: " + e.getMessage());
            return;
        }
        if (p.isWatermark()) {
            store.upstreamWatermark(p.sender(), p.watermark(), this::emit);
            flushDetails();
            return;
        }
        SeriesKey id;
        try {
            id = decoder.admit(SeriesKey.parse(key), p.start());
        } catch (RuntimeException e) {
            deadLetter(r, "parse", "partial with a key that is not a series id: " + key);
            return;
        }
        String refused = store.mergePartial(id.id(), p.sizeMs(), p.start(), p.partial());
        if (refused == null) {
            return;
        }
        if (refused.equals("late")) {
            late.inc(p.partial().count());
            store.countLate(id.id(), p.partial().unit(), p.partial().count() + p.partial().late());
            deadLetter(r, "late", p.partial().count() + " events of series " + id.id() + " in the window from "
                + Instant.ofEpochMilli(p.start()) + " forwarded by task " + p.sender() + " after this owner closed it"
                + " (close time " + Instant.ofEpochMilli(store.closeTime()) + "): tasks disagree on ownership or on the"
                + " number of tasks; counted as late");
        } else {
            deadLetter(r, "validation", "partial from task " + p.sender() + ": " + refused);
        }
    }

    /** An impact event of an app this task owns, forwarded by the task that received it. */
    private void forwardedImpact(ParkedRecord r, String key) {
        ImpactEvent e;
        try {
            e = ImpactEvent.decode(key, r.value());
        } catch (IOException | RuntimeException ex) {
            deadLetter(r, "parse", "undecodable impact event on the stage's partials topic: " + ex.getMessage());
            return;
        }
        if (impact == null) {
            return; // this instance runs with the impact windows off
        }
        if (impact.isClosed(e.timestamp(), store.closeTime())) {
            deadLetter(r, "late", "impact event of app " + e.app() + " at " + Instant.ofEpochMilli(e.timestamp())
                + " forwarded after this owner closed its impact window: tasks disagree on ownership; not joined");
            return;
        }
        impact.add(new ImpactEvent(e.timestamp(), e.app(), decoder.admitPage(e.app(), e.page()), e.session(), e.vital(),
            e.value(), e.goal()));
    }

    /**
     * Tells every owner how far this task's stream time is: it has forwarded every partial up to there.
     * The record's timestamp is that event time, not the wall clock: Kafka Streams hands a task the
     * record with the smallest timestamp among its partitions' heads, so a watermark stamped with the
     * wall clock would wait behind every buffered input event (always, while a backlog is read) and
     * the owner's windows would stay open until the backlog is gone.
     */
    private void announce() {
        announced = store.streamTime();
        context.forward(new Record<Object, Object>(null, PartialRecord.watermark(self, announced), Math.max(0, announced)),
            StatsTopology.PARTIALS_SINK);
    }

    /**
     * Wall-clock tick: moves stream time on when the input has been quiet for {@code stats.idle.close}
     * (nothing parked, every input partition of this task consumed to its end), and announces the
     * watermark when it moved since the last announcement.
     */
    private void tick(long now) {
        if (maxEventTime != lastSeenEventTime) {
            lastSeenEventTime = maxEventTime;
            eventTimeMovedAt = now;
        }
        long target = store.streamTime();
        if (now - eventTimeMovedAt >= idleMs && parking.parked() == 0 && lag.caughtUp(self)) {
            target = Math.max(target, now - idleMs);
        }
        store.advance(target, this::emit);
        flushDetails();
        if (ownership.tasks() > 1 && store.streamTime() > announced) {
            announce();
        }
    }

    private void emit(WindowAccumulator a) {
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
        WindowStats s = toStats(a, SeriesKey.parse(a.seriesId()));
        windowsEmitted.computeIfAbsent(a.end() - a.start(), size -> PerfstreamMetrics.WINDOWS_EMITTED.labelValues(STAGE,
            Duration.ofMillis(size).toString().substring(2).toLowerCase(java.util.Locale.ROOT))).inc();
        context.forward(new Record<Object, Object>(a.seriesId(), s, a.end()), StatsTopology.STATS_SINK);
    }

    /**
     * The statement, cache and RUM element records of the windows the last store advance closed, and the impact
     * windows the close time has passed.
     */
    private void flushDetails() {
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
            q -> context.forward(new Record<Object, Object>(q.getService(), q, q.getWindowEnd().toEpochMilli()),
                StatsTopology.QUERIES_SINK),
            c -> context.forward(new Record<Object, Object>(c.getService(), c, c.getWindowEnd().toEpochMilli()),
                StatsTopology.CACHE_SINK));
    }

    private static final double[] QUANTILES = {0.50, 0.75, 0.90, 0.95, 0.99, 0.999};

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
            a.unit(), a.late(), a.bucketError(), id.version(), id.version() == null ? null : sketch(a), a.instances());
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

    /** Counts one decoded event by topic and wire format (the data points are looked up once, not per event). */
    private void eventsIn(ParkedRecord r) {
        String topic = r.topic() == null ? "?" : r.topic();
        CounterDataPoint[] points = eventsIn.computeIfAbsent(topic, t -> new CounterDataPoint[WireFormat.values().length]);
        int f = WireFormat.detect(r.value()).ordinal();
        if (points[f] == null) {
            points[f] = PerfstreamMetrics.EVENTS_IN.labelValues(STAGE, topic,
                WireFormat.values()[f] == WireFormat.AVRO_CONFLUENT ? "avro" : "json");
        }
        points[f].inc();
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
