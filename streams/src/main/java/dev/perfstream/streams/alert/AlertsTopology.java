package dev.perfstream.streams.alert;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.alert.rule.RuleSet;
import dev.perfstream.streams.alert.slo.SloBuckets;
import dev.perfstream.streams.alert.state.AlertStatusSerde;
import dev.perfstream.streams.release.RegressionProcessor;
import dev.perfstream.streams.retry.ParkedRecords;
import java.time.Clock;
import java.util.Map;
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

    /**
     * @param c      configuration (topics)
     * @param codecs wire codecs for stats in, alerts and dead letters out
     * @param rules  current rules; read per record, so a reload applies without a restart
     * @param clock  wall clock for {@code notifiedAt} and dead letters
     */
    public static Topology build(AlertsConfig c, Wire codecs, Supplier<RuleSet> rules, Clock clock) {
        StreamsBuilder b = new StreamsBuilder();
        Serde<WindowStats> statsSerde = serde(codecs.stats());
        b.addStateStore(ParkedRecords.storeBuilder(PARKED_STORE));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STATUS_STORE), Serdes.String(),
            new AlertStatusSerde()));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SLO_STORE), Serdes.String(),
            SloBuckets.serde()));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RegressionProcessor.STORE),
            Serdes.String(), Serdes.ByteArray()));

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

        Map<String, KStream<String, WindowStats>> byKind = branches.get("alerts-good")
            .mapValues(Decoded::stats, Named.as("alerts-unwrap"))
            .repartition(Repartitioned.with(Serdes.String(), statsSerde).withName(BY_SERVICE))
            .split(Named.as("alerts-windows-"))
            .branch((k, v) -> v.getServiceVersion() != null, Branched.as("release"))
            .defaultBranch(Branched.as("series"));
        byKind.get("alerts-windows-series")
            .process(() -> new AlertProcessor(rules, clock, c.unmatchedWarnAfter()), Named.as("alerts-evaluate"),
                STATUS_STORE, SLO_STORE)
            .to(c.alertsTopic(), Produced.with(Serdes.String(), serde(codecs.alerts())).withName("alerts-sink"));
        // Per-version windows (release comparison): REGRESSION alerts, same topic.
        byKind.get("alerts-windows-release")
            .process(() -> new RegressionProcessor(c.release(), clock), Named.as("alerts-release"), RegressionProcessor.STORE)
            .to(c.alertsTopic(), Produced.with(Serdes.String(), serde(codecs.alerts())).withName("alerts-release-sink"));
        return b.build();
    }

    private static <T> Serde<T> serde(RecordCodec<T> codec) {
        return new dev.perfstream.schemas.serde.CodecSerde<>(codec);
    }
}
