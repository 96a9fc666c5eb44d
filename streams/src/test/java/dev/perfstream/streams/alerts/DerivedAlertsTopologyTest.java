package dev.perfstream.streams.alerts;

import static dev.perfstream.streams.alerts.StatsFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default statement and cache rules, end to end through the alerts topology, on perf.queries and perf.cache records. */
class DerivedAlertsTopologyTest {
    static final Settings SETTINGS = Settings.of(Map.of());
    static final RecordCodec<QueryStats> QUERIES = Codecs.create(QueryStats.getClassSchema(), SETTINGS);
    static final RecordCodec<CacheStats> CACHES = Codecs.create(CacheStats.getClassSchema(), SETTINGS);
    static final RecordCodec<Alert> ALERTS = Codecs.create(Alert.getClassSchema(), SETTINGS);
    static final RecordCodec<DeadLetter> DEAD = Codecs.create(DeadLetter.getClassSchema(), SETTINGS);
    static final long MIN = 60_000;

    @TempDir
    Path tmp;
    TopologyTestDriver driver;
    TestInputTopic<byte[], byte[]> queries;
    TestInputTopic<byte[], byte[]> caches;
    TestOutputTopic<byte[], byte[]> out;
    TestOutputTopic<byte[], byte[]> dlq;

    @BeforeEach
    void start() throws Exception {
        AlertsConfig c = AlertsConfig.from(Settings.of(Map.of("state.dir", tmp.resolve("state").toString())));
        AlertsTopology.Wire wire = new AlertsTopology.Wire(Codecs.create(WindowStats.getClassSchema(), SETTINGS), ALERTS, DEAD);
        AlertsTopology.Derived derived = new AlertsTopology.Derived(Topics.QUERIES, Topics.CACHE, QUERIES, CACHES);
        Properties p = AlertsApp.properties(c, SETTINGS);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(AlertsTopology.build(c, wire, derived, AlertsTopologyTest.defaults(),
            Clock.fixed(T0, ZoneOffset.UTC)), p, T0);
        queries = driver.createInputTopic(Topics.QUERIES, new ByteArraySerializer(), new ByteArraySerializer());
        caches = driver.createInputTopic(Topics.CACHE, new ByteArraySerializer(), new ByteArraySerializer());
        out = driver.createOutputTopic(Topics.ALERTS, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(Topics.DEADLETTER, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    static QueryStats statement(String service, String statement, int window, double p95, double share, int statements) {
        Instant start = T0.plusMillis(window * MIN);
        return QueryStats.newBuilder().setService(service).setWindowStart(start).setWindowEnd(start.plusMillis(MIN))
            .setStatement(statement).setOverflow(false).setRank(1).setCount(30).setErrors(0).setTotalMs(30 * p95 / 2)
            .setMeanMs(p95 / 2).setP50(p95 / 2).setP95(p95).setP99(p95).setMaxMs(p95).setShare(share)
            .setServiceTotalMs(30 * p95 / 2 / share).setStatements(statements).setFoldedStatements(false).build();
    }

    static CacheStats cache(String service, String name, int window, long hits, long misses) {
        Instant start = T0.plusMillis(window * MIN);
        return CacheStats.newBuilder().setService(service).setCache(name).setWindowStart(start).setWindowEnd(start.plusMillis(MIN))
            .setHits(hits).setMisses(misses).setHitRatio((double) hits / (hits + misses)).setHitMeanMs(0.5).setMissMeanMs(6.0)
            .setMissPenalty(12.0).build();
    }

    void send(QueryStats q) {
        queries.pipeInput(q.getService().getBytes(StandardCharsets.UTF_8), QUERIES.encode(Topics.QUERIES, q), q.getWindowEnd());
    }

    void send(CacheStats c) {
        caches.pipeInput(c.getService().getBytes(StandardCharsets.UTF_8), CACHES.encode(Topics.CACHE, c), c.getWindowEnd());
    }

    List<Alert> alerts() throws DecodeException {
        List<Alert> as = new ArrayList<>();
        for (TestRecord<byte[], byte[]> r : out.readRecordsToList()) {
            as.add(ALERTS.decode(Topics.ALERTS, r.value()));
        }
        return as;
    }

    @Test
    void shouldFireWhenOneStatementTakesOverEightyPercentOfTheServicesDbTimeAndResolveBelowSeventy() throws Exception {
        String hog = "SELECT * FROM products ORDER BY rank LIMIT ?";
        for (int w = 0; w < 3; w++) {
            send(statement("catalog", hog, w, 20, 0.9, 3));
            send(statement("payments", "SELECT * FROM payments WHERE id = ?", w, 3, 1.0, 1)); // alone: no share alert
            if (w < 2) {
                assertThat(alerts()).as("pending for 3 windows").isEmpty();
            }
        }
        List<Alert> firing = alerts();
        assertThat(firing).singleElement().satisfies(a -> {
            assertThat(a.getRule()).isEqualTo("db-statement-share");
            assertThat(a.getState()).isEqualTo(AlertState.FIRING);
            assertThat(a.getValue()).isEqualTo(0.9);
            assertThat(a.getThreshold()).isEqualTo(0.8);
            assertThat(a.getSeries()).isEqualTo("metric=db.statement,service=catalog,route=" + hog);
            assertThat(a.getPlaybook()).contains("missing index", "plan change", "lock contention", "connection pool");
        });
        send(statement("catalog", hog, 3, 20, 0.75, 3)); // under 80 %, not under the 70 % resolve threshold
        send(statement("catalog", hog, 4, 20, 0.6, 3));
        send(statement("catalog", hog, 5, 20, 0.6, 3));
        assertThat(alerts()).extracting(Alert::getRule, Alert::getState)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("db-statement-share", AlertState.RESOLVED));
    }

    @Test
    void shouldFireWhenAStatementsP95DoublesAgainstItsOwnBaselineOnly() throws Exception {
        String s = "SELECT * FROM users WHERE email = ?";
        int w = 0;
        for (; w < 12; w++) { // baseline: p95 10 ms (min-windows 10)
            send(statement("users", s, w, 10, 0.5, 1));
        }
        for (int k = 0; k < 3; k++, w++) { // 19 ms: under twice the baseline
            send(statement("users", s, w, 19, 0.5, 1));
        }
        assertThat(alerts()).as("under 2x baseline").isEmpty();
        for (int k = 0; k < 3; k++, w++) { // 25 ms: doubled, for 3 windows
            send(statement("users", s, w, 25, 0.5, 1));
        }
        List<Alert> firing = alerts();
        assertThat(firing).singleElement().satisfies(a -> {
            assertThat(a.getRule()).isEqualTo("db-statement-p95-doubled");
            assertThat(a.getState()).isEqualTo(AlertState.FIRING);
            assertThat(a.getValue()).isEqualTo(25.0);
            // the baseline: 10 ms, moved by the three 19 ms windows (EWMA over 30 windows); the incident's windows do not move it
            double base = 10;
            for (int k = 0; k < 3; k++) {
                base += 2.0 / 31 * (19 - base);
            }
            assertThat(a.getThreshold()).isCloseTo(2 * base, org.assertj.core.data.Offset.offset(1e-9));
        });
        send(statement("users", s, w++, 10, 0.5, 1));
        send(statement("users", s, w, 10, 0.5, 1));
        assertThat(alerts()).extracting(Alert::getRule, Alert::getState)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("db-statement-p95-doubled", AlertState.RESOLVED));
    }

    @Test
    void shouldWarnWhenTheHitRatioStaysUnderEightyPercentForTenMinutes() throws Exception {
        for (int w = 0; w < 9; w++) {
            send(cache("catalog", "product-cache", w, 70, 30));
            send(cache("catalog", "small-cache", w, 1, 9)); // under min-count: no data
        }
        assertThat(alerts()).as("9 minutes are not 10").isEmpty();
        send(cache("catalog", "product-cache", 9, 70, 30));
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.getRule()).isEqualTo("cache-hit-ratio");
            assertThat(a.getState()).isEqualTo(AlertState.FIRING);
            assertThat(a.getSeverity().name()).isEqualTo("WARNING");
            assertThat(a.getValue()).isEqualTo(0.7);
            assertThat(a.getSeries()).isEqualTo("metric=cache,service=catalog,route=product-cache");
            assertThat(a.getPlaybook()).startsWith("Cache:");
        });
        send(cache("catalog", "product-cache", 10, 90, 10));
        send(cache("catalog", "product-cache", 11, 90, 10));
        assertThat(alerts()).extracting(Alert::getState).containsExactly(AlertState.RESOLVED);
    }

    @Test
    void shouldDeadLetterABadStatementRecordWithItsReason() throws Exception {
        QueryStats bad = statement("catalog", "SELECT 1", 0, 5, 0.5, 2);
        bad.setWindowEnd(bad.getWindowStart());
        send(bad);
        queries.pipeInput("catalog".getBytes(StandardCharsets.UTF_8), "{not json".getBytes(StandardCharsets.UTF_8), T0);
        List<DeadLetter> dl = new ArrayList<>();
        for (TestRecord<byte[], byte[]> r : dlq.readRecordsToList()) {
            dl.add(DEAD.decode(Topics.DEADLETTER, r.value()));
        }
        assertThat(dl).hasSize(2);
        assertThat(dl.get(0).getReason()).contains("is not after windowStart");
        assertThat(dl.get(0).getSourceTopic()).isEqualTo(Topics.QUERIES);
        assertThat(dl.get(1).getReasonCode()).isEqualTo("parse");
        assertThat(alerts()).isEmpty();
    }
}
