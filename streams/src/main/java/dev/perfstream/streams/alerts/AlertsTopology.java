package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.alerts.attribution.AttributionConfig;
import dev.perfstream.streams.alerts.attribution.Feed;
import dev.perfstream.streams.alerts.rule.RuleSet;
import dev.perfstream.streams.alerts.slo.SloBuckets;
import dev.perfstream.streams.alerts.state.AlertStatusSerde;
import dev.perfstream.streams.release.RegressionProcessor;
import dev.perfstream.streams.outage.ParkedRecords;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * perf.stats -> decode (bad records to perf.deadletter) -> repartition by service -> rules, SLOs
 * and the alert state machine -> perf.alerts (keyed by fingerprint). The per-version windows of release
 * comparison (records with {@code serviceVersion}) take the other branch after the repartition: the
 * release test and REGRESSION alerts ({@link RegressionProcessor}), to the same topic.
 * When they exist, perf.queries and perf.cache -> decode -> the same rules ({@link Derived}) -> perf.alerts.
 *
 * <p>Bottleneck attribution ({@code alerts.attribution.enabled}): the statement and cache records also join the
 * perf.stats windows before the repartition by service (marked, {@link AttributionFeed}), so that the evaluating
 * processor keeps the recent windows of every route, dependency, statement and cache of a service
 * ({@link #ATTRIBUTION_STORE}) and attributes its route latency alerts ({@link #ATTRIBUTION_HELD_STORE}).
 *
 * <p>The repartition by service puts every series of a service and its SLO buckets in one task;
 * it costs one extra hop (one more exactly-once commit interval of latency), measured by the
 * alert latency benchmark.
 */
public final class AlertsTopology {
    /** Alert status by fingerprint (changelogged). */
    public static final String STATUS_STORE = "alerts-status";
    /** SLO event/error buckets per service (changelogged). */
    public static final String SLO_STORE = "alerts-slo-buckets";
    /** Baselines of baseline rules by alert fingerprint (changelogged). */
    public static final String BASELINE_STORE = "alerts-baselines";
    /** Bottleneck attribution: recent windows of each route and dependency per service (changelogged). */
    public static final String ATTRIBUTION_STORE = "alerts-attribution";
    /** Bottleneck attribution: FIRING route latency alerts waiting for their window's dependency records. */
    public static final String ATTRIBUTION_HELD_STORE = "alerts-attribution-held";
    /** Internal repartition topic (prefixed with the application id by Kafka Streams). */
    public static final String BY_SERVICE = "alerts-by-service";

    private AlertsTopology() {
    }

    /**
     * Serdes the topology needs: codecs from {@code Codecs.create} in production.
     *
     * @param outage      how perf.stats records wait out an unreachable schema registry (see ParkedRecords)
     * @param parkedGauge counts records parked while it is unreachable
     */
    public record Wire(RecordCodec<WindowStats> stats, RecordCodec<Alert> alerts, RecordCodec<DeadLetter> deadLetters,
                       ParkedRecords.Config outage, AtomicLong parkedGauge) {
        /** JSON-only wiring (no registry, nothing to wait for): for tests. */
        public Wire(RecordCodec<WindowStats> stats, RecordCodec<Alert> alerts, RecordCodec<DeadLetter> deadLetters) {
            this(stats, alerts, deadLetters, ParkedRecords.Config.from(Settings.of(Map.of())), new AtomicLong());
        }
    }

    /** perf.stats records waiting for an unreachable schema registry. */
    public static final String PARKED_STORE = "alerts-parked";
    /** The statement and cache sub-topology's stores: parked records, alert status, (unused) SLO buckets. */
    public static final String DERIVED_PARKED_STORE = "alerts-derived-parked";
    public static final String DERIVED_STATUS_STORE = "alerts-derived-status";
    public static final String DERIVED_SLO_STORE = "alerts-derived-slo-buckets";
    public static final String DERIVED_BASELINE_STORE = "alerts-derived-baselines";

    /**
     * The statement and cache topics the stage reads, when they exist ({@code perf.queries}, {@code perf.cache}):
     * their records are already keyed by service, so they need no repartition; each is seen as a window of a
     * series ({@link DerivedStats}) and evaluated by the same rules in a sub-topology of its own.
     *
     * @param queriesTopic null when not read
     * @param cacheTopic   null when not read
     */
    public record Derived(String queriesTopic, String cacheTopic, RecordCodec<QueryStats> queries,
                          RecordCodec<CacheStats> caches) {
        public static final Derived NONE = new Derived(null, null, null, null);

        List<String> topics() {
            List<String> t = new ArrayList<>(2);
            if (queriesTopic != null) {
                t.add(queriesTopic);
            }
            if (cacheTopic != null) {
                t.add(cacheTopic);
            }
            return t;
        }

        WindowStats decode(String topic, byte[] value) throws DecodeException {
            return topic.equals(queriesTopic) ? DerivedStats.of(queries.decode(topic, value))
                : DerivedStats.of(caches.decode(topic, value));
        }
    }

    /**
     * @param c      configuration (topics)
     * @param codecs wire codecs for stats in, alerts and dead letters out
     * @param rules  current rules; read per record, so a reload applies without a restart
     * @param clock  wall clock for {@code notifiedAt} and dead letters
     */
    public static Topology build(AlertsConfig c, Wire codecs, Supplier<RuleSet> rules, Clock clock) {
        return build(c, codecs, Derived.NONE, rules, clock);
    }

    /** @param derived the statement and cache topics to read as well ({@link Derived#NONE}: none) */
    public static Topology build(AlertsConfig c, Wire codecs, Derived derived, Supplier<RuleSet> rules, Clock clock) {
        StreamsBuilder b = new StreamsBuilder();
        RuleUsage usage = new RuleUsage(c.unmatchedWarnAfter()); // one per instance: every task, both evaluators
        Serde<WindowStats> statsSerde = serde(codecs.stats());
        b.addStateStore(ParkedRecords.storeBuilder(PARKED_STORE));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STATUS_STORE), Serdes.String(),
            new AlertStatusSerde()));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SLO_STORE), Serdes.String(),
            SloBuckets.serde()));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RegressionProcessor.STORE),
            Serdes.String(), Serdes.ByteArray()));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BASELINE_STORE), Serdes.String(),
            Serdes.String()));
        AttributionConfig attribution = c.attribution().enabled() ? c.attribution() : null;
        List<String> evaluateStores = new ArrayList<>(List.of(STATUS_STORE, SLO_STORE, BASELINE_STORE));
        if (attribution != null) {
            b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ATTRIBUTION_STORE), Serdes.String(),
                Serdes.ByteArray()));
            b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ATTRIBUTION_HELD_STORE),
                Serdes.String(), Serdes.ByteArray()));
            evaluateStores.add(ATTRIBUTION_STORE);
            evaluateStores.add(ATTRIBUTION_HELD_STORE);
        }
        KStream<String, WindowStats> views = derived.topics().isEmpty() ? null : derived(b, c, codecs, derived, rules, usage, clock);

        KStream<String, Decoded> decoded = b.stream(c.statsTopic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                .withName("alerts-stats-source"))
            .process(() -> new DecodeProcessor(codecs.stats(), clock, codecs.outage(), codecs.parkedGauge()),
                Named.as("alerts-decode"), PARKED_STORE);
        Map<String, KStream<String, Decoded>> branches = decoded.split(Named.as("alerts-"))
            .branch((k, v) -> v.dead() != null, Branched.as("dead"))
            .defaultBranch(Branched.as("good"));

        // Bad input: the original key and bytes, with the reason, to the dead-letter topic.
        branches.get("alerts-dead")
            .map((k, v) -> KeyValue.pair(v.rawKey(), codecs.deadLetters().encode(c.deadletterTopic(), v.dead())),
                Named.as("alerts-deadletter-encode"))
            .to(c.deadletterTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("alerts-deadletter-sink"));

        KStream<String, WindowStats> good = branches.get("alerts-good").mapValues(Decoded::stats, Named.as("alerts-unwrap"));
        Set<Feed> feeds = EnumSet.of(Feed.STATS);
        if (attribution != null && views != null) {
            // The statement and cache records go through the same repartition: in the same task as the service's routes.
            good = good.merge(views.mapValues(AttributionFeed::mark, Named.as("alerts-attribution-mark")),
                Named.as("alerts-attribution-merge"));
            if (derived.queriesTopic() != null) {
                feeds.add(Feed.QUERIES);
            }
            if (derived.cacheTopic() != null) {
                feeds.add(Feed.CACHE);
            }
        }
        Map<String, KStream<String, WindowStats>> byKind = good
            .repartition(Repartitioned.with(Serdes.String(), statsSerde).withName(BY_SERVICE))
            .split(Named.as("alerts-windows-"))
            .branch((k, v) -> v.getServiceVersion() != null, Branched.as("release"))
            .defaultBranch(Branched.as("series"));
        byKind.get("alerts-windows-series")
            .process(() -> new AlertProcessor(rules, clock, usage, attribution, feeds), Named.as("alerts-evaluate"),
                evaluateStores.toArray(String[]::new))
            .to(c.alertsTopic(), Produced.with(Serdes.String(), serde(codecs.alerts())).withName("alerts-sink"));
        // Per-version windows (release comparison): REGRESSION alerts, same topic.
        byKind.get("alerts-windows-release")
            .process(() -> new RegressionProcessor(c.release(), clock), Named.as("alerts-release"), RegressionProcessor.STORE)
            .to(c.alertsTopic(), Produced.with(Serdes.String(), serde(codecs.alerts())).withName("alerts-release-sink"));
        return b.build();
    }

    /** @return the decoded statement and cache views, keyed by service */
    private static KStream<String, WindowStats> derived(StreamsBuilder b, AlertsConfig c, Wire codecs, Derived derived,
                                                        Supplier<RuleSet> rules, RuleUsage usage, Clock clock) {
        b.addStateStore(ParkedRecords.storeBuilder(DERIVED_PARKED_STORE));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DERIVED_STATUS_STORE), Serdes.String(),
            new AlertStatusSerde()));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DERIVED_SLO_STORE), Serdes.String(),
            SloBuckets.serde()));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DERIVED_BASELINE_STORE), Serdes.String(),
            Serdes.String()));
        Map<String, KStream<String, Decoded>> branches = b.stream(derived.topics(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("alerts-derived-source"))
            .process(() -> new DecodeProcessor(derived::decode, DERIVED_PARKED_STORE, clock, codecs.outage(),
                codecs.parkedGauge()), Named.as("alerts-derived-decode"), DERIVED_PARKED_STORE)
            .split(Named.as("alerts-derived-"))
            .branch((k, v) -> v.dead() != null, Branched.as("dead"))
            .defaultBranch(Branched.as("good"));
        branches.get("alerts-derived-dead")
            .map((k, v) -> KeyValue.pair(v.rawKey(), codecs.deadLetters().encode(c.deadletterTopic(), v.dead())),
                Named.as("alerts-derived-deadletter-encode"))
            .to(c.deadletterTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
                .withName("alerts-derived-deadletter-sink"));
        // Keyed by service by the stats stage already: evaluated where they arrive, no repartition.
        KStream<String, WindowStats> views = branches.get("alerts-derived-good")
            .mapValues(Decoded::stats, Named.as("alerts-derived-unwrap"));
        views.process(() -> new AlertProcessor(rules, clock, usage, DERIVED_STATUS_STORE, DERIVED_SLO_STORE,
                DERIVED_BASELINE_STORE), Named.as("alerts-derived-evaluate"), DERIVED_STATUS_STORE, DERIVED_SLO_STORE,
                DERIVED_BASELINE_STORE)
            .to(c.alertsTopic(), Produced.with(Serdes.String(), serde(codecs.alerts())).withName("alerts-derived-sink"));
        return views;
    }

    private static <T> Serde<T> serde(RecordCodec<T> codec) {
        return new dev.perfstream.schemas.serde.CodecSerde<>(codec);
    }
}
