package dev.perfstream.streams.alerts;

import static dev.perfstream.streams.alerts.StatsFixtures.MINUTE;
import static dev.perfstream.streams.alerts.StatsFixtures.T0;
import static dev.perfstream.streams.alerts.StatsFixtures.api;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.alerts.rule.RuleParser;
import dev.perfstream.streams.alerts.rule.RuleSet;
import dev.perfstream.streams.alerts.rule.RuleSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertsTopologyTest {
    static final Settings SETTINGS = Settings.of(Map.of());
    static final RecordCodec<WindowStats> STATS = Codecs.create(WindowStats.getClassSchema(), SETTINGS);
    static final RecordCodec<Alert> ALERTS = Codecs.create(Alert.getClassSchema(), SETTINGS);
    static final RecordCodec<DeadLetter> DEAD = Codecs.create(DeadLetter.getClassSchema(), SETTINGS);
    static final Set<Duration> WINDOWS = Set.of(Duration.ofSeconds(10), MINUTE, Duration.ofMinutes(5));

    @TempDir
    Path tmp;
    TopologyTestDriver driver;
    TestInputTopic<byte[], byte[]> in;
    TestOutputTopic<byte[], byte[]> out;
    TestOutputTopic<byte[], byte[]> dlq;

    void start(Supplier<RuleSet> rules) {
        AlertsConfig c = AlertsConfig.from(Settings.of(Map.of("state.dir", tmp.resolve("state").toString())));
        AlertsTopology.Wire wire = new AlertsTopology.Wire(STATS, ALERTS, DEAD);
        Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
        Properties p = AlertsApp.properties(c, Settings.of(Map.of()));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(AlertsTopology.build(c, wire, rules, clock), p, T0);
        in = driver.createInputTopic(Topics.STATS, new ByteArraySerializer(), new ByteArraySerializer());
        out = driver.createOutputTopic(Topics.ALERTS, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(Topics.DEADLETTER, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static Supplier<RuleSet> defaults() throws Exception {
        RuleSet rs = RuleParser.parse("defaults", RuleSource.defaultText(), WINDOWS);
        return () -> rs;
    }

    static RuleSet rules(String yaml) throws Exception {
        return RuleParser.parse("test.yaml", yaml, WINDOWS);
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    void send(WindowStats s) {
        in.pipeInput(s.getService().getBytes(StandardCharsets.UTF_8), STATS.encode(Topics.STATS, s), s.getWindowEnd());
    }

    List<Alert> alerts() throws DecodeException {
        List<Alert> as = new ArrayList<>();
        for (TestRecord<byte[], byte[]> r : out.readRecordsToList()) {
            Alert a = ALERTS.decode(Topics.ALERTS, r.value());
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(a.getFingerprint());
            as.add(a);
        }
        return as;
    }

    static List<String> states(List<Alert> as) {
        return as.stream().map(a -> a.getRule() + ":" + a.getState()).toList();
    }

    /**
     * An Avro perf.stats record whose schema only the (unreachable) registry holds is parked, not
     * dead-lettered, and the windows after it wait behind it: no alert fires out of order.
     */
    @Test
    void shouldParkStatsWhileTheRegistryIsUnreachableAndKeepTheOrder() throws Exception {
        Settings reg = Settings.of(Map.of("schema.registry.url", "http://127.0.0.1:" + dev.perfstream.testkit.Ports.free()
                + "/apis/ccompat/v7", "output.format", "json", "schema.registry.retry.timeout", "200ms",
            "schema.registry.retry.backoff", "50ms"));
        AlertsConfig c = AlertsConfig.from(Settings.of(Map.of("state.dir", tmp.resolve("state").toString())));
        AlertsTopology.Wire wire = new AlertsTopology.Wire(Codecs.create(WindowStats.getClassSchema(), reg), ALERTS, DEAD,
            dev.perfstream.streams.outage.ParkedRecords.Config.from(reg), new java.util.concurrent.atomic.AtomicLong());
        Properties p = AlertsApp.properties(c, Settings.of(Map.of()));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(AlertsTopology.build(c, wire, defaults(), Clock.fixed(T0, ZoneOffset.UTC)), p, T0);
        in = driver.createInputTopic(Topics.STATS, new ByteArraySerializer(), new ByteArraySerializer());
        out = driver.createOutputTopic(Topics.ALERTS, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(Topics.DEADLETTER, new ByteArrayDeserializer(), new ByteArrayDeserializer());

        byte[] avroUnknownId = java.nio.ByteBuffer.allocate(8).put((byte) 0).putInt(77).put(new byte[] {2, 4, 6}).array();
        in.pipeInput("checkout".getBytes(StandardCharsets.UTF_8), avroUnknownId, T0);
        for (int i = 0; i < 5; i++) {
            send(api("checkout", "/cart", i, 400, 100, 0)); // would fire api-latency-p95 on the 2nd window
        }
        driver.advanceWallClockTime(Duration.ofSeconds(30)); // replay attempts: the registry still does not answer
        var parked = driver.<Long, byte[]>getKeyValueStore(AlertsTopology.PARKED_STORE);
        long n = 0;
        try (var it = parked.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        assertThat(n).isEqualTo(6);
        assertThat(alerts()).as("nothing fires ahead of the parked record").isEmpty();
        assertThat(dlq.readRecordsToList()).as("an unreachable registry is no reason to dead-letter").isEmpty();
    }

    @Test
    void shouldFireOnceAfterForWindowsAndResolveOnceWithHysteresis() throws Exception {
        start(defaults());
        double[] p95 = {100, 100, 100, 400, 400, 400, 400, 190, 190, 100, 100, 100};
        List<Alert> seen = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < p95.length; i++) {
            send(api("checkout", "/cart", i, p95[i], 100, 0));
            for (Alert a : alerts()) {
                seen.add(a);
                at.add(i);
            }
        }
        assertThat(states(seen)).containsExactly("api-latency-p95:FIRING", "api-latency-p95:RESOLVED");
        assertThat(at).containsExactly(4, 10); // 2nd breaching window; 2nd window under 180 (190 is in the band)
        Alert firing = seen.get(0);
        assertThat(firing.getSeries()).isEqualTo("metric=http.server.duration,service=checkout,route=/cart");
        assertThat(firing.getSeverity()).isEqualTo(Severity.PAGE);
        assertThat(firing.getSource()).isEqualTo(AlertSource.RULE);
        assertThat(firing.getValue()).isEqualTo(400.0);
        assertThat(firing.getThreshold()).isEqualTo(200.0);
        assertThat(firing.getStartedAt()).isEqualTo(T0.plus(MINUTE.multipliedBy(3)));
        assertThat(firing.getSummary()).contains("p95 400 ms > 200 ms for 2m").contains("service=checkout");
        assertThat(firing.getPlaybook()).contains("scale out");
        assertThat(firing.getLabels()).containsEntry("class", "high-latency").containsEntry("kpi", "api-latency");
        Alert resolved = seen.get(1);
        assertThat(resolved.getFingerprint()).isEqualTo(firing.getFingerprint());
        assertThat(resolved.getStartedAt()).isEqualTo(firing.getStartedAt());
        assertThat(resolved.getSummary()).contains("RESOLVED").contains("back under 180 ms");
    }

    @Test
    void shouldTreatNaNAndEmptyWindowsAsNoDataWithoutDeadLetters() throws Exception {
        start(defaults());
        send(api("checkout", "/cart", 0, 400, 100, 0));
        send(api("checkout", "/cart", 1, Double.NaN, 100, 0)); // JSON null percentiles
        send(api("checkout", "/cart", 2, 400, 0, 0));           // empty window
        assertThat(alerts()).isEmpty();
        assertThat(dlq.isEmpty()).isTrue();
        send(api("checkout", "/cart", 3, 400, 100, 0));         // the 2nd real breach
        assertThat(states(alerts())).containsExactly("api-latency-p95:FIRING");
        send(api("checkout", "/cart", 4, Double.NaN, 100, 0));
        send(api("checkout", "/cart", 5, Double.NaN, 100, 0));
        send(api("checkout", "/cart", 6, Double.NaN, 100, 0));
        assertThat(alerts()).as("missing statistics neither resolve nor re-fire").isEmpty();
    }

    @Test
    void shouldDeadLetterUndecodableAndInconsistentStatsAndKeepGoing() throws Exception {
        start(defaults());
        in.pipeInput("k1".getBytes(StandardCharsets.UTF_8), "not json".getBytes(StandardCharsets.UTF_8), T0);
        send(api("checkout", "/cart", 0, 100, 10, 20)); // errors > count
        List<DeadLetter> dead = new ArrayList<>();
        for (TestRecord<byte[], byte[]> r : dlq.readRecordsToList()) {
            dead.add(DEAD.decode(Topics.DEADLETTER, r.value()));
        }
        assertThat(dead).hasSize(2);
        assertThat(dead.get(0).getStage()).isEqualTo("alerts");
        assertThat(dead.get(0).getReason()).contains("neither JSON");
        assertThat(new String(dead.get(0).getPayload().array(), StandardCharsets.UTF_8)).isEqualTo("not json");
        assertThat(dead.get(0).getSourceTopic()).isEqualTo(Topics.STATS);
        assertThat(dead.get(1).getReason()).contains("errors 20").contains("inconsistent");
        send(api("checkout", "/cart", 1, 400, 100, 0));
        send(api("checkout", "/cart", 2, 400, 100, 0));
        assertThat(states(alerts())).containsExactly("api-latency-p95:FIRING");
    }

    @Test
    void shouldEvaluateOnlyTheRulesWindowSizeAndMatchingSelectors() throws Exception {
        start(defaults());
        for (int i = 0; i < 5; i++) {
            send(StatsFixtures.metric("http.server.duration", "checkout", "/cart", T0.plusSeconds(10L * i),
                Duration.ofSeconds(10), 900, 100, 0));
            send(StatsFixtures.metric("http.server.duration", "checkout", "/cart", T0.plus(Duration.ofMinutes(5L * i)),
                Duration.ofMinutes(5), 900, 100, 0));
            send(StatsFixtures.metric("cache.lookup", "checkout", "-", T0.plus(MINUTE.multipliedBy(i)), MINUTE, 900, 100, 0));
        }
        assertThat(alerts()).isEmpty();
    }

    @Test
    void shouldAlertOnRumVitalsPerDeviceAndDbMeanAndMinCount() throws Exception {
        start(defaults());
        for (int i = 0; i < 2; i++) {
            send(StatsFixtures.rum("LCP", "shop", "/product/{id}", "mobile", i, 3200, 50));
            send(StatsFixtures.rum("LCP", "shop", "/product/{id}", "desktop", i, 1200, 50));
            send(StatsFixtures.metric("db.query.duration", "orders", "-", T0.plus(MINUTE.multipliedBy(i)), MINUTE, 80, 500, 0));
            // 5 errors of 100 = 5 % but under min-count 200: no signal
            send(api("search", "/q", i, 50, 100, 5));
        }
        List<Alert> as = alerts();
        assertThat(states(as)).containsExactlyInAnyOrder("lcp-p75:FIRING", "db-query-mean:FIRING");
        Alert lcp = as.stream().filter(a -> a.getRule().equals("lcp-p75")).findFirst().orElseThrow();
        assertThat(lcp.getSeries()).isEqualTo("vital=LCP,app=shop,page=/product/{id},device=mobile");
        Alert db = as.stream().filter(a -> a.getRule().equals("db-query-mean")).findFirst().orElseThrow();
        assertThat(db.getPlaybook()).contains("slow statements").contains("replica");
        assertThat(db.getLabels()).containsEntry("class", "database");
        send(api("search", "/q", 2, 50, 1000, 50));
        send(api("search", "/q", 3, 50, 1000, 50));
        assertThat(states(alerts())).containsExactly("api-error-rate:FIRING");
    }

    @Test
    void shouldRenotifyWhileFiring() throws Exception {
        RuleSet rs = rules("""
            rules:
              - {id: slow, select: {metric: http.server.duration}, statistic: p95, threshold: 200, for: 1, renotify: 5m}
            """);
        start(() -> rs);
        List<Alert> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            send(api("checkout", "/cart", i, 400, 100, 0));
            all.addAll(alerts());
        }
        assertThat(all).extracting(a -> a.getLabels().get("notification"))
            .containsExactly("firing", "repeat", "repeat");
        assertThat(all).extracting(Alert::getState).containsOnly(AlertState.FIRING);
        assertThat(all).extracting(Alert::getFingerprint).containsOnly(all.get(0).getFingerprint());
        assertThat(all.get(1).getWindowEnd()).isEqualTo(T0.plus(MINUTE.multipliedBy(6)));
        assertThat(all.get(1).getSummary()).contains("reminder 1");
    }

    @Test
    void shouldSuppressFlappingAlerts() throws Exception {
        RuleSet rs = rules("""
            rules:
              - id: flappy
                select: {metric: http.server.duration}
                statistic: p95
                threshold: 200
                for: 1
                resolve-for: 1
                flapping: {starts: 3, within: 30m, settle: 4}
            """);
        start(() -> rs);
        double[] v = {400, 100, 400, 100, 400, 100, 400, 100, 400, 100, 100, 100, 100};
        List<String> seq = new ArrayList<>();
        for (int i = 0; i < v.length; i++) {
            send(api("checkout", "/cart", i, v[i], 100, 0));
            alerts().forEach(a -> seq.add(a.getState().name()));
        }
        // Without suppression this would be 5 FIRING + 5 RESOLVED.
        assertThat(seq).containsExactly("FIRING", "RESOLVED", "FIRING", "RESOLVED", "FIRING", "RESOLVED");
    }

    @Test
    void shouldPageOnFastAvailabilityBurnAndResolveWhenItStops() throws Exception {
        start(defaults());
        List<String> seq = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            boolean incident = i >= 60 && i < 75; // 15 minutes at 10 % errors: 100x the 0.1 % budget
            // Two routes per minute; the SLO sums them.
            send(api("payments", "/pay", i, 50, 600, incident ? 60 : 0));
            send(api("payments", "/refund", i, 50, 400, incident ? 40 : 0));
            for (Alert a : alerts()) {
                if (a.getSource() == AlertSource.SLO) {
                    seq.add(a.getRule() + ":" + a.getState());
                    at.add(i);
                    assertThat(a.getSeries()).isEqualTo("slo=availability,service=payments");
                }
            }
        }
        // 1h burn reaches 14.4x after 9 incident minutes (9 * 100 / 60 = 15); evaluated at the next minute.
        assertThat(seq).containsExactly("availability/fast:FIRING", "availability/fast:RESOLVED");
        assertThat(at.get(0)).isEqualTo(69);
        // The 5 min window is clean 5 minutes after the incident ended at minute 75.
        assertThat(at.get(1)).isEqualTo(80);
    }

    @Test
    void shouldKeepAlertsOfUnchangedRulesAcrossReloadAndCloseRemovedOnes() throws Exception {
        Path file = tmp.resolve("rules.yaml");
        Files.writeString(file, """
            rules:
              - {id: keep, select: {metric: http.server.duration}, statistic: p95, threshold: 200, for: 1, resolve-for: 1}
              - {id: drop, select: {metric: http.server.duration}, statistic: mean, threshold: 200, for: 1, resolve-for: 1}
            """);
        RuleSource source = RuleSource.load(file, WINDOWS);
        start(source);
        send(api("checkout", "/cart", 0, 400, 100, 0));
        assertThat(states(alerts())).containsExactlyInAnyOrder("keep:FIRING", "drop:FIRING");
        Files.writeString(file, """
            rules:
              - {id: keep, select: {metric: http.server.duration}, statistic: p95, threshold: 200, for: 1, resolve-for: 1}
              - {id: added, select: {metric: http.server.duration}, statistic: p99, threshold: 200, for: 2}
            """);
        assertThat(source.reload()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(2));
        List<Alert> afterReload = alerts();
        assertThat(states(afterReload)).containsExactly("drop:RESOLVED");
        assertThat(afterReload.get(0).getSummary()).contains("rule removed");
        send(api("checkout", "/cart", 1, 400, 100, 0));
        assertThat(states(alerts())).as("'keep' is still firing: no second FIRING").isEmpty();
        send(api("checkout", "/cart", 2, 400, 100, 0));
        assertThat(states(alerts())).containsExactly("added:FIRING");
        send(api("checkout", "/cart", 3, 100, 100, 0));
        assertThat(states(alerts())).containsExactly("keep:RESOLVED");
        send(api("checkout", "/cart", 4, 100, 100, 0)); // 'added' has the default resolve-for: 2
        assertThat(states(alerts())).containsExactly("added:RESOLVED");
    }

    @Test
    void shouldKeepOldRulesWhenAReloadIsInvalid() throws Exception {
        Path file = tmp.resolve("rules.yaml");
        Files.writeString(file, "rules:\n  - {id: a, select: {metric: m}, statistic: p95, threshold: 200}\n");
        RuleSource source = RuleSource.load(file, WINDOWS);
        String v = source.get().version();
        Files.writeString(file, "rules:\n  - {id: a, select: {metric: m}, statistic: p95, threshold: lots}\n");
        assertThat(source.reload()).isFalse();
        assertThat(source.get().version()).isEqualTo(v);
    }
}
