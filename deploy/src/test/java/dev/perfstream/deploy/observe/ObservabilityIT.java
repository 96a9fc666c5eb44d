package dev.perfstream.deploy.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.perfstream.ingest.collector.CollectorApp;
import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.PrometheusTestServer;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.sink.notify.NotifierApp;
import dev.perfstream.streams.alerts.AlertsApp;
import dev.perfstream.streams.scoring.ScoringApp;
import dev.perfstream.streams.stats.StatsApp;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every stage observable, on real services: a pipeline (stats, alerts, scoring, sink, notifier, collector)
 * on a real broker and InfluxDB, scraped by a real Prometheus 2.42. Every stage is up, PromQL finds events
 * in, windows emitted, sink points written, dead letters by reason and Kafka's own lag; {@code promtool}
 * finds no naming problem in any stage's output and accepts the shipped rule file. A second test takes
 * the broker away under a running stage: /readyz says not ready while it is gone, ready once it is back. A third
 * wipes a stage's local state: /readyz says not ready, naming the restoration, until the changelog is replayed.
 */
@Timeout(300)
class ObservabilityIT {
    private static final long MIN = 60_000;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Map<String, String> settings(KafkaTestCluster kafka, String prefix) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        for (String t : List.of("metrics", "rum", "stats", "anomalies", "forecasts", "alerts", "deadletter")) {
            m.put("topic." + t, prefix + "-" + t);
        }
        m.put("stats.windows", "10s");
        m.put("stats.rollup", "off");
        m.put("stats.grace", "2s");
        m.put("stats.commit.interval", "200ms");
        m.put("state.dir", Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), prefix + "-").toString());
        for (String stage : List.of("stats", "alerts", "scoring", "sink", "notify")) {
            m.put(stage + ".http.port", "0");
        }
        m.put("status.http.host", "127.0.0.1");
        return m;
    }

    @Test
    void shouldShowEveryStageToPrometheusWithLintFreeMetricsAndValidRules() throws Exception {
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        webhook.start();
        List<AutoCloseable> running = new ArrayList<>();
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start()) {
            try {
                kafka.createTopics(2, "ob-metrics", "ob-rum", "ob-stats", "ob-anomalies", "ob-forecasts", "ob-alerts",
                    "ob-deadletter");
                Map<String, String> m = settings(kafka, "ob");
                m.put("influx.url", influx.url());
                m.put("influx.database", "observe");
                m.put("sink.linger", "200ms");
                m.put("alerts.webhook.url", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook");
                m.put("collector.port", "0");
                m.put("collector.api.keys", "k1");
                Settings s = Settings.of(m);

                Map<String, String> targets = new LinkedHashMap<>();
                Map<String, StageRunner.Running> stages = new LinkedHashMap<>();
                stages.put("stats", StageRunner.start("stats", s, StatsApp::start));
                stages.put("alerts", StageRunner.start("alerts", s, AlertsApp::start));
                stages.put("scoring", StageRunner.start("scoring", s, ScoringApp::start));
                stages.put("sink", StageRunner.start("sink", s, SinkApp::start));
                stages.put("notify", StageRunner.start("notify", s, NotifierApp::start));
                running.addAll(stages.values());
                stages.forEach((name, r) -> targets.put("perfstream-" + name, "127.0.0.1:" + r.statusPort()));
                CollectorApp collector = CollectorApp.start(s);
                running.add(collector);
                targets.put("perfstream-collector", "127.0.0.1:" + collector.port());

                // Events: 2 routes over 40 s of event time, then one that moves stream time past them; one bad record.
                long t0 = (System.currentTimeMillis() / MIN) * MIN - 3 * MIN;
                Random r = new Random(3);
                try (KafkaProducer<byte[], byte[]> p = kafka.clients().producer()) {
                    for (int i = 0; i < 2000; i++) {
                        send(p, metric(t0 + i * 20L, i % 2 == 0 ? "/a" : "/b", Math.exp(3 + r.nextGaussian())));
                    }
                    send(p, "not json");
                    send(p, metric(t0 + 2 * MIN, "/a", 1));
                    p.flush();
                }
                HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + collector.port()
                        + "/v1/metrics")).header("Authorization", "Bearer k1").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"events\":[" + metric(t0 + 2 * MIN + 1000, "/c", 5) + "]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);

                try (PrometheusTestServer prometheus = PrometheusTestServer.start(targets)) {
                    JsonNode up = Poll.until(Duration.ofSeconds(60), "every stage up in Prometheus", () -> {
                        JsonNode res = prometheus.query("up{job=~\"perfstream-.*\"} == 1");
                        return res.size() == targets.size() ? res : null;
                    });
                    assertThat(up).hasSize(6);
                    for (String q : List.of(
                        // each port serves its own stage's series (one JVM here): no sum counts anything twice
                        "sum(perfstream_events_in_total{stage=\"stats\",topic=\"ob-metrics\",format=\"json\"}) == 2002", // 2,001 produced, 1 through the collector
                        "sum(perfstream_windows_emitted_total{job=\"perfstream-stats\",window=\"10s\"}) > 0",
                        "sum(perfstream_sink_points_written_total{job=\"perfstream-sink\"}) > 0",
                        "sum(perfstream_dead_letters_total{job=\"perfstream-stats\",reason=\"format\"}) == 1",
                        "sum(perfstream_events_in_total{job=\"perfstream-alerts\",stage=\"alerts\"}) > 0",
                        "sum(perfstream_events_in_total{job=\"perfstream-scoring\",stage=\"scoring\"}) > 0",
                        "sum(perfstream_collector_events_total{job=\"perfstream-collector\"}) >= 1",
                        "count(perfstream_ready{stage=\"stats\"}) == 1",
                        "perfstream_ready{job=\"perfstream-stats\",stage=\"stats\"} == 1",
                        "perfstream_ready{job=\"perfstream-notify\",stage=\"notify\"} == 1",
                        "count(kafka_consumer_fetch_manager_records_lag{job=\"perfstream-stats\",topic=\"ob-metrics\"}) == 2",
                        "sum(kafka_stream_thread_process_total{job=\"perfstream-stats\"}) > 0",
                        "sum(kafka_producer_record_send_total{job=\"perfstream-collector\"}) >= 1",
                        "sum(jvm_memory_used_bytes{job=\"perfstream-sink\"}) > 0")) {
                        try {
                            Poll.until(Duration.ofSeconds(90), "PromQL " + q, () -> prometheus.query(q).size() > 0 ? Boolean.TRUE : null);
                        } catch (AssertionError | RuntimeException e) {
                            System.out.println("stats /metrics when PromQL " + q + " found nothing:\n"
                                + get("http://" + targets.get("perfstream-stats") + "/metrics").body());
                            throw e;
                        }
                    }
                    // The health dashboard's every query runs on this Prometheus and finds data (alert panels may be
                    // empty: no alert fired here).
                    JsonNode dash = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(Path.of("grafana/perfstream-health-dashboard.json").toFile());
                    for (JsonNode panel : dash.path("panels")) {
                        for (JsonNode target : panel.path("targets")) {
                            String q = target.path("expr").asText().replace("$job", "perfstream-.*")
                                .replace("$__rate_interval", "1m");
                            if (q.contains("alert_transitions") || q.contains("notifications")) {
                                prometheus.query(q); // valid PromQL; empty: no alert fired here
                            } else { // a rate needs two samples in its range: poll
                                Poll.until(Duration.ofSeconds(30), "health dashboard panel '" + panel.path("title").asText()
                                    + "': " + q, () -> prometheus.query(q).size() > 0 ? Boolean.TRUE : null);
                            }
                        }
                    }
                }
                for (Map.Entry<String, String> t : targets.entrySet()) {
                    long t1 = System.nanoTime();
                    String body = get("http://" + t.getValue() + "/metrics").body();
                    System.out.printf(Locale.ROOT, "%s /metrics: %,d bytes, %,d lines, %.0f ms%n", t.getKey(), body.length(),
                        body.lines().count(), (System.nanoTime() - t1) / 1e6);
                    String lint = promtool(body, "check", "metrics");
                    assertThat(lint).as("promtool check metrics on " + t.getKey()).isEqualTo("exit 0\n");
                }
                assertThat(promtool("", "check", "rules", Path.of("prometheus/perfstream-rules.yml").toAbsolutePath().toString()))
                    .startsWith("exit 0").contains("SUCCESS: 8 rules found");
            } finally {
                for (int i = running.size() - 1; i >= 0; i--) { // stages first, while Kafka is still there
                    running.get(i).close();
                }
            }
        } finally {
            webhook.stop(0);
        }
    }

    @Test
    void shouldReportNotReadyWhileKafkaIsDownAndReadyOnceItIsBack() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(1, "rd-metrics", "rd-rum", "rd-stats", "rd-deadletter");
            Settings s = Settings.of(settings(kafka, "rd"));
            try (StageRunner.Running stats = StageRunner.start("stats", s, StatsApp::start)) {
                String ready = "http://127.0.0.1:" + stats.statusPort() + "/readyz";
                Poll.until(Duration.ofSeconds(60), "stats ready", UncheckedIOException.class,
                    () -> get(ready).statusCode() == 200 ? Boolean.TRUE : null);
                kafka.kit().brokers().values().forEach(b -> b.shutdown());
                kafka.kit().brokers().values().forEach(b -> b.awaitShutdown());
                long stoppedAt = System.nanoTime();
                HttpResponse<String> down;
                try {
                    down = Poll.until(Duration.ofSeconds(60), "stats not ready without Kafka", UncheckedIOException.class, () -> {
                        HttpResponse<String> a = get(ready);
                        return a.statusCode() == 503 ? a : null;
                    });
                } catch (AssertionError | RuntimeException e) {
                    System.out.println("stats heartbeat metrics while Kafka is down:\n" + get("http://127.0.0.1:"
                        + stats.statusPort() + "/metrics").body().lines().filter(l -> l.contains("heartbeat")
                        || l.contains("coordinator") || l.contains("connection_number")).toList());
                    throw e;
                }
                System.out.printf(Locale.ROOT, "stats not ready %.1f s after the broker stopped: %s%n",
                    (System.nanoTime() - stoppedAt) / 1e9, down.body().trim());
                assertThat(down.body()).contains("\"status\":\"unavailable\"").containsAnyOf("coordinator", "Kafka Streams is");
                assertThat(get("http://127.0.0.1:" + stats.statusPort() + "/healthz").statusCode())
                    .as("alive all along: a broker outage is not a reason to restart the stage").isEqualTo(200);
                kafka.kit().brokers().values().forEach(b -> b.startup());
                Poll.until(Duration.ofSeconds(120), "stats ready again after the broker's restart", UncheckedIOException.class,
                    () -> get(ready).statusCode() == 200 ? Boolean.TRUE : null);
            }
        }
    }

    /**
     * A stage that lost its local state restores it from the changelog before it works: /readyz answers 503 naming
     * the restoration while it runs, 200 after. The state is 3,000 open windows written in one-record batches, and
     * the second start fetches one batch per request, so the restoration takes a few seconds, not milliseconds.
     */
    @Test
    void shouldReportNotReadyWhileRestoringStateFromTheChangelogAndReadyAfter() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(1, "rs-metrics", "rs-rum", "rs-stats", "rs-deadletter");
            Map<String, String> m = settings(kafka, "rs");
            m.put("stats.windows", "1h");
            m.put("kafka.producer.batch.size", "1"); // one changelog record per batch
            Path state = Path.of(m.get("state.dir"));
            int series = 3000;
            try (StageRunner.Running stats = StageRunner.start("stats", Settings.of(m), StatsApp::start)) {
                long now = System.currentTimeMillis() - 10_000;
                try (KafkaProducer<byte[], byte[]> p = kafka.clients().producer()) {
                    for (int i = 0; i < series; i++) {
                        String json = String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"svc-%d\","
                            + "\"metric\":\"http.server.duration\",\"value\":%d,\"route\":\"/a\"}", now, i, 1 + i % 97);
                        p.send(new ProducerRecord<>("rs-metrics", ("svc-" + i).getBytes(StandardCharsets.UTF_8),
                            json.getBytes(StandardCharsets.UTF_8)));
                    }
                    p.flush();
                }
                String metrics = "http://127.0.0.1:" + stats.statusPort() + "/metrics";
                Poll.until(Duration.ofSeconds(90), "every event counted into the store", UncheckedIOException.class,
                    () -> get(metrics).body().lines()
                        .filter(l -> l.startsWith("perfstream_events_in_total") && l.contains("rs-metrics"))
                        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum() >= series ? true : null);
                Thread.sleep(1_000); // two commit intervals: the changelog has every window
            }
            try (var files = Files.walk(state)) { // the local state is lost (a new pod, a wiped disk)
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
            m.remove("kafka.producer.batch.size");
            m.put("kafka.consumer.max.partition.fetch.bytes", "1"); // one batch per fetch: a slow restoration
            List<String> answers = new ArrayList<>();
            try (StageRunner.Running stats = StageRunner.start("stats", Settings.of(m), StatsApp::start)) {
                String ready = "http://127.0.0.1:" + stats.statusPort() + "/readyz";
                Poll.until(Duration.ofSeconds(120), "stats ready after restoring", UncheckedIOException.class, () -> {
                    HttpResponse<String> a = get(ready);
                    String seen = a.statusCode() + " " + a.body().trim();
                    if (answers.isEmpty() || !answers.get(answers.size() - 1).equals(seen)) {
                        answers.add(seen);
                    }
                    return a.statusCode() == 200 ? true : null;
                });
                System.out.println("/readyz answers during the restart, in order: " + answers);
                assertThat(answers).anySatisfy(a -> assertThat(a).startsWith("503").contains("restoring"));
                assertThat(answers.get(answers.size() - 1)).startsWith("200");
            }
        }
    }

    private static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs promtool with {@code stdin}; returns "exit N\n" followed by what it printed. */
    private static String promtool(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return "exit " + p.exitValue() + "\n" + out;
    }

    private static String metric(long ts, String route, double value) {
        return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"checkout\",\"metric\":\"http.server.duration\","
            + "\"value\":%s,\"route\":\"%s\"}", ts, Double.toString(value), route);
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String json) {
        p.send(new ProducerRecord<>("ob-metrics", "checkout".getBytes(StandardCharsets.UTF_8),
            json.getBytes(StandardCharsets.UTF_8)));
    }
}
