package dev.perfstream.streams.stats;

import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.RumElementStats;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.UxImpact;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.validate.EventValidator;
import dev.perfstream.streams.impact.ImpactConfig;
import dev.perfstream.streams.release.ReleaseConfig;
import dev.perfstream.streams.stats.state.SeriesWindowStoreBuilder;
import dev.perfstream.streams.outage.ParkedRecords;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The stats stage: {@code perf.metrics} and {@code perf.rum} (raw bytes) into one processor that
 * keeps every open window of every series in a {@code SeriesWindowStore}, out to
 * {@code perf.stats} (final {@link WindowStats} per series and window), {@code perf.queries} (the top
 * statements of each service and window, {@link QueryStats}), {@code perf.cache} (hit ratio per service,
 * cache and window, {@link CacheStats}; both from {@link DetailSeries}), {@code perf.rum.elements} (RUM stats per
 * element and script, page and window, {@link RumElementStats}, from {@link RumAttributes}), {@code perf.impact} (conversion rate by
 * LCP / INP bucket and the gain of a faster p75 per page, goal and hour, {@link UxImpact}, from the sessions the
 * {@code dev.perfstream.streams.impact} windows join) and {@code perf.deadletter}.
 *
 * <p>Processor API rather than the DSL: a DSL {@code aggregate} reads and writes the sketch through
 * its serde for every event; here the sketch stays a live object and is encoded once per commit.
 *
 * <p>Partitioning: producers may key records any way, or not at all. Each series has one owner
 * task ({@link SeriesOwnership}); a task that receives events of a series it does not own forwards
 * one partial aggregate per series and window through the stage's partials topic
 * ({@link StatsConfig#partialsTopic()}), which this same processor reads: the owner merges it. A
 * producer that keys by service (metrics) or app (RUM) sends every event to its owner directly.
 */
public final class StatsTopology {
    public static final String METRICS_SOURCE = "stats-metrics-source";
    public static final String RUM_SOURCE = "stats-rum-source";
    public static final String PARTIALS_SOURCE = "stats-partials-source";
    public static final String PARTIALS_SINK = "stats-partials-sink";
    public static final String PROCESSOR = "stats-windows";
    /** State store; its changelog topic is {@code <application.id>-perfstream-stats-windows-changelog}. */
    public static final String STORE = "perfstream-stats-windows";
    /** Records waiting for an unreachable schema registry; changelog {@code <application.id>-perfstream-stats-parked-changelog}. */
    public static final String PARKED_STORE = "perfstream-stats-parked";
    public static final String STATS_SINK = "stats-sink";
    public static final String DEADLETTER_SINK = "stats-deadletter-sink";
    /** Top statements per service and window ({@link QueryStats}), keyed by service. */
    public static final String QUERIES_SINK = "stats-queries-sink";
    /** Cache effectiveness per service, cache and window ({@link CacheStats}), keyed by service. */
    public static final String CACHE_SINK = "stats-cache-sink";
    /** Speed vs conversion per app, page, goal, vital and window ({@link UxImpact}), keyed by app. */
    public static final String IMPACT_SINK = "stats-impact-sink";
    /** RUM stats per element and script, page and window ({@link RumElementStats}), keyed by app. */
    public static final String RUM_ELEMENTS_SINK = "stats-rum-elements-sink";
    /** Sessions of the open impact windows; changelog {@code <application.id>-perfstream-stats-impact-changelog}. */
    public static final String IMPACT_STORE = "perfstream-stats-impact";

    private StatsTopology() {
    }

    /**
     * For tests: one owner, no lag, the statement and cache aggregations from {@code settings} as they are (the
     * running stage prepares them first, see {@link StatsApp}: it creates their topics or turns them off).
     *
     * @param settings for the codecs (wire format, registry)
     * @param clock    wall clock for event validation (max age / future) and dead-letter times
     */
    static Topology build(StatsConfig c, Settings settings, Clock clock) {
        return build(c, settings, clock, SeriesOwnership.SINGLE, InputLag.NONE, new AtomicLong());
    }

    /**
     * @param ownership   tasks and owners of the running stage ({@link StatsPartitions#prepare})
     * @param lag         whether a task's input is read to its end (the quiet-input rule)
     * @param parkedGauge counts records parked across this instance's tasks while the registry is unreachable
     */
    static Topology build(StatsConfig c, Settings userSettings, Clock clock, SeriesOwnership ownership,
                                 InputLag lag, AtomicLong parkedGauge) {
        return build(c, QueryCacheConfig.from(userSettings), userSettings, clock, ownership, lag, parkedGauge);
    }

    /**
     * The stage's topology.
     *
     * @param qc the statement and cache aggregations ({@code perf.queries}, {@code perf.cache}) as prepared for the
     *           cluster: their topics exist, or they are turned off ({@link StatsApp})
     */
    public static Topology build(StatsConfig c, QueryCacheConfig qc, Settings userSettings, Clock clock,
                                 SeriesOwnership ownership, InputLag lag, AtomicLong parkedGauge) {
        return build(c, qc, ImpactConfig.from(userSettings, c.windows().get(0)), userSettings, clock, ownership, lag,
            parkedGauge);
    }

    /** @param ic speed vs conversion ({@code perf.impact}) */
    public static Topology build(StatsConfig c, QueryCacheConfig qc, ImpactConfig ic, Settings userSettings, Clock clock,
                                 SeriesOwnership ownership, InputLag lag, AtomicLong parkedGauge) {
        return build(c, qc, ic, RumElementsConfig.from(userSettings), userSettings, clock, ownership, lag, parkedGauge);
    }

    /** @param rc RUM stats by element and script ({@code perf.rum.elements}) as prepared for the cluster */
    public static Topology build(StatsConfig c, QueryCacheConfig qc, ImpactConfig ic, RumElementsConfig rc,
                                 Settings userSettings, Clock clock, SeriesOwnership ownership, InputLag lag,
                                 AtomicLong parkedGauge) {
        Settings settings = ParkedRecords.forStreamThread(userSettings);
        ParkedRecords.Config outage = ParkedRecords.Config.from(settings);
        RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), settings);
        RecordCodec<DeadLetter> dlqCodec = Codecs.create(DeadLetter.getClassSchema(), settings);
        Serializer<WindowStats> statsSer = (topic, v) -> v == null ? null : statsCodec.encode(topic, v);
        Serializer<DeadLetter> dlqSer = (topic, v) -> v == null ? null : dlqCodec.encode(topic, v);
        RecordCodec<QueryStats> queriesCodec = Codecs.create(QueryStats.getClassSchema(), settings);
        RecordCodec<CacheStats> cacheCodec = Codecs.create(CacheStats.getClassSchema(), settings);
        Serializer<QueryStats> queriesSer = (topic, v) -> v == null ? null : queriesCodec.encode(topic, v);
        Serializer<CacheStats> cacheSer = (topic, v) -> v == null ? null : cacheCodec.encode(topic, v);

        long[] sizes = c.sizesMillis();
        Topology t = new Topology();
        t.addSource(METRICS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), c.metricsTopic());
        t.addSource(RUM_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), c.rumTopic());
        t.addSource(PARTIALS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), c.partialsTopic());
        t.addProcessor(PROCESSOR, () -> new StatsProcessor(c, qc, ic, rc, owned -> decoder(c, qc, settings, clock, owned), clock,
            outage, parkedGauge, ownership, lag), METRICS_SOURCE, RUM_SOURCE, PARTIALS_SOURCE);
        if (ic.enabled()) {
            KeyValueBytesStoreSupplier impactStore = c.persistentStore() ? Stores.persistentKeyValueStore(IMPACT_STORE)
                : Stores.inMemoryKeyValueStore(IMPACT_STORE);
            t.addStateStore(Stores.keyValueStoreBuilder(impactStore, Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled(),
                PROCESSOR);
            RecordCodec<UxImpact> impactCodec = Codecs.create(UxImpact.getClassSchema(), settings);
            Serializer<UxImpact> impactSer = (topic, v) -> v == null ? null : impactCodec.encode(topic, v);
            t.addSink(IMPACT_SINK, ic.topic(), new StringSerializer(), impactSer, PROCESSOR);
        }
        if (rc.enabled()) {
            RecordCodec<RumElementStats> elementsCodec = Codecs.create(RumElementStats.getClassSchema(), settings);
            Serializer<RumElementStats> elementsSer = (topic, v) -> v == null ? null : elementsCodec.encode(topic, v);
            t.addSink(RUM_ELEMENTS_SINK, rc.topic(), new StringSerializer(), elementsSer, PROCESSOR);
        }
        t.addStateStore(ParkedRecords.storeBuilder(PARKED_STORE), PROCESSOR);
        t.addStateStore(new SeriesWindowStoreBuilder(STORE, c.persistentStore(), sizes, c.windows().size(),
            c.grace().toMillis(), c.relativeAccuracy(), c.maxBins()), PROCESSOR);
        t.addSink(STATS_SINK, c.statsTopic(), new StringSerializer(), statsSer, PROCESSOR);
        t.addSink(DEADLETTER_SINK, c.deadLetterTopic(), new ByteArraySerializer(), dlqSer, PROCESSOR);
        t.addSink(QUERIES_SINK, qc.queriesTopic(), new StringSerializer(), queriesSer, PROCESSOR);
        t.addSink(CACHE_SINK, qc.cacheTopic(), new StringSerializer(), cacheSer, PROCESSOR);
        t.addSink(PARTIALS_SINK, c.partialsTopic(), new StringSerializer(), new ByteArraySerializer(),
            ownership.partitioner(), PROCESSOR);
        return t;
    }

    static EventDecoder decoder(StatsConfig c, QueryCacheConfig qc, Settings settings, Clock clock,
                                SeriesOwnership.Owned owned) {
        RecordCodec<MetricEvent> metrics = Codecs.create(MetricEvent.getClassSchema(), settings);
        RecordCodec<RumEvent> rum = Codecs.create(RumEvent.getClassSchema(), settings);
        return new EventDecoder(c.metricsTopic(), metrics, rum, new EventValidator(clock, c.maxAge(), c.maxFuture()),
            c.routeCap(), owned, ReleaseConfig.from(settings), qc);
    }
}
