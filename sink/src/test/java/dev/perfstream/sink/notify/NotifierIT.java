package dev.perfstream.sink.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.AlertmanagerTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.Ports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The notifier between a real Kafka broker and a real Alertmanager 0.25 whose webhook receiver is this
 * test: a firing and a resolved alert reach the receiver exactly once each, a silence set in
 * Alertmanager silences them, Alertmanager down mid-incident plus a notifier restart lose and double
 * nothing, and the generic webhook is signed, retried and dead-lettered after its attempts.
 */
@Timeout(240)
class NotifierIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    static KafkaTestCluster kafka;
    static HttpServer receiver;
    /** Alertmanager's webhook notifications: (status, alertname) per notified alert. */
    static final List<String> notified = new CopyOnWriteArrayList<>();
    /** Services of the alerts named "storm" that Alertmanager notified (its notifications repeat the whole group). */
    static final Set<String> stormNotified = ConcurrentHashMap.newKeySet();
    /** The generic webhook's requests: body and signature header. */
    static final List<String[]> hooks = new CopyOnWriteArrayList<>();
    /** Answers the generic webhook gives next (500, "slow", or 200 when empty). */
    static final Deque<String> hookAnswers = new ConcurrentLinkedDeque<>();
    AlertmanagerTestServer am;

    @BeforeAll
    static void startAll() throws Exception {
        kafka = KafkaTestCluster.start();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", Ports.free()), 0);
        receiver.createContext("/am", x -> {
            JsonNode n = JSON.readTree(x.getRequestBody().readAllBytes());
            x.sendResponseHeaders(200, -1); // answered before it is counted: Alertmanager logs a notification once taken
            x.close();
            for (JsonNode a : n.path("alerts")) {
                String name = a.path("labels").path("alertname").asText();
                if (name.equals("storm")) {
                    stormNotified.add(a.path("status").asText() + " " + a.path("labels").path("service").asText());
                } else {
                    notified.add(a.path("status").asText() + " " + name);
                }
            }
        });
        receiver.createContext("/hook", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String answer = hookAnswers.poll();
            if ("slow".equals(answer)) {
                sleep(3_000); // longer than the notifier's request timeout
            }
            int status = answer == null || "slow".equals(answer) ? 200 : Integer.parseInt(answer);
            if (status == 200 && !"slow".equals(answer)) { // a slow answer comes after the notifier gave up on it
                hooks.add(new String[] {body, x.getRequestHeaders().getFirst(HttpPost.SIGNATURE_HEADER)});
            }
            x.sendResponseHeaders(status, -1);
            x.close();
        });
        receiver.setExecutor(java.util.concurrent.Executors.newCachedThreadPool()); // a slow answer blocks no other
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

    @BeforeEach
    void startAlertmanager() throws IOException {
        notified.clear();
        hooks.clear();
        hookAnswers.clear();
        am = AlertmanagerTestServer.start("http://127.0.0.1:" + receiver.getAddress().getPort() + "/am");
    }

    @AfterEach
    void stopAlertmanager() {
        am.close();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Map<String, String> settings(String tag) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        m.put("topic.alerts", tag + "-alerts");
        m.put("topic.deadletter", tag + "-dlq");
        m.put("notify.group.id", "notify-" + tag);
        m.put("alertmanager.url", am.url());
        m.put("alertmanager.resend", "2s");
        m.put("notify.request.timeout", "1s");
        m.put("notify.retry.backoff.min", "200ms");
        m.put("notify.retry.backoff.max", "1s");
        kafka.createTopics(3, tag + "-alerts", tag + "-dlq");
        return m;
    }

    private static Alert alert(String rule, AlertState state, Instant startedAt) {
        Instant now = Instant.now();
        return Alert.newBuilder().setFingerprint(rule + "|checkout").setRule(rule).setSource(AlertSource.RULE)
            .setSeverity(Severity.PAGE).setState(state).setSeries("metric=http.server.duration,service=checkout,route=/cart")
            .setStatistic("p95").setValue(812.5).setThreshold(500).setWindowStart(now.minusSeconds(60)).setWindowEnd(now)
            .setStartedAt(startedAt).setNotifiedAt(now).setSummary(state + " " + rule + ": p95 812.5 ms > 500 ms on checkout /cart")
            .setPlaybook("scale out checkout or cache hot reads").setLabels(Map.of("team", "payments", "runbook_url",
                "https://runbooks.example/p95", "notification", state.name().toLowerCase(java.util.Locale.ROOT),
                "observed", Double.toString(state == AlertState.FIRING ? 812.5 : 140), "rule_version", "v1"))
            .setSeverity(state == AlertState.FIRING ? Severity.PAGE : Severity.INFO).build();
    }

    private static void send(Map<String, String> m, Alert a) {
        RecordCodec<Alert> codec = Codecs.create(Alert.getClassSchema(), Settings.of(m));
        kafka.clients().send(m.get("topic.alerts"), a.getFingerprint().getBytes(StandardCharsets.UTF_8),
            codec.encode(m.get("topic.alerts"), a));
    }

    private static List<String> notifiedFor(String rule) {
        return notified.stream().filter(n -> n.endsWith(" " + rule)).toList();
    }

    @Test
    void shouldDeliverOneFiringAndOneResolvedNotificationThroughAlertmanager() throws Exception {
        Map<String, String> m = settings("once");
        Instant started = Instant.now().minusSeconds(120).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        try (NotifierApp app = NotifierApp.start(Settings.of(m))) {
            send(m, alert("p95-checkout", AlertState.FIRING, started));
            Poll.until(Duration.ofSeconds(30), "the firing notification", () -> notifiedFor("p95-checkout").isEmpty() ? null : true);
            JsonNode held = JSON.readTree(am.alerts());
            assertThat(held).hasSize(1);
            assertThat(held.get(0).path("labels").path("service").asText()).isEqualTo("checkout");
            assertThat(held.get(0).path("labels").path("severity").asText()).isEqualTo("page");
            assertThat(held.get(0).path("annotations").path("runbook_url").asText()).isEqualTo("https://runbooks.example/p95");
            assertThat(Instant.parse(held.get(0).path("startsAt").asText())).isEqualTo(started);
            sleep(5_000); // two re-sends: Alertmanager must not notify again
            assertThat(app.activeCount()).isEqualTo(1);
            send(m, alert("p95-checkout", AlertState.RESOLVED, started));
            Poll.until(Duration.ofSeconds(30), "the resolution delivered", () -> app.delivered() >= 2 ? true : null);
            // resolved by the resolution itself (same labels as the firing one, though its severity and
            // notification labels changed), not by timing out 4 re-send intervals later
            assertThat(JSON.readTree(am.alerts())).as("alerts active in Alertmanager").isEmpty();
            Poll.until(Duration.ofSeconds(30), "the resolved notification",
                () -> notifiedFor("p95-checkout").contains("resolved p95-checkout") ? true : null);
            sleep(4_000);
            assertThat(notifiedFor("p95-checkout")).containsExactly("firing p95-checkout", "resolved p95-checkout");
            assertThat(app.activeCount()).isZero();
        }
    }

    @Test
    void shouldNotifyNothingForAnAlertSilencedInAlertmanager() throws Exception {
        Map<String, String> m = settings("silenced");
        am.silence("alertname", "silenced-rule");
        Instant started = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        try (NotifierApp app = NotifierApp.start(Settings.of(m))) {
            send(m, alert("silenced-rule", AlertState.FIRING, started));
            Poll.until(Duration.ofSeconds(30), "Alertmanager to hold the alert", () -> app.delivered() >= 1 ? true : null);
            assertThat(JSON.readTree(am.alerts()).get(0).path("status").path("state").asText()).isEqualTo("suppressed");
            send(m, alert("silenced-rule", AlertState.RESOLVED, started));
            Poll.until(Duration.ofSeconds(30), "the resolution delivered", () -> app.delivered() >= 2 ? true : null);
            sleep(4_000);
            assertThat(notifiedFor("silenced-rule")).isEmpty();
        }
    }

    @Test
    void shouldLoseAndDoubleNothingWhenAlertmanagerIsDownMidIncidentAndTheNotifierRestarts() throws Exception {
        Map<String, String> m = settings("outage");
        Instant started = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        am.stop();
        NotifierApp first = NotifierApp.start(Settings.of(m));
        send(m, alert("outage-rule", AlertState.FIRING, started));
        sleep(4_000); // retrying against a dead Alertmanager
        assertThat(first.delivered()).isZero();
        first.close(); // as a crash would: the held batch is not committed
        am.startProcess();
        try (NotifierApp second = NotifierApp.start(Settings.of(m))) {
            Poll.until(Duration.ofSeconds(30), "the firing notification after the outage",
                () -> notifiedFor("outage-rule").isEmpty() ? null : true);
            sleep(1_000); // Alertmanager logs the notification just after the receiver answered; it must not forget it
            am.stop();
            send(m, alert("outage-rule", AlertState.RESOLVED, started));
            sleep(4_000);
            am.startProcess(); // same data folder: Alertmanager remembers what it notified
            Poll.until(Duration.ofSeconds(30), "the resolved notification after the second outage",
                () -> notifiedFor("outage-rule").contains("resolved outage-rule") ? true : null);
            sleep(4_000);
            assertThat(notifiedFor("outage-rule")).containsExactly("firing outage-rule", "resolved outage-rule");
        }
    }

    @Test
    void shouldSignAndRetryTheWebhookAndDeadLetterWhatItKeepsRefusing() throws Exception {
        Map<String, String> m = settings("hook");
        m.remove("alertmanager.url");
        m.put("alerts.webhook.url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        m.put("alerts.webhook.secret", "s3cret");
        m.put("alerts.webhook.max-attempts", "3");
        Instant started = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        try (NotifierApp app = NotifierApp.start(Settings.of(m))) {
            hookAnswers.addAll(List.of("500", "slow"));
            send(m, alert("hook-rule", AlertState.FIRING, started));
            Poll.until(Duration.ofSeconds(30), "the webhook call after a 500 and a timeout", () -> hooks.isEmpty() ? null : true);
            String[] got = hooks.get(0);
            assertThat(JSON.readTree(got[0]).path("state").asText()).isEqualTo("FIRING");
            assertThat(got[1]).isEqualTo(HttpPost.sign("s3cret", got[0].getBytes(StandardCharsets.UTF_8)));

            hookAnswers.addAll(List.of("500", "500", "500"));
            send(m, alert("hook-rule", AlertState.RESOLVED, started));
            Poll.until(Duration.ofSeconds(30), "the refused alert handled", () -> app.delivered() >= 2 ? true : null);
            assertThat(hooks).hasSize(1);
            List<DeadLetter> dead = deadLetters(m);
            assertThat(dead).singleElement().satisfies(d -> {
                assertThat(d.getReasonCode()).isEqualTo("delivery");
                assertThat(d.getStage()).isEqualTo("notify");
                assertThat(d.getReason()).contains("hook-rule|checkout").contains("3 times").contains("HTTP 500");
            });
        }
    }

    @Test
    void shouldDeliverTenThousandAlertsFiringAtOnceInBatches() throws Exception {
        Map<String, String> m = settings("many");
        Instant started = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        RecordCodec<Alert> codec = Codecs.create(Alert.getClassSchema(), Settings.of(m));
        // started first: alerts already in the topic when a new group starts are history (see the replay test)
        try (NotifierApp app = NotifierApp.start(Settings.of(m));
             KafkaProducer<byte[], byte[]> producer = kafka.clients().producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 20))) {
            for (int i = 0; i < 10_000; i++) {
                Alert a = alert("storm", AlertState.FIRING, started);
                a.setFingerprint("storm|svc" + i);
                a.setSeries("metric=http.server.duration,service=svc" + i + ",route=/x");
                producer.send(new ProducerRecord<>(m.get("topic.alerts"), a.getFingerprint().getBytes(StandardCharsets.UTF_8),
                    codec.encode(m.get("topic.alerts"), a)));
            }
            producer.flush();
            Poll.until(Duration.ofSeconds(120), "10,000 alerts delivered", () -> app.delivered() >= 10_000 ? true : null);
            assertThat(app.activeCount()).isEqualTo(10_000);
            assertThat(JSON.readTree(am.alerts())).hasSize(10_000);
            Poll.until(Duration.ofSeconds(60), "every storm alert notified", () -> stormNotified.size() >= 10_000 ? true : null);
            sleep(3_000);
            assertThat(stormNotified).hasSize(10_000).allMatch(n -> n.startsWith("firing svc"));
        }
    }

    /**
     * A notifier on a new consumer group over an alerts topic with history, then the same group without its
     * state topic: neither pages again for an alert that resolved long ago, nor drops one still firing.
     */
    @Test
    void shouldNeitherPageAgainForResolvedAlertsNorDropFiringOnesOnANewGroupOrWithoutItsStateTopic() throws Exception {
        Map<String, String> m = settings("replay");
        m.put("alerts.webhook.url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        Instant started = Instant.now().minusSeconds(600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        send(m, alert("old-rule", AlertState.FIRING, started));
        send(m, alert("old-rule", AlertState.RESOLVED, started));
        send(m, alert("kept-rule", AlertState.FIRING, started));
        m.put("notify.group.id", "notify-replay-new");
        try (NotifierApp app = NotifierApp.start(Settings.of(m))) {
            Poll.until(Duration.ofSeconds(30), "the still-firing alert notified", () -> notifiedFor("kept-rule").isEmpty() ? null : true);
            assertThat(app.activeCount()).isEqualTo(1);
            send(m, alert("new-rule", AlertState.FIRING, started));
            Poll.until(Duration.ofSeconds(30), "an alert after the start notified", () -> notifiedFor("new-rule").isEmpty() ? null : true);
            sleep(3_000); // re-sends: nothing more may come
            assertThat(app.activeCount()).isEqualTo(2);
        }
        assertThat(notified).containsExactlyInAnyOrder("firing kept-rule", "firing new-rule");
        assertThat(hooks).extracting(h -> hookLine(h[0]))
            .containsExactlyInAnyOrder("kept-rule FIRING", "new-rule FIRING");

        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            admin.deleteTopics(List.of("notify-replay-new-active")).all().get();
            Poll.until(Duration.ofSeconds(30), "the state topic gone", () -> {
                try {
                    return admin.listTopics().names().get().contains("notify-replay-new-active") ? null : true;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        try (NotifierApp app = NotifierApp.start(Settings.of(m))) {
            assertThat(app.activeCount()).as("firing alerts rebuilt from the alerts topic").isEqualTo(2);
            send(m, alert("kept-rule", AlertState.RESOLVED, started));
            Poll.until(Duration.ofSeconds(30), "the resolution notified",
                () -> notifiedFor("kept-rule").contains("resolved kept-rule") ? true : null);
            sleep(3_000);
            assertThat(app.activeCount()).isEqualTo(1);
        }
        assertThat(notified).containsExactlyInAnyOrder("firing kept-rule", "firing new-rule", "resolved kept-rule");
        assertThat(JSON.readTree(am.alerts())).extracting(a -> a.path("labels").path("alertname").asText())
            .containsExactly("new-rule");
        assertThat(hooks).hasSize(3);
    }

    @Test
    void shouldRefuseAConfigurationWithNowhereToSendOrABadUrl() {
        Map<String, String> m = new HashMap<>();
        m.put("alertmanager.url", "ftp://am:9093");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NotifierConfig.from(Settings.of(m)))
            .hasMessageContaining("alertmanager.url: \"ftp://am:9093\" is not an http(s)://host[:port] URL");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NotifierConfig.from(Settings.of(Map.of())))
            .hasMessageContaining("nowhere to send alerts");
    }

    private static String hookLine(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n.path("rule").asText() + " " + n.path("state").asText();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The dead letters on the test's dead-letter topic once there is one (up to 8 s). */
    private static List<DeadLetter> deadLetters(Map<String, String> m) {
        RecordCodec<DeadLetter> codec = Codecs.create(DeadLetter.getClassSchema(), Settings.of(m));
        return Poll.until(Duration.ofSeconds(8), "a dead letter on " + m.get("topic.deadletter"), () -> {
            List<DeadLetter> d = kafka.clients().drain(m.get("topic.deadletter"), codec::decode);
            return d.isEmpty() ? null : d;
        });
    }
}
