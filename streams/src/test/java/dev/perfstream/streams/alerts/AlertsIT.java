package dev.perfstream.streams.alerts;

import static dev.perfstream.streams.alerts.StatsFixtures.MINUTE;
import static dev.perfstream.streams.alerts.StatsFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.ChildJvm;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.StageSettings;
import dev.perfstream.testkit.TestClients;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.series.SeriesKey;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The alerts stage on a real Kafka broker, fed incident-shaped WindowStats sequences
 * (calm -> breach -> calm): exactly one FIRING and one RESOLVED per incident, nothing in calm periods,
 * also when the stage is killed with SIGKILL in the middle of an incident and restarted.
 */
class AlertsIT {
    static final Settings JSON = Settings.of(Map.of());
    static final RecordCodec<WindowStats> STATS = Codecs.create(WindowStats.getClassSchema(), JSON);
    static final RecordCodec<Alert> ALERTS = Codecs.create(Alert.getClassSchema(), JSON);
    static KafkaTestCluster kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaTestCluster.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Topics and settings of one test: its own application id, topics and state dir. */
    record Env(String appId, String stats, String alerts, String dead, Path stateDir, Map<String, String> settings) {
        static Env create(String name) {
            StageSettings s = StageSettings.on(kafka, name)
                .topics(TopicKeys.STATS, TopicKeys.ALERTS, TopicKeys.DEADLETTER)
                .applicationId("alerts.application.id", "it")
                .tempDir("state.dir")
                .put("alerts.session.timeout", "6s")
                .createTopics(3);
            return new Env(s.get("alerts.application.id"), s.topicName(TopicKeys.STATS), s.topicName(TopicKeys.ALERTS),
                s.topicName(TopicKeys.DEADLETTER), s.path("state.dir"), s.map());
        }
    }

    /** An incident script: per series, the p95 (or mean) for each minute. */
    static List<WindowStats> minute(int i) {
        List<WindowStats> w = new ArrayList<>();
        boolean cartIncident = (i >= 5 && i < 10) || (i >= 20 && i < 24);
        boolean dbIncident = i >= 8 && i < 14;
        w.add(StatsFixtures.api("checkout", "/cart", i, cartIncident ? 450 : 120, 300, 0));
        w.add(StatsFixtures.api("checkout", "/pay", i, 90, 300, 0));                  // calm throughout
        w.add(StatsFixtures.api("search", "/q", i, i % 2 == 0 ? 150 : 170, 300, 0)); // noisy but under 200
        w.add(StatsFixtures.metric("db.query.duration", "orders", "-", T0.plus(MINUTE.multipliedBy(i)), MINUTE,
            dbIncident ? 95 : 12, 500, 0));
        return w;
    }

    static void produce(Env env, List<WindowStats> windows) {
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer()) {
            for (WindowStats s : windows) {
                TestClients.send(producer, new ProducerRecord<>(env.stats(), null, s.getWindowEnd().toEpochMilli(),
                    SeriesKey.of(s).display().getBytes(StandardCharsets.UTF_8), STATS.encode(env.stats(), s)));
            }
        }
    }

    /** All committed alerts currently in the topic, each keyed by its fingerprint, by window end. */
    static List<Alert> readAlerts(Env env) {
        List<Alert> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.clients().records(env.alerts())) {
            Alert a = TestClients.decode(ALERTS::decode, r);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(a.getFingerprint());
            out.add(a);
        }
        out.sort((a, b) -> a.getWindowEnd().compareTo(b.getWindowEnd()));
        return out;
    }

    /** Waits until the application committed every input and repartition record: all its alerts are then visible. */
    static void awaitCaughtUp(Env env) {
        Poll.until(Duration.ofSeconds(90), "alerts app to consume everything", () -> {
            try (Admin admin = kafka.admin()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(env.appId())
                    .partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (TopicPartition tp : committed.keySet()) {
                    latest.put(tp, OffsetSpec.latest());
                }
                for (int i = 0; i < 3; i++) {
                    latest.put(new TopicPartition(env.stats(), i), OffsetSpec.latest());
                }
                var ends = admin.listOffsets(latest).all().get();
                boolean done = ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
                    || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset()));
                return done ? Boolean.TRUE : null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static List<String> summary(List<Alert> as) {
        return as.stream().map(a -> a.getRule() + " " + a.getState() + " " + a.getSeries()).collect(Collectors.toList());
    }

    @Test
    @Timeout(240)
    void shouldFireAndResolveExactlyOncePerIncidentAndStayQuietWhenCalm() throws Exception {
        Env env = Env.create("incidents");
        List<WindowStats> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            all.addAll(minute(i));
        }
        try (AlertsApp app = AlertsApp.start(Settings.of(env.settings()))) {
            produce(env, all);
            Poll.until(Duration.ofSeconds(120), "6 alerts", () -> {
                return readAlerts(env).size() >= 6 ? Boolean.TRUE : null;
            });
            awaitCaughtUp(env);
        }
        List<Alert> as = readAlerts(env);
        String cart = "metric=http.server.duration,service=checkout,route=/cart";
        String db = "metric=db.query.duration,service=orders,route=-";
        // Sorted by window end: minute i's window ends at T0 + i + 1.
        assertThat(summary(as)).containsExactly(
            "api-latency-p95 FIRING " + cart,      // window 6 (2nd breach)
            "db-query-mean FIRING " + db,          // window 9
            "api-latency-p95 RESOLVED " + cart,    // window 11 (2nd calm window)
            "db-query-mean RESOLVED " + db,        // window 15
            "api-latency-p95 FIRING " + cart,      // window 21
            "api-latency-p95 RESOLVED " + cart);   // window 25
        assertThat(as).extracting(a -> (int) Duration.between(T0, a.getWindowStart()).toMinutes())
            .containsExactly(6, 9, 11, 15, 21, 25);
        assertThat(as.get(0).getFingerprint()).isEqualTo(as.get(4).getFingerprint()).isEqualTo(as.get(2).getFingerprint());
        assertThat(as.get(0).getStartedAt()).isEqualTo(T0.plus(MINUTE.multipliedBy(5)));
        assertThat(as.get(4).getStartedAt()).isEqualTo(T0.plus(MINUTE.multipliedBy(20)));

        // `perfstream alerts --from-beginning` prints the same stream readably.
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        WatchAlertsCommand.watch(KafkaClients.plain(kafka.bootstrapServers()), env.alerts(), ALERTS, true, 6, false,
            new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(printed.lines().filter(l -> l.contains(" FIRING ")).count()).isEqualTo(3);
        assertThat(printed.lines().filter(l -> l.contains(" RESOLVED ")).count()).isEqualTo(3);
        assertThat(printed).contains("FIRING   PAGE api-latency-p95: p95 450 ms > 200 ms for 2m on " + cart)
            .contains("playbook: High latency").contains("playbook: Database");
    }

    /**
     * On a real broker and the wall clock: a deadman fires for a service whose windows stopped, a rule with
     * no-data: ok resolves its firing alert when its series stops, and the deadman resolves when data returns.
     */
    @Test
    @Timeout(180)
    void shouldFireADeadmanAndResolveANoDataOkAlertWhenTheirSeriesStop() throws Exception {
        Env env = Env.create("nodata");
        Path rules = Files.createTempFile("nodata-", ".yaml");
        Files.writeString(rules, """
            rules:
              - id: slow-cart
                select: {metric: http.server.duration, service: checkout, route: /cart}
                statistic: p95
                op: ">"
                threshold: 200
                for: 1
                no-data: ok
                no-data-after: 1m
            deadman:
              - id: checkout-silent
                select: {metric: http.server.duration, service: checkout}
                after: 1m
            """);
        env.settings().put("alerts.rules.file", rules.toString());
        java.time.Instant minuteStart = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES).minus(MINUTE);
        String cart = "metric=http.server.duration,service=checkout,route=/cart";
        try (AlertsApp app = AlertsApp.start(Settings.of(env.settings()))) {
            // one slow window that ended up to a minute ago; then nothing
            produce(env, List.of(StatsFixtures.metric("http.server.duration", "checkout", "/cart", minuteStart.minus(MINUTE), MINUTE,
                450, 300, 0)));
            List<Alert> as = Poll.until(Duration.ofSeconds(120), "FIRING, then the deadman and the no-data resolution", () -> {
                List<Alert> got = readAlerts(env);
                return got.size() >= 3 ? got : null;
            });
            assertThat(as.stream().map(a -> a.getRule() + " " + a.getState()).toList())
                .containsExactlyInAnyOrder("slow-cart FIRING", "slow-cart RESOLVED", "checkout-silent FIRING");
            assertThat(as).filteredOn(a -> a.getRule().equals("slow-cart") && a.getState().name().equals("RESOLVED"))
                .singleElement().satisfies(a -> {
                    assertThat(a.getSeries()).isEqualTo(cart);
                    assertThat(a.getSummary()).contains("no-data: ok");
                });
            assertThat(as).filteredOn(a -> a.getRule().equals("checkout-silent")).singleElement()
                .satisfies(a -> assertThat(a.getSeries()).isEqualTo("service=checkout"));

            produce(env, List.of(StatsFixtures.metric("http.server.duration", "checkout", "/pay", minuteStart, MINUTE, 90, 300, 0)));
            Poll.until(Duration.ofSeconds(60), "the deadman resolved", () -> {
                return readAlerts(env).stream().anyMatch(a -> a.getRule().equals("checkout-silent")
                    && a.getState().name().equals("RESOLVED")) ? Boolean.TRUE : null;
            });
        } finally {
            Files.deleteIfExists(rules);
        }
    }

    @Test
    @Timeout(300)
    void shouldNeitherRepeatNorForgetAnAlertWhenKilledMidIncident() throws Exception {
        Env env = Env.create("kill9");
        // Phase 1: calm, then the incident starts: FIRING at window 6.
        List<WindowStats> before = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            before.addAll(minute(i));
        }
        // Phase 2: the rest of the incident and the recovery, produced while the stage is dead.
        List<WindowStats> after = new ArrayList<>();
        for (int i = 8; i < 16; i++) {
            after.addAll(minute(i));
        }
        Path log = env.stateDir().resolveSibling(env.appId() + "-child.log");
        Process child = startChild(env, log);
        try {
            produce(env, before);
            String cart = "metric=http.server.duration,service=checkout,route=/cart";
            Poll.until(Duration.ofSeconds(120), "FIRING before the kill", () -> {
                return readAlerts(env).stream().anyMatch(a -> a.getSeries().equals(cart)) ? Boolean.TRUE : null;
            });
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no commit, no state flush
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isEqualTo(137);
            produce(env, after);
            child = startChild(env, log);
            Poll.until(Duration.ofSeconds(150), "RESOLVED after the restart", () -> {
                return readAlerts(env).stream().anyMatch(a -> a.getSeries().equals(cart)
                    && a.getState() == AlertState.RESOLVED) ? Boolean.TRUE : null;
            });
            awaitCaughtUp(env);
            List<Alert> cartAlerts = readAlerts(env).stream().filter(a -> a.getSeries().equals(cart)).toList();
            assertThat(cartAlerts).extracting(Alert::getState).containsExactly(AlertState.FIRING, AlertState.RESOLVED);
            assertThat(cartAlerts.get(1).getStartedAt()).isEqualTo(cartAlerts.get(0).getStartedAt());
            assertThat(summary(readAlerts(env))).filteredOn(s -> s.contains("db.query")).containsExactly(
                "db-query-mean FIRING metric=db.query.duration,service=orders,route=-",
                "db-query-mean RESOLVED metric=db.query.duration,service=orders,route=-");
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Runs AlertsApp in its own JVM on the test classpath, so it can be killed with SIGKILL. */
    static Process startChild(Env env, Path log) throws Exception {
        return ChildJvm.start(AlertsApp.class, env.settings(), log);
    }

    static {
        // Child JVM logs go under target/, next to the other test output.
        new File(System.getProperty("java.io.tmpdir")).mkdirs();
    }
}
