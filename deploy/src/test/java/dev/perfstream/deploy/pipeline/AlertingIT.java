package dev.perfstream.deploy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.perfstream.ingest.loadgen.Incident;
import dev.perfstream.ingest.loadgen.IncidentKind;
import dev.perfstream.ingest.loadgen.IncidentSchedules;
import dev.perfstream.ingest.loadgen.LoadGenerator;
import dev.perfstream.ingest.loadgen.TrafficModel;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.AlertmanagerTestServer;
import dev.perfstream.testkit.ChildJvm;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.Ports;
import dev.perfstream.sink.notify.NotifierApp;
import dev.perfstream.streams.alerts.AlertsApp;
import dev.perfstream.streams.stats.StatsApp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Alerts where people work, end to end on real services: the load generator's traffic and incidents go
 * to a real Kafka broker, through the stats and alerts stages and the notifier, to a real Alertmanager
 * 0.25 whose webhook receiver is this test. Alertmanager groups by every label ({@code group_by: ['...']}),
 * so each notification is about one alert, and the receiver counts them per alert after Alertmanager's
 * own deduplication: exactly one firing and one resolved per incident, none for a silenced one, none lost
 * or doubled through an Alertmanager outage and a SIGKILL of the notifier, and what no data means per rule.
 */
class AlertingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MIN = Duration.ofMinutes(1);
    static KafkaTestCluster kafka;
    static HttpServer receiver;
    /** Per test (its receiver path): "status alertname service route" per notified alert, in arrival order. */
    static final Map<String, List<String>> notified = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void startAll() throws Exception {
        kafka = KafkaTestCluster.start();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", Ports.free()), 0);
        receiver.start();
    }

    @AfterAll
    static void stopAll() throws Exception {
        if (receiver != null) {
            receiver.stop(0);
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** One test's topics, settings, Alertmanager and receiver path. */
    record Env(String tag, Map<String, String> settings, AlertmanagerTestServer am, List<String> received) implements AutoCloseable {
        /**
         * @param idleClose {@code stats.idle.close}: 10m where the events are of the past (yesterday, or earlier today)
         *                  and come in phases with waits between them, so that the stats stage does not let stream time
         *                  follow the wall clock while the input is quiet and drop the next phase as late; every window of
         *                  those tests closes on event time
         */
        static Env create(String tag, String rules, String idleClose) throws Exception {
            // one partition of events: the load generator writes minutes of event time in seconds, and a partition
            // consumed behind the others would see its windows closed by their stream time (late, dead-lettered)
            kafka.createTopics(1, tag + "-metrics", tag + "-rum");
            kafka.createTopics(3, tag + "-stats", tag + "-alerts", tag + "-dlq");
            List<String> received = new CopyOnWriteArrayList<>();
            notified.put(tag, received);
            receiver.createContext("/" + tag, x -> {
                JsonNode n = JSON.readTree(x.getRequestBody().readAllBytes());
                // answered before it is counted: Alertmanager logs a notification once the receiver took it
                x.sendResponseHeaders(200, -1);
                x.close();
                for (JsonNode a : n.path("alerts")) {
                    JsonNode l = a.path("labels");
                    received.add(a.path("status").asText() + " " + l.path("alertname").asText() + " " + l.path("service").asText()
                        + " " + l.path("route").asText());
                }
            });
            AlertmanagerTestServer am = AlertmanagerTestServer.start(
                "http://127.0.0.1:" + receiver.getAddress().getPort() + "/" + tag, "'...'");
            Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), tag + "-");
            Map<String, String> m = new HashMap<>();
            m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            for (String t : List.of("metrics", "rum", "stats", "alerts", "queries", "cache")) {
                m.put("topic." + t, tag + "-" + t);
            }
            m.put("topic.deadletter", tag + "-dlq");
            m.put("state.dir", dir.resolve("state").toString());
            m.put("stats.application.id", tag + "-stats");
            m.put("stats.windows", "1m");
            m.put("stats.rollup", "off");
            m.put("stats.grace", "5s");
            m.put("stats.commit.interval", "200ms");
            m.put("stats.idle.close", idleClose);
            m.put("alerts.application.id", tag + "-alerts");
            m.put("alerts.commit.interval", "200ms");
            if (rules != null) {
                Path file = dir.resolve("rules.yaml");
                Files.writeString(file, rules);
                m.put("alerts.rules.file", file.toString());
            }
            m.put("notify.group.id", tag + "-notify");
            m.put("alertmanager.url", am.url());
            m.put("alertmanager.resend", "2s");
            m.put("notify.request.timeout", "1s");
            m.put("notify.retry.backoff.min", "200ms");
            m.put("notify.retry.backoff.max", "1s");
            return new Env(tag, m, am, received);
        }

        /** The notifications of one alert, e.g. {@code alert("api-latency-p95", "checkout", "/api/checkout")}. */
        List<String> of(String alertname, String service, String route) {
            return received.stream().filter(s -> s.substring(s.indexOf(' ') + 1).equals(alertname + " " + service + " " + route))
                .map(s -> s.substring(0, s.indexOf(' '))).toList();
        }

        /** Waits until the receiver got {@code status} for the alert. */
        void await(String status, String alertname, String service, String route) {
            Poll.until(Duration.ofSeconds(150), status + " " + alertname + " on " + service + " " + route + " at the receiver",
                () -> of(alertname, service, route).contains(status) ? Boolean.TRUE : null);
        }

        @Override
        public void close() {
            am.close();
            receiver.removeContext("/" + tag);
        }
    }

    /**
     * Event time of the incident tests: a recent 14:00 UTC, so that the traffic's daily seasonality (and the
     * request counts per window) do not depend on when the test runs.
     */
    static Instant base() {
        Instant now = Instant.now();
        Instant b = now.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(14));
        return b.isAfter(now.minus(Duration.ofMinutes(40))) ? b.minus(Duration.ofDays(1)) : b;
    }

    /** The demo's calm traffic with the incidents, for simulated [from, to), produced as fast as possible. */
    static void produce(Env env, List<Incident> incidents, Instant from, Instant to) {
        String topic = env.settings().get("topic.metrics");
        RecordCodec<MetricEvent> codec = Codecs.create(MetricEvent.getClassSchema(), Settings.of(Map.of()));
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 20))) {
            new LoadGenerator(TrafficModel.demo().withRate(100), incidents, 11).generate(from, to, 0,
                m -> producer.send(new ProducerRecord<>(topic, m.getService().getBytes(StandardCharsets.UTF_8), codec.encode(topic, m))),
                r -> { });
            producer.flush();
        }
    }

    /** The committed alerts in the alerts topic, as "rule STATE series". */
    static List<String> alertsTopic(Env env) {
        String topic = env.settings().get("topic.alerts");
        RecordCodec<Alert> codec = Codecs.create(Alert.getClassSchema(), Settings.of(Map.of()));
        List<String> out = new ArrayList<>();
        for (Alert a : kafka.clients().drain(topic, codec::decode)) {
            out.add(a.getRule() + " " + a.getState() + " " + a.getSeries());
        }
        return out;
    }

    private static void sleep(long ms) throws InterruptedException {
        Thread.sleep(ms);
    }

    /**
     * The first demo incident (a 5x latency spike on checkout POST /api/checkout) pages once and resolves
     * once; nothing pages in the calm minutes before it; the same incident again, silenced in Alertmanager,
     * reaches Alertmanager (suppressed) and notifies nothing.
     */
    @Test
    @Timeout(300)
    void shouldPageOnceAndResolveOnceForALoadGeneratorIncidentAndNotAtAllWhenSilenced() throws Exception {
        Instant t0 = base();
        Incident first = IncidentSchedules.recurring(t0, t0.plus(Duration.ofHours(1)), MIN.multipliedBy(3),
            Duration.ofMinutes(20), MIN.multipliedBy(4)).get(0);
        assertThat(first.kind()).isEqualTo(IncidentKind.LATENCY_SPIKE);
        Incident again = new Incident(first.kind(), first.service(), first.route(), t0.plus(MIN.multipliedBy(12)),
            t0.plus(MIN.multipliedBy(15)), first.magnitude());
        List<Incident> incidents = List.of(first, again);
        String route = first.route();
        try (Env env = Env.create("e2e", null, "10m"); StatsApp stats = StatsApp.start(Settings.of(env.settings()));
             AlertsApp alerts = AlertsApp.start(Settings.of(env.settings()));
             NotifierApp notifier = NotifierApp.start(Settings.of(env.settings()))) {
            // calm minutes 0-2, the spike from minute 3: windows 3 and 4 breach (for: 2)
            produce(env, incidents, t0, t0.plus(MIN.multipliedBy(6)));
            env.await("firing", "api-latency-p95", "checkout", route);
            JsonNode held = JSON.readTree(env.am().alerts());
            assertThat(held).hasSize(1);
            assertThat(held.get(0).path("labels").path("severity").asText()).isEqualTo("page");
            assertThat(held.get(0).path("annotations").path("summary").asText()).contains("p95").contains(route);
            // the spike ends at minute 7: windows 7 and 8 are calm (resolve-for: 2)
            produce(env, incidents, t0.plus(MIN.multipliedBy(6)), t0.plus(MIN.multipliedBy(12)));
            env.await("resolved", "api-latency-p95", "checkout", route);
            assertThat(env.received()).containsExactly("firing api-latency-p95 checkout " + route,
                "resolved api-latency-p95 checkout " + route);

            env.am().silence("alertname", "api-latency-p95");
            produce(env, incidents, t0.plus(MIN.multipliedBy(12)), t0.plus(MIN.multipliedBy(15)));
            Poll.until(Duration.ofSeconds(150), "the second incident held, suppressed, by Alertmanager", () -> {
                try {
                    JsonNode a = JSON.readTree(env.am().alerts());
                    return a.size() == 1 && a.get(0).path("status").path("state").asText().equals("suppressed") ? true : null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            produce(env, incidents, t0.plus(MIN.multipliedBy(15)), t0.plus(MIN.multipliedBy(19)));
            Poll.until(Duration.ofSeconds(150), "the second resolution delivered", () -> notifier.delivered() >= 4 ? true : null);
            sleep(4_000); // two re-send intervals and Alertmanager's group interval: nothing more may come
            assertThat(env.received()).containsExactly("firing api-latency-p95 checkout " + route,
                "resolved api-latency-p95 checkout " + route);
            assertThat(alertsTopic(env)).containsExactly(
                "api-latency-p95 FIRING metric=http.server.duration,service=checkout,route=" + route,
                "api-latency-p95 RESOLVED metric=http.server.duration,service=checkout,route=" + route,
                "api-latency-p95 FIRING metric=http.server.duration,service=checkout,route=" + route,
                "api-latency-p95 RESOLVED metric=http.server.duration,service=checkout,route=" + route);
        }
    }

    /**
     * Alertmanager stopped mid-incident (12 s or more: until the restarted notifier has failed to reach it), while one
     * alert resolves and another fires, and the notifier (a child JVM) killed with SIGKILL in that outage and restarted
     * (it takes over the partitions when the killed one's 10 s session expires): after Alertmanager is back,
     * the receiver has exactly one firing and one resolved notification of each.
     */
    @Test
    @Timeout(420)
    void shouldLoseAndDoubleNoNotificationThroughAnAlertmanagerOutageAndANotifierKill() throws Exception {
        Instant t0 = base();
        Incident a = new Incident(IncidentKind.LATENCY_SPIKE, "checkout", "/api/checkout", t0.plus(MIN.multipliedBy(3)),
            t0.plus(MIN.multipliedBy(7)), 5);
        Incident b = new Incident(IncidentKind.LATENCY_SPIKE, "users", "/api/login", t0.plus(MIN.multipliedBy(10)),
            t0.plus(MIN.multipliedBy(14)), 5);
        List<Incident> incidents = List.of(a, b);
        Path log = Path.of(System.getProperty("java.io.tmpdir"), "alerting-outage-notifier.log");
        Process notifier = null;
        try (Env env = Env.create("outage", null, "10m"); StatsApp stats = StatsApp.start(Settings.of(env.settings()));
             AlertsApp alerts = AlertsApp.start(Settings.of(env.settings()))) {
            notifier = ChildJvm.start(NotifierApp.class, env.settings(), log);
            produce(env, incidents, t0, t0.plus(MIN.multipliedBy(6)));
            env.await("firing", "api-latency-p95", "checkout", "/api/checkout");
            // Alertmanager writes its notification log (what it sent, kept across restarts) just after the receiver
            // answered; stopped before that, it would forget the page and never send its resolution
            sleep(1_000);
            env.am().stop();
            long down = System.nanoTime();
            produce(env, incidents, t0.plus(MIN.multipliedBy(6)), t0.plus(MIN.multipliedBy(13)));
            Poll.until(Duration.ofSeconds(150), "A resolved and B firing in the alerts topic", () -> {
                List<String> got = alertsTopic(env);
                return got.contains("api-latency-p95 RESOLVED metric=http.server.duration,service=checkout,route=/api/checkout")
                    && got.contains("api-latency-p95 FIRING metric=http.server.duration,service=users,route=/api/login") ? true : null;
            });
            notifier.destroyForcibly(); // SIGKILL while it holds the undelivered batch
            assertThat(notifier.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(notifier.exitValue()).isEqualTo(137);
            Path restartedLog = Path.of(System.getProperty("java.io.tmpdir"), "alerting-outage-notifier-restarted.log");
            Files.deleteIfExists(restartedLog);
            notifier = ChildJvm.start(NotifierApp.class, env.settings(), restartedLog);
            // the outage lasts until the restarted notifier has tried Alertmanager and failed (its re-send of the
            // active set), and 12 s at least: many retries (backoff 200 ms to 1 s), one of them cut by the kill
            Poll.until(Duration.ofSeconds(120), "the restarted notifier failing to reach Alertmanager", () -> {
                try {
                    String out = Files.exists(restartedLog) ? Files.readString(restartedLog) : "";
                    // a batch held ("did not take") or the active set's re-send ("re-sending ... failed")
                    return out.contains("did not take") || out.contains("active alerts to") && out.contains("failed") ? true : null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            long left = TimeUnit.SECONDS.toNanos(12) - (System.nanoTime() - down);
            if (left > 0) {
                sleep(TimeUnit.NANOSECONDS.toMillis(left));
            }
            assertThat(env.received()).containsExactly("firing api-latency-p95 checkout /api/checkout");
            env.am().startProcess(); // same data folder: its notification log remembers what it sent

            env.await("resolved", "api-latency-p95", "checkout", "/api/checkout");
            env.await("firing", "api-latency-p95", "users", "/api/login");
            // B ends at minute 14: windows 14 and 15 are calm
            produce(env, incidents, t0.plus(MIN.multipliedBy(13)), t0.plus(MIN.multipliedBy(17)));
            env.await("resolved", "api-latency-p95", "users", "/api/login");
            sleep(4_000);
            assertThat(env.of("api-latency-p95", "checkout", "/api/checkout")).containsExactly("firing", "resolved");
            assertThat(env.of("api-latency-p95", "users", "/api/login")).containsExactly("firing", "resolved");
            assertThat(env.received()).hasSize(4);
        } finally {
            if (notifier != null) {
                notifier.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Series that stop, on the wall clock: a firing alert with {@code no-data: ok} resolves, one with
     * {@code keep} stays firing, a rule with {@code no-data: alerting} fires NO DATA, and a deadman fires
     * for the silent service; each seen at Alertmanager's receiver.
     */
    @Test
    @Timeout(300)
    void shouldResolveKeepOrFireAsEachRuleSaysWhenSeriesStopAndFireADeadman() throws Exception {
        String rules = """
            defaults:
              window: 1m
              no-data-after: 1m
            rules:
              - id: checkout-slow-ok
                select: {metric: http.server.duration, service: checkout, route: /api/checkout}
                statistic: p95
                op: ">"
                threshold: 200ms
                for: 1
                no-data: ok
              - id: checkout-slow-keep
                select: {metric: http.server.duration, service: checkout, route: /api/checkout}
                statistic: p95
                op: ">"
                threshold: 200ms
                for: 1
                no-data: keep
              - id: login-no-data
                select: {metric: http.server.duration, service: users, route: /api/login}
                statistic: p95
                op: ">"
                threshold: 10s
                no-data: alerting
            deadman:
              - id: catalog-silent
                select: {metric: http.server.duration, service: catalog}
                after: 1m
            """;
        // One whole minute of traffic that ended 5 to 25 s ago (checkout slow throughout), then nothing: every series
        // has one window, closed when its partition goes idle, and is silent for a minute from its end on.
        int second = Instant.now().atZone(java.time.ZoneOffset.UTC).getSecond();
        if (second < 5 || second > 25) {
            sleep(((65 - second) % 60) * 1000L);
        }
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        Instant from = end.minus(MIN);
        List<Incident> incidents = List.of(new Incident(IncidentKind.LATENCY_SPIKE, "checkout", "/api/checkout", from,
            end.plus(Duration.ofHours(1)), 5));
        try (Env env = Env.create("nodata", rules, "5s"); StatsApp stats = StatsApp.start(Settings.of(env.settings()));
             AlertsApp alerts = AlertsApp.start(Settings.of(env.settings()));
             NotifierApp notifier = NotifierApp.start(Settings.of(env.settings()))) {
            produce(env, incidents, from, end);
            env.await("firing", "checkout-slow-ok", "checkout", "/api/checkout");
            env.await("resolved", "checkout-slow-ok", "checkout", "/api/checkout");
            env.await("firing", "login-no-data", "users", "/api/login");
            env.await("firing", "catalog-silent", "catalog", "");
            sleep(4_000);
            assertThat(env.of("checkout-slow-ok", "checkout", "/api/checkout")).containsExactly("firing", "resolved");
            assertThat(env.of("checkout-slow-keep", "checkout", "/api/checkout")).containsExactly("firing");
            assertThat(env.of("login-no-data", "users", "/api/login")).containsExactly("firing");
            assertThat(env.of("catalog-silent", "catalog", "")).containsExactly("firing");
            Map<String, String> held = new LinkedHashMap<>();
            for (JsonNode a : JSON.readTree(env.am().alerts())) {
                held.put(a.path("labels").path("alertname").asText() + " " + a.path("labels").path("service").asText(),
                    a.path("annotations").path("summary").asText());
            }
            assertThat(held).containsOnlyKeys("checkout-slow-keep checkout", "login-no-data users", "catalog-silent catalog");
            assertThat(held.get("login-no-data users")).contains("NO DATA");
            assertThat(held.get("catalog-silent catalog")).contains("no data from");
        }
    }
}
