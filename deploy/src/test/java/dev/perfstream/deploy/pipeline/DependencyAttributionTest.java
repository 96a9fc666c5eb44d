package dev.perfstream.deploy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.ingest.loadgen.Incident;
import dev.perfstream.ingest.loadgen.IncidentLabels;
import dev.perfstream.ingest.loadgen.IncidentKind;
import dev.perfstream.ingest.loadgen.LoadGenerator;
import dev.perfstream.ingest.loadgen.TrafficModel;
import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.AttributionCause;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.alerts.AlertsApp;
import dev.perfstream.streams.alerts.AlertsConfig;
import dev.perfstream.streams.alerts.AlertsTopology;
import dev.perfstream.streams.alerts.rule.RuleParser;
import dev.perfstream.streams.alerts.rule.RuleSet;
import dev.perfstream.streams.stats.InputLag;
import dev.perfstream.streams.stats.QueryCacheConfig;
import dev.perfstream.streams.stats.SeriesOwnership;
import dev.perfstream.streams.stats.StatsApp;
import dev.perfstream.streams.stats.StatsConfig;
import dev.perfstream.streams.stats.StatsTopology;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The load generator's dependency-caused slowdowns, each labelled with its true cause ({@link IncidentLabels#causes}),
 * through the real stats topology and the alerts topology (TopologyTestDriver, no broker): the demo's traffic at 60
 * events/s, calm for 6 minutes, then the incident; a baseline rule on the incident route's mean latency (class
 * high-latency) fires, and its attribution must rank the labelled cause first: the slow statement, the cold cache, CPU
 * saturation, the slow database; a latency spike in the route's own code must come out unexplained.
 */
class DependencyAttributionTest {
    private static final Duration MIN = Duration.ofMinutes(1);
    private static final Instant T0 = Instant.parse("2026-11-26T14:00:00Z");
    private static final Settings JSON = Settings.of(Map.of());

    @TempDir
    Path tmp;

    static List<Incident> incidents() {
        Instant s = T0.plus(MIN.multipliedBy(6));
        Instant e = T0.plus(MIN.multipliedBy(10));
        return List.of(
            new Incident(IncidentKind.SLOW_QUERY, "catalog", "/api/products", s, e, 15),
            new Incident(IncidentKind.COLD_CACHE, "catalog", "/api/products/{id}", s, e, 0.2),
            new Incident(IncidentKind.CPU_SATURATION, "checkout", null, s, e, 2),
            new Incident(IncidentKind.SLOW_DATABASE, "catalog", "/api/search", s, e, 8),
            new Incident(IncidentKind.LATENCY_SPIKE, "users", "/api/login", s, e, 3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("incidents")
    void shouldRankTheIncidentsTrueCauseFirst(Incident incident) throws Exception {
        TrafficModel model = TrafficModel.demo().withRate(60);
        String route = incident.route() != null ? incident.route() : "/api/cart/{id}";
        List<String> labelled = IncidentLabels.causes(model, incident).stream()
            .filter(c -> c.split("\\|", 4)[2].equals(route)).toList();
        Alert firing = run(model, incident, route);

        Attribution a = firing.getAttribution();
        System.out.printf(Locale.ROOT, "%-15s %-22s mean %+.1f ms, %s: %s%n", incident.kind(), route, a.getMeanDelta(),
            labelled.isEmpty() ? "no labelled cause" : "labelled " + labelled.get(0),
            dev.perfstream.streams.alerts.attribution.Bottlenecks.text(a));
        assertThat(a.getBaselineWindows()).isEqualTo(5);
        if (labelled.isEmpty()) {
            assertThat(a.getUnexplained()).as("nothing but the route's own code moved").isGreaterThan(0.9);
            assertThat(a.getCauses()).allSatisfy(c -> assertThat(c.getShare()).isLessThan(0.1));
            return;
        }
        String[] cause = labelled.get(0).split("\\|", 4);
        AttributionCause top = a.getCauses().get(0);
        if (incident.kind() == IncidentKind.SLOW_DATABASE) {
            // every statement of the service slowed: the DB is the cause, the statement named is the one that rose most
            assertThat(top.getKind()).isIn("db", "db_statement");
        } else {
            assertThat(top.getKind()).isEqualTo(cause[0]);
            assertThat(top.getName()).isEqualTo(cause[3]);
        }
        assertThat(top.getShare()).as("share of the route's change").isGreaterThan(0.7);
    }

    /** Demo traffic with the incident through both topologies; the first FIRING of the baseline rule on the route. */
    private Alert run(TrafficModel model, Incident incident, String route) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("stats.windows", "1m");
        m.put("stats.rollup", "off");
        m.put("stats.grace", "5s");
        m.put("state.dir", tmp.resolve("state").toString());
        Settings settings = Settings.of(m);
        StatsConfig sc = StatsConfig.from(settings);
        Properties sp = StatsApp.properties(sc);
        sp.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("stats-state").toString());
        String rules = String.format(Locale.ROOT, """
            rules:
              - id: route-mean-up
                select: {metric: http.server.duration, service: "%s", route: "%s"}
                statistic: mean
                op: ">"
                baseline: {factor: 1.08, windows: 10, min-windows: 4}
                threshold: 1ms
                min-count: 50
                for: 2
                class: high-latency
            """, incident.service(), route);
        RuleSet rs = RuleParser.parse("attribution.yaml", rules, Set.of(MIN));
        AlertsConfig ac = AlertsConfig.from(settings);
        Properties ap = AlertsApp.properties(ac, JSON);
        ap.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        ap.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("alerts-state").toString());
        RecordCodec<MetricEvent> events = Codecs.create(MetricEvent.getClassSchema(), JSON);
        RecordCodec<Alert> alertCodec = Codecs.create(Alert.getClassSchema(), JSON);
        // the validator refuses events from the future: the stage's clock is after the last event
        Instant now = T0.plus(Duration.ofHours(1));
        try (TopologyTestDriver stats = new TopologyTestDriver(StatsTopology.build(sc, QueryCacheConfig.from(settings),
                 settings, Clock.fixed(now, ZoneOffset.UTC), SeriesOwnership.SINGLE, InputLag.NONE, new AtomicLong()), sp, now);
             TopologyTestDriver alerts = new TopologyTestDriver(AlertsTopology.build(ac,
                 new AlertsTopology.Wire(Codecs.create(WindowStats.getClassSchema(), JSON), alertCodec,
                     Codecs.create(DeadLetter.getClassSchema(), JSON)),
                 new AlertsTopology.Derived(Topics.QUERIES, Topics.CACHE, Codecs.create(QueryStats.getClassSchema(), JSON),
                     Codecs.create(CacheStats.getClassSchema(), JSON)), () -> rs, Clock.fixed(T0, ZoneOffset.UTC)), ap, T0)) {
            TestInputTopic<byte[], byte[]> metrics = stats.createInputTopic(sc.metricsTopic(), new ByteArraySerializer(),
                new ByteArraySerializer());
            QueryCacheConfig qc = QueryCacheConfig.from(settings);
            List<TestOutputTopic<String, byte[]>> outs = List.of(
                stats.createOutputTopic(sc.statsTopic(), new StringDeserializer(), new ByteArrayDeserializer()),
                stats.createOutputTopic(qc.queriesTopic(), new StringDeserializer(), new ByteArrayDeserializer()),
                stats.createOutputTopic(qc.cacheTopic(), new StringDeserializer(), new ByteArrayDeserializer()));
            List<TestInputTopic<String, byte[]>> ins = List.of(
                alerts.createInputTopic(Topics.STATS, new org.apache.kafka.common.serialization.StringSerializer(),
                    new ByteArraySerializer()),
                alerts.createInputTopic(Topics.QUERIES, new org.apache.kafka.common.serialization.StringSerializer(),
                    new ByteArraySerializer()),
                alerts.createInputTopic(Topics.CACHE, new org.apache.kafka.common.serialization.StringSerializer(),
                    new ByteArraySerializer()));
            TestOutputTopic<byte[], byte[]> fired = alerts.createOutputTopic(Topics.ALERTS, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
            List<Alert> got = new ArrayList<>();
            // Each minute of events into the stats stage, then what it emitted into the alerts stage.
            long[] next = {T0.plus(MIN).toEpochMilli()};
            Runnable move = () -> {
                for (int k = 0; k < 3; k++) {
                    for (TestRecord<String, byte[]> r : outs.get(k).readRecordsToList()) {
                        ins.get(k).pipeInput(r.key(), r.value(), r.timestamp());
                    }
                }
                for (TestRecord<byte[], byte[]> r : fired.readRecordsToList()) {
                    try {
                        got.add(alertCodec.decode(Topics.ALERTS, r.value()));
                    } catch (DecodeException ex) {
                        throw new AssertionError(ex);
                    }
                }
            };
            // windows 6 and 7 breach (for: 2): the FIRING of window 7 is out once stream time passes its end and grace
            new LoadGenerator(model, List.of(incident), 7).generate(T0, T0.plus(Duration.ofSeconds(510)), 0, e -> {
                if (e.getTimestamp().toEpochMilli() >= next[0]) {
                    move.run();
                    next[0] += MIN.toMillis();
                }
                metrics.pipeInput(e.getService().getBytes(StandardCharsets.UTF_8), events.encode(sc.metricsTopic(), e),
                    e.getTimestamp());
            }, r -> { });
            move.run();
            return firstFiring(got, incident);
        }
    }

    private static Alert firstFiring(List<Alert> alerts, Incident incident) throws DecodeException {
        for (Alert a : alerts) {
            if (a.getState() == AlertState.FIRING) {
                assertThat(a.getWindowEnd()).as("no alert before the incident: " + a.getSummary()).isAfter(incident.start());
                return a;
            }
        }
        throw new AssertionError("the incident raised no alert on its route: " + alerts);
    }
}
