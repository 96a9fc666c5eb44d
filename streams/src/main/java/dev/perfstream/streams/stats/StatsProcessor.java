package dev.perfstream.streams.stats;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.WireFormat;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.impact.ImpactConfig;
import dev.perfstream.streams.impact.ImpactWindows;
import dev.perfstream.streams.outage.ParkedRecord;
import dev.perfstream.streams.outage.ParkedRecords;
import dev.perfstream.streams.outage.ParkingProcessor;
import dev.perfstream.streams.stats.state.SeriesWindowStore;
import dev.perfstream.streams.stats.state.WindowAccumulator;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
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
 * ({@link StatsPartials}). Each time its stream time crosses a boundary of the smallest window, and on
 * every wall-clock tick when it moved, a task announces it to every owner as a watermark, after the
 * partials it covers.
 *
 * <p>Input order: Kafka Streams orders a task's partitions by record timestamp (the producer's send
 * time), not event time, so a metrics backlog produced before a RUM backlog of the same minutes would run
 * ahead and close the RUM events' windows. So stream time does not simply follow the largest event time:
 * while one input's partition (metrics or RUM) still has data on the broker (its consumer lag as of the
 * consumer's last fetch) or records that a poll returned and this task has not handled yet (still in
 * Kafka Streams' buffer: {@link FetchedOffsets}), looked at before every event and tick, stream time stays
 * at that input's largest event time. An input that is read and handled to its end holds nothing back,
 * whatever its last event time; one that holds stream time for a minute without moving is named in the
 * log. An input just read to its end after its event time moved holds stream time for {@link
 * InputLag#settleMillis()} more: its lag is as of its last fetch, which may be older than the other input's record
 * ({@link #lookAtInputLag}). This gate reads the same lag as Kafka Streams' own wait for unfetched data, which the stage
 * therefore turns off ({@code max.task.idle.ms=-1}): see {@link StatsApp#properties}.
 *
 * <p>Quiet input ({@code stats.idle.close}): when this task's event time has not moved for that
 * long of wall-clock time, nothing is parked and its input partitions are consumed to their end,
 * stream time moves on with the wall clock to {@code now - idle}: windows then close at most
 * window + grace + idle after their end, and an event that comes later for a window closed that
 * way is late (counted and dead-lettered).
 */
final class StatsProcessor extends ParkingProcessor<Object, Object> {
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
    private final CounterDataPoint late = PerfstreamMetrics.LATE_EVENTS.labelValues(STAGE);
    private EventDecoder decoder;
    private int self;
    /** Largest event time seen, and the wall-clock time when it last moved (idle detection). */
    private long maxEventTime = Long.MIN_VALUE;
    private long eventTimeMovedAt;
    private long lastSeenEventTime = Long.MIN_VALUE;
    /** Input topics (metrics, RUM), the largest event time read from each, and whether each still has data on the broker. */
    private final String[] inputs;
    private final long[] inputTime = {Long.MIN_VALUE, Long.MIN_VALUE};
    private final boolean[] behind = new boolean[2];
    /**
     * Per input: since when (wall clock) it is read to its end after the task read up to a new event time of it, and that
     * event time. It holds stream time until {@link InputLag#settleMillis()} later, as if still behind (see {@link
     * #lookAtInputLag}).
     */
    private final long[] settledSince = {Long.MIN_VALUE / 2, Long.MIN_VALUE / 2};
    private final long[] settledAt = {Long.MIN_VALUE, Long.MIN_VALUE};
    /** This task's partition of each input, and the offset of the last record of it handled here (-1: none yet). */
    private TopicPartition[] inputPartitions;
    private final long[] handled = {-1, -1};
    /** What this stream thread's consumer last polled of each partition (null: not on a stream thread, as in tests). */
    private FetchedOffsets fetched;
    /** Per input: the event time it held stream time back at, and since when (wall clock; -1: not holding). */
    private final long[] heldAt = {Long.MIN_VALUE, Long.MIN_VALUE};
    private final long[] heldSince = {-1, -1};
    private long heldWarnedAt = Long.MIN_VALUE / 2;
    /** How long an input may hold stream time back without moving before the log says so, and how often. */
    static final long HELD_WARN_MS = 60_000;
    /** When the quiet-input rule was last kept from moving stream time on and said so (wall clock). */
    private long idleWarnedAt = Long.MIN_VALUE / 2;
    /** The other task this one's due windows wait for (-1: none), at which watermark, since when, and when said. */
    private int waitingFor = -1;
    private long waitingAt = Long.MIN_VALUE;
    private long waitingSince;
    private long waitWarnedAt = Long.MIN_VALUE / 2;
    /** Last watermark announced to the owners, and the smallest-window slot it fell in. */
    private long announced = Long.MIN_VALUE;

    private final QueryCacheAssembler details;
    private final ImpactConfig impactConfig;
    private final RumElementsConfig rumElements;
    /** The sessions of the apps this task owns; null when the impact windows are off. */
    private ImpactWindows impact;
    private SeriesOwnership.Owned owned;
    private StatsOutput out;
    /** {@link StatsOutput#emit}, made once: the store calls it for every window it closes. */
    private Consumer<WindowAccumulator> emit;
    private StatsPartials partials;
    /** The statement and cache series' smallest window size ({@code stats.queries.window}). */
    private final long detailWindowMs;

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
        super(STAGE, StatsTopology.PARKED_STORE, outage, parkedGauge);
        this.impactConfig = impactConfig;
        this.rumElements = rumElements;
        this.details = new QueryCacheAssembler(queryCache.top());
        this.detailWindowMs = config.queriesWindowMillis(queryCache);
        this.config = config;
        this.decoders = decoders;
        this.clock = clock;
        this.sizes = config.sizesMillis();
        this.ownership = ownership;
        this.lag = lag;
        this.idleMs = config.idleClose().toMillis();
        this.inputs = new String[] {config.metricsTopic(), config.rumTopic()};
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        super.init(context); // the parked store: records parked before a restart replay on its first tick
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
        store.configureFirstSize(DetailSeries::isDetail, detailWindowMs);
        store.configureVersions(EventDecoder::versionSeriesId, EventDecoder::seriesOfVersion,
            config.releaseWindowMillis(decoder.release()));
        store.loadIfNeeded(); // runs after restoration: the inner store is complete here
        if (impactConfig.enabled()) {
            impact = new ImpactWindows(context.getStateStore(StatsTopology.IMPACT_STORE), impactConfig,
                config.grace().toMillis());
            impact.load();
        }
        out = new StatsOutput(context, store, self, clock, details, rumElements, impact);
        emit = out::emit;
        partials = new StatsPartials(store, decoder, impact, out, emit, late);
        maxEventTime = store.streamTime();
        eventTimeMovedAt = context.currentSystemTimeMs();
        inputPartitions = new TopicPartition[] {new TopicPartition(inputs[0], self), new TopicPartition(inputs[1], self)};
        fetched = FetchedOffsets.ofCurrentThread();
        if (fetched != null) {
            for (TopicPartition tp : inputPartitions) {
                fetched.forget(tp);
            }
        } else if (Thread.currentThread().getName().contains("-StreamThread-")) {
            LOG.warn("task {}: no record of what its consumer polled (was kafka.streams.main.consumer.interceptor.classes "
                + "set?): the input gate sees only the consumer's lag, and events buffered in Kafka Streams may be late",
                context.taskId());
        }
        lookAtInputLag(context.currentSystemTimeMs());
        context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    /** A record from another task of this stage (the partials topic): no registry involved, never parked. */
    @Override
    protected boolean direct(ParkedRecord r) {
        if (config.partialsTopic().equals(r.topic())) {
            partials.handle(r);
            return true;
        }
        return false;
    }

    /**
     * One event, live or replayed after a registry outage. The decode comes first: an unreachable
     * registry ({@code RegistryUnavailableException}) leaves nothing changed, and the record is parked.
     */
    @Override
    protected void handle(ParkedRecord r) {
        int input = input(r.topic());
        if (input >= 0 && r.offset() > handled[input]) {
            handled[input] = r.offset();
        }
        Observation o;
        try {
            o = decoder.decode(r.topic() == null ? "?" : r.topic(), r.value());
            eventsIn(r);
        } catch (DecodeException e) {
            out.deadLetter(r, e.code(), e.getMessage());
            return;
        }
        long closedAt = store.closedAt(o.timestamp());
        if (closedAt >= 0) {
            long n = o.buckets() == null ? 1 : o.buckets().count(); // a histogram event is many measurements
            late.inc(n);
            if (o.series() != null) {
                store.countLate(o.series().id(), o.unit(), n);
            }
            out.deadLetter(r, "late", "event time " + Instant.ofEpochMilli(o.timestamp()) + " is late: its "
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
                out.toOwner(o.impact().key(), o.impact().encode(), o.timestamp());
            }
        }
        if (o.timestamp() > maxEventTime) {
            maxEventTime = o.timestamp();
        }
        if (input >= 0 && o.timestamp() > inputTime[input]) {
            inputTime[input] = o.timestamp();
        }
        long now = context.currentSystemTimeMs();
        lookAtInputLag(now, input); // as of the consumer's last fetch: what Kafka Streams' own idle check would read
        store.advance(readyTime(now), emit);
        out.flushDetails();
        if (ownership.tasks() > 1 && Math.floorDiv(store.streamTime(), sizes[0]) != Math.floorDiv(announced, sizes[0])) {
            announce();
        }
    }

    /** Adds a measurement to the windows of its series (and its release and detail series); false when refused. */
    private boolean addToWindows(ParkedRecord r, Observation o) {
        String refused = o.buckets() == null // with its version, also into its per-version series
            ? store.add(o.series().id(), o.timestamp(), o.value(), o.error(), o.rating(), o.unit(), o.instance(), o.version())
            : store.add(o.series().id(), o.timestamp(), o.buckets(), o.error(), o.unit(), o.instance(), o.version());
        if (refused != null) {
            out.deadLetter(r, "validation", refused);
            return false;
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

    /** 0 for the metrics topic, 1 for RUM, -1 for any other (a record replayed without its topic, in tests). */
    private int input(String topic) {
        return inputs[0].equals(topic) ? 0 : inputs[1].equals(topic) ? 1 : -1;
    }

    /**
     * How far stream time may go: the largest event time read, held back to the largest event time of
     * an input that still has data on the broker, or was read to its end too recently to be sure it has not
     * (to where it already is, when that input gave nothing yet).
     */
    private long readyTime(long now) {
        long t = maxEventTime;
        for (int i = 0; i < inputs.length; i++) {
            if ((behind[i] || now - settledSince[i] < lag.settleMillis()) && inputTime[i] < t) {
                t = Math.max(inputTime[i], Math.min(t, store.streamTime()));
            }
        }
        return t;
    }

    /**
     * An input is behind while its partition has data on the broker that the consumer has not fetched (its lag as of
     * the last fetch) or records that a poll returned and this task has not handled yet (in Kafka Streams' buffer).
     *
     * <p>"As of the last fetch" can be older than the record being handled: while a partition has records in the
     * consumer's buffer, the consumer leaves it out of its fetches, and the fetch that brought the other input's record
     * may have left it out. SecuredPipelineIT (2026-12-07): the load generator wrote 20 minutes of events in 2 s, the
     * collector a beacon at the present right after; the beacon came in while the metrics partition's last fetch, made
     * before the load generator's last seconds were written, said it was read to its end, and stream time jumped to
     * the present: the load generator's last 2 minutes were counted late. So an input that has just been read to its
     * end after its event time moved holds stream time for {@link InputLag#settleMillis()} more, the time its consumer
     * takes to fetch it again. Only when its event time moved: an input that keeps bringing events no newer than before
     * holds nothing for that.
     */
    private void lookAtInputLag(long now) {
        lookAtInputLag(now, -1);
    }

    /** @param justRead the input of the record just handled (-1: none): it had a record to read, so it was behind */
    private void lookAtInputLag(long now, int justRead) {
        for (int i = 0; i < inputs.length; i++) {
            boolean was = behind[i] || i == justRead;
            behind[i] = !lag.caughtUp(inputs[i], self) || fetched != null && fetched.last(inputPartitions[i]) > handled[i];
            if (was && !behind[i] && inputTime[i] > settledAt[i]) {
                settledSince[i] = now;
                settledAt[i] = inputTime[i];
            }
        }
    }

    /**
     * Says so when an input that still has data on the broker has held stream time back for {@link #HELD_WARN_MS}
     * without its event time moving (its partition's leader away, its records parked): the windows of every series of
     * this task wait for it, and the log is where a user learns why (at most one line a minute).
     */
    private void warnIfHeld(long now) {
        for (int i = 0; i < inputs.length; i++) {
            if (!behind[i] || inputTime[i] >= maxEventTime) {
                heldSince[i] = -1;
                continue;
            }
            if (heldSince[i] < 0 || inputTime[i] != heldAt[i]) { // holding from now on, or it moved
                heldAt[i] = inputTime[i];
                heldSince[i] = now;
                continue;
            }
            if (now - heldSince[i] >= HELD_WARN_MS && now - heldWarnedAt >= HELD_WARN_MS) {
                heldWarnedAt = now;
                LOG.warn("task {}: {}-{} still has data on the broker, or is not known to be read to its end ({}), but gave"
                    + " no newer event for {} s; stream time waits at its event time {} while the task's newest event is at {},"
                    + " so no window of this task closes until it is read (see \"Two inputs, one clock\" in streams/README.md)",
                    context.taskId(), inputs[i], self, whyBehind(i), (now - heldSince[i]) / 1000,
                    inputTime[i] == Long.MIN_VALUE ? "(none read yet)" : Instant.ofEpochMilli(inputTime[i]),
                    Instant.ofEpochMilli(maxEventTime));
            }
        }
    }

    /**
     * Says so when the input has been quiet for {@code stats.idle.close} plus {@link #HELD_WARN_MS} but stream time cannot
     * follow the wall clock because an input partition is not known to be read to its end: this task's windows stay
     * open, and every owner waits for its watermark. (An input with newer events than the rest is {@link #warnIfHeld}'s.)
     */
    private void warnIfIdleHeld(long now) {
        if (now - eventTimeMovedAt < idleMs + HELD_WARN_MS || now - idleWarnedAt < HELD_WARN_MS || parked() > 0) {
            return; // parked records: ParkedRecords logs every failed attempt
        }
        for (int i = 0; i < inputs.length; i++) {
            if (behind[i] && inputTime[i] >= maxEventTime) {
                idleWarnedAt = now;
                LOG.warn("task {}: no new event for {} s, but {}-{} is not known to be read to its end ({}); stream time"
                    + " stays at {} instead of following the wall clock, so the windows this task owns stay open and every"
                    + " owner waits for this task's watermark", context.taskId(), (now - eventTimeMovedAt) / 1000,
                    inputs[i], self, whyBehind(i), time(store.streamTime()));
                return;
            }
        }
    }

    /**
     * Says so when windows this task owns are due by its own stream time but another task's watermark has kept them
     * open without moving for {@link #HELD_WARN_MS}: that task has not said it forwarded every partial of them (it is
     * not running, or its own stream time is held, which its log says). A watermark that moves but trails (producers
     * whose partitions are minutes apart in event time) closes the windows in its turn and is not reported.
     */
    private void warnIfWaiting(long now) {
        int task = store.waitingFor();
        long watermark = task < 0 ? Long.MIN_VALUE : store.watermarkOf(task);
        if (task != waitingFor || watermark != waitingAt) {
            waitingFor = task;
            waitingAt = watermark;
            waitingSince = now;
            return;
        }
        if (task >= 0 && now - waitingSince >= HELD_WARN_MS && now - waitWarnedAt >= HELD_WARN_MS) {
            waitWarnedAt = now;
            LOG.warn("task {}: windows due by its stream time {} have waited {} s for task {} of this stage, whose watermark"
                + " has stayed at {}: an owner closes a window only once every task has announced a watermark past it (its"
                + " partials are in); that task's log says what holds its stream time, or it is not running",
                context.taskId(), time(store.streamTime()), (now - waitingSince) / 1000, task, time(watermark));
        }
    }

    /** Why input {@code i} counts as behind: records polled and not handled, or what its lag reading says. */
    private String whyBehind(int i) {
        if (fetched != null && fetched.last(inputPartitions[i]) > handled[i]) {
            return "records polled up to offset " + fetched.last(inputPartitions[i]) + " and handled up to " + handled[i];
        }
        return lag.whyBehind(inputs[i], self);
    }

    private static String time(long t) {
        return t == Long.MIN_VALUE ? "(none yet)" : Instant.ofEpochMilli(t).toString();
    }

    /** Tells every owner how far this task's stream time is: it has forwarded every partial up to there. */
    private void announce() {
        announced = store.streamTime();
        out.watermark(announced);
    }

    /**
     * Wall-clock tick: looks at which inputs still have data on the broker (input order, above), moves
     * stream time on when the input has been quiet for {@code stats.idle.close}
     * (nothing parked, every input partition of this task consumed to its end), and announces the
     * watermark when it moved since the last announcement.
     */
    private void tick(long now) {
        if (maxEventTime != lastSeenEventTime) {
            lastSeenEventTime = maxEventTime;
            eventTimeMovedAt = now;
        }
        lookAtInputLag(now);
        warnIfHeld(now);
        warnIfIdleHeld(now);
        long target = Math.max(store.streamTime(), readyTime(now));
        if (now - eventTimeMovedAt >= idleMs && parked() == 0 && !behind[0] && !behind[1]) { // read to the end
            target = Math.max(target, now - idleMs);
        }
        store.advance(target, emit);
        warnIfWaiting(now);
        out.flushDetails();
        if (ownership.tasks() > 1 && store.streamTime() > announced) {
            announce();
        }
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
}
