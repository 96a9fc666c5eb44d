package dev.perfstream.deploy.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.ingest.collector.CollectorApp;
import dev.perfstream.ingest.loadgen.LoadgenApp;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.TestPki;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.streams.alerts.AlertsApp;
import dev.perfstream.streams.scoring.ScoringApp;
import dev.perfstream.streams.stats.StatsApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole pipeline (load generator, collector, stats, alerts, scoring, sink) on a broker whose only
 * client listener is secured, with one principal per stage and ACLs for exactly what each stage needs,
 * gives the same results as on a plain listener: the same window statistics, statement and cache rows, anomaly scores,
 * forecasts, alerts (their attributions included) and dead letters on the topics, and the same points in InfluxDB. Once with SCRAM-SHA-512 over
 * TLS (SASL_SSL), once with TLS client certificates (mTLS). Each stage gets its credentials the
 * recommended way, a {@code kafka.client.config} file of Kafka client settings.
 *
 * <p>Both secured runs capture everything the JVM logs, Kafka's clients and broker at INFO included (their
 * configuration dumps), and check that no password of the run is in it: SCRAM passwords, key and trust
 * store passwords, the collector's API key.
 *
 * <p>The load generator's traffic is a fixed 20 minutes of event time (fixed seed, as fast as possible),
 * 45 minutes in the past; the collector adds a batch of metrics just after it and a browser beacon at the
 * present; a last event ahead closes every window (the grace period is longer than the input: see
 * {@code run}). Nothing depends on wall-clock timing except the beacon's window, so its statistics are
 * compared by count.
 */
@Timeout(600)
class SecuredPipelineIT {
    private static final long MIN = 60_000;
    private static final Instant START = Instant.ofEpochMilli((System.currentTimeMillis() / MIN) * MIN - 45 * MIN);
    private static final String BEACON_APP = "sec-shop";
    private static final List<String> TOPICS = List.of("sec-metrics", "sec-rum", "sec-stats", "sec-anomalies",
        "sec-forecasts", "sec-alerts", "sec-dlq", "sec-queries", "sec-cache", "sec-impact");
    private static final String API_KEY = TestPki.randomSecret();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static InfluxTestServer influx;
    static Results plain;

    @BeforeAll
    static void baselineOnAPlainListener() throws Exception {
        influx = InfluxTestServer.start();
        long t0 = System.nanoTime();
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            plain = run(kafka, "plain");
        }
        System.out.println("secured pipeline: plain run took " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + plain.summary());
    }

    @AfterAll
    static void stop() throws Exception {
        if (influx != null) {
            influx.close();
        }
    }

    @Test
    void shouldGiveTheSameResultsOnABrokerWithOnlyASaslSslListenerAndScramUsers() throws Exception {
        secured(KafkaTestCluster.Security.SASL_SSL, "scram", "sasl.jaas.config = [hidden]");
    }

    @Test
    void shouldGiveTheSameResultsWithTlsClientCertificatesInsteadOfScram() throws Exception {
        secured(KafkaTestCluster.Security.MTLS, "mtls", "ssl.keystore.password = [hidden]");
    }

    private static void secured(KafkaTestCluster.Security security, String name, String maskedDump) throws Exception {
        long t0 = System.nanoTime();
        Results r;
        List<String> secrets;
        String logs;
        try (CapturedLogs captured = CapturedLogs.start()) {
            try (KafkaTestCluster kafka = KafkaTestCluster.startSecured(security)) {
                r = run(kafka, name);
                secrets = new ArrayList<>(kafka.secrets());
            }
            logs = captured.text();
            System.out.println("secured pipeline: " + name + " logs captured in " + captured.save("secured-pipeline-" + name + ".log"));
        }
        System.out.println("secured pipeline: " + name + " run took " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + r.summary());

        assertSame("window statistics on the topic", r.stats.entrySet(), plain.stats.entrySet());
        assertSame("the collector's beacon events counted by the stats stage", r.beaconCounts.entrySet(),
            plain.beaconCounts.entrySet());
        assertSame("statement rows (perf.queries)", r.queries, plain.queries);
        assertSame("cache rows (perf.cache)", r.caches, plain.caches);
        assertSame("anomaly scores", r.anomalies, plain.anomalies);
        assertSame("forecasts", r.forecasts, plain.forecasts);
        assertSame("alerts", r.alerts, plain.alerts);
        assertSame("dead letters", r.deadLetters, plain.deadLetters);
        assertSame("points in InfluxDB", r.influx.entrySet(), plain.influx.entrySet());

        // The capture holds Kafka's configuration dumps (so the check below looks at what a log at INFO holds) ...
        assertThat(logs).contains("ProducerConfig values:", "ConsumerConfig values:", "AdminClientConfig values:",
            "StreamsConfig values:", maskedDump, "ssl.truststore.password = [hidden]");
        // ... and no password of the run.
        secrets.add(API_KEY);
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(security == KafkaTestCluster.Security.SASL_SSL ? 8 : 2);
        for (String s : secrets) {
            assertThat(logs.contains(s)).as("a password of this run is in the logs").isFalse();
        }
    }

    /** Equal collections, or a failure listing (some of) what only one of them has. */
    private static void assertSame(String what, java.util.Collection<?> secured, java.util.Collection<?> plainRun) {
        List<String> a = secured.stream().map(String::valueOf).sorted().toList();
        List<String> b = plainRun.stream().map(String::valueOf).sorted().toList();
        if (a.equals(b)) {
            return;
        }
        List<String> onlySecured = new ArrayList<>(a);
        b.forEach(onlySecured::remove);
        List<String> onlyPlain = new ArrayList<>(b);
        a.forEach(onlyPlain::remove);
        throw new AssertionError(what + " differ: " + a.size() + " on the secured listener, " + b.size() + " on the plain one;\n"
            + "only secured (" + onlySecured.size() + "):\n  " + String.join("\n  ", onlySecured.subList(0, Math.min(10, onlySecured.size())))
            + "\nonly plain (" + onlyPlain.size() + "):\n  " + String.join("\n  ", onlyPlain.subList(0, Math.min(10, onlyPlain.size()))));
    }

    // ---- one run ---------------------------------------------------------------------------------

    private static Results run(KafkaTestCluster kafka, String name) throws Exception {
        kafka.createTopics(1, TOPICS.toArray(new String[0]));
        boolean secured = kafka.security() != KafkaTestCluster.Security.PLAINTEXT;
        if (secured) {
            grantEachStageWhatItNeeds(kafka);
        }
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "secured-pipeline-" + name + "-");
        Map<String, String> common = new LinkedHashMap<>();
        common.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        common.put("topic.metrics", "sec-metrics");
        common.put("topic.rum", "sec-rum");
        common.put("topic.stats", "sec-stats");
        common.put("topic.anomalies", "sec-anomalies");
        common.put("topic.forecasts", "sec-forecasts");
        common.put("topic.alerts", "sec-alerts");
        common.put("topic.deadletter", "sec-dlq");
        common.put("topic.queries", "sec-queries");
        common.put("topic.cache", "sec-cache");
        common.put("topic.impact", "sec-impact");
        // Bottleneck attribution on, compared like everything else: it reads the windows of an alert and its baseline by
        // event time and waits until they are in, however the stats, statement and cache records interleave on the way.
        // Its wall-clock bound is for feeds that stopped; here every feed comes, but in a burst on a busy (or paused)
        // machine, so the bound is the longest allowed and never the reason an alert goes out.
        common.put("alerts.attribution.wait", "5m");
        common.put("state.dir", dir.resolve("state").toString());
        common.put("stats.windows", "1m");
        common.put("stats.rollup", "off");
        // The load generator writes 20 minutes of event time to two topics in about a second; the stats stage, reading
        // both while they are written, may be minutes of event time further in one than in the other, and would find
        // events of the other late, how many depending on timing. The collector's beacon is at the present, 45 minutes
        // after the load generator's start plus however long the runs before this one took: read before the rest of
        // the load generator's events (a secured run is slower to catch up), it moves stream time there. A grace longer
        // than all of that (30 min was not: an mTLS run found the load generator's last minutes and the collector's
        // batch late, 'lateEvents' 30 per series) and no wall-clock closing make every window depend on the events
        // only; the last event closes them all.
        common.put("stats.grace", "2h");
        common.put("stats.idle.close", "2h");
        common.put("stats.max-future", "4h");
        common.put("stats.commit.interval", "200ms");
        common.put("alerts.commit.interval", "200ms");
        common.put("scoring.commit.interval", "200ms");
        // The multivariate detector closes a service's vector on a wall-clock deadline when a series is missing (its
        // own ITs cover it); off here, so that every output depends on the events only.
        common.put("multivariate.enabled", "false");
        common.put("models.dir", dir.resolve("models").toString());
        common.put("influx.url", influx.url());
        common.put("influx.database", "sec_" + name);
        common.put("sink.linger", "200ms");
        common.put("sink.group.id", "sec-sink");
        common.put("collector.port", "0");
        common.put("collector.api.keys", API_KEY);
        common.put("collector.session.salt", "secured-pipeline");
        common.put("collector.cors.origins", "http://shop.test");
        common.put("loadgen.speedup", "0");
        common.put("loadgen.duration", "20m");
        common.put("loadgen.rate", "10");
        common.put("loadgen.seed", "11");
        common.put("loadgen.start", START.toString());
        common.put("loadgen.incidents.file", dir.resolve("incidents.jsonl").toString());
        Function<String, Settings> stage = principal -> {
            Map<String, String> m = new LinkedHashMap<>(common);
            if (secured) {
                try {
                    m.put("kafka.client.config", kafka.clientConfigFile(principal).toString());
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }
            return Settings.of(m);
        };

        try (StatsApp stats = StatsApp.start(stage.apply("stats"));
             AlertsApp alerts = AlertsApp.start(stage.apply("alerts"));
             ScoringApp scoring = ScoringApp.start(stage.apply("scoring"));
             SinkApp sink = SinkApp.start(stage.apply("sink"));
             CollectorApp collector = CollectorApp.start(stage.apply("collector"))) {
            try (LoadgenApp loadgen = LoadgenApp.start(stage.apply("loadgen"))) {
                assertThat(loadgen.awaitCompletion(60, TimeUnit.SECONDS)).as("the load generator's 20 minutes").isTrue();
                assertThat(loadgen.failed()).as("load generator sends that failed").isZero();
            }
            collect(collector.port());
            closeEveryWindow(kafka);
            awaitResults(kafka, sink, stats);
        }
        Results r = results(kafka, name);
        // The grace covers the whole input, so no event is late: a late one would make the comparison depend on timing.
        assertThat(r.stats.values()).as(name + " run: windows that counted late events")
            .noneMatch(w -> w.matches("(?s).*\"lateEvents\": [1-9].*"));
        return r;
    }

    private static void awaitResults(KafkaTestCluster kafka, SinkApp sink, StatsApp stats) {
        {

            // Done when every stage has committed past every record of its inputs.
            Map<String, List<String>> inputs = new LinkedHashMap<>();
            inputs.put("perfstream-stats", List.of("sec-metrics", "sec-rum"));
            awaitCaughtUp(kafka, inputs);
            inputs.clear();
            inputs.put("perfstream-alerts", List.of("sec-stats", "sec-queries", "sec-cache"));
            inputs.put("perfstream-scoring", List.of("sec-stats"));
            awaitCaughtUp(kafka, inputs);
            inputs.clear();
            inputs.put("sec-sink", List.of("sec-stats", "sec-anomalies", "sec-forecasts", "sec-alerts", "sec-queries", "sec-cache",
                "sec-impact"));
            awaitCaughtUp(kafka, inputs);
            assertThat(sink.isRunning()).as("the sink").isTrue();
            assertThat(stats.state().isRunningOrRebalancing()).as("the stats stage").isTrue();
        }
    }

    /** One principal per stage; each may do what it needs, nothing more (the README lists the same). */
    private static void grantEachStageWhatItNeeds(KafkaTestCluster kafka) {
        kafka.allowTopic("loadgen", "sec-metrics", AclOperation.WRITE);
        kafka.allowTopic("loadgen", "sec-rum", AclOperation.WRITE);
        kafka.allowTopic("collector", "sec-metrics", AclOperation.WRITE);
        kafka.allowTopic("collector", "sec-rum", AclOperation.WRITE);
        // the statement, cache and impact topics exist (a secured cluster's topics are made by its operator): the stats stage
        // writes them, the alerts stage and the sink read them
        streamsStage(kafka, "stats", "perfstream-stats", List.of("sec-metrics", "sec-rum"),
            List.of("sec-stats", "sec-dlq", "sec-queries", "sec-cache", "sec-impact"));
        streamsStage(kafka, "alerts", "perfstream-alerts", List.of("sec-stats", "sec-queries", "sec-cache"),
            List.of("sec-alerts", "sec-dlq"));
        streamsStage(kafka, "scoring", "perfstream-scoring", List.of("sec-stats"),
            List.of("sec-anomalies", "sec-forecasts", "sec-alerts", "sec-dlq"));
        for (String t : List.of("sec-stats", "sec-anomalies", "sec-forecasts", "sec-alerts", "sec-queries", "sec-cache",
            "sec-impact")) {
            kafka.allowTopic("sink", t, AclOperation.READ);
        }
        kafka.allowTopic("sink", "sec-dlq", AclOperation.WRITE);
        kafka.allow("sink", ResourceType.GROUP, "sec-sink", PatternType.LITERAL, AclOperation.READ);
    }

    /** A Kafka Streams stage: its inputs, outputs, and under its application id its internal topics, group and transactions. */
    private static void streamsStage(KafkaTestCluster kafka, String principal, String applicationId, List<String> reads,
                                     List<String> writes) {
        reads.forEach(t -> kafka.allowTopic(principal, t, AclOperation.READ));
        writes.forEach(t -> kafka.allowTopic(principal, t, AclOperation.WRITE));
        kafka.allow(principal, ResourceType.TOPIC, applicationId, PatternType.PREFIXED, AclOperation.ALL);
        kafka.allow(principal, ResourceType.GROUP, applicationId, PatternType.PREFIXED, AclOperation.READ);
        kafka.allow(principal, ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED, AclOperation.WRITE,
            AclOperation.DESCRIBE);
    }

    /** Through the collector: a batch of metrics right after the load generator's window, and a browser beacon now. */
    private static void collect(int port) throws Exception {
        long t = START.toEpochMilli() + 20 * MIN;
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int i = 0; i < 50; i++) {
            batch.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"collector-batch\","
                + "\"metric\":\"http.server.duration\",\"value\":%d,\"route\":\"/orders/%d\",\"status\":%d}",
                t + i * 1000L, 10 + i, i, i % 10 == 0 ? 500 : 200));
        }
        batch.append("]}");
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/metrics"))
            .header("Content-Type", "application/json").header("Authorization", "Bearer " + API_KEY)
            .POST(HttpRequest.BodyPublishers.ofString(batch.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(r.body()).contains("\"accepted\":50");
        HttpResponse<String> b = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rum"))
            .header("Content-Type", "text/plain").header("Origin", "http://shop.test")
            .POST(HttpRequest.BodyPublishers.ofString("{\"app\":\"" + BEACON_APP + "\",\"page\":\"/product/42\",\"session\":\"s-1\","
                + "\"device\":\"desktop\",\"metrics\":[{\"name\":\"LCP\",\"value\":1800},{\"name\":\"CLS\",\"value\":0.02},"
                + "{\"name\":\"TTFB\",\"value\":120}]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(b.statusCode()).as(b.body()).isEqualTo(202);
        assertThat(b.body()).contains("\"accepted\":3");
    }

    /**
     * One event ahead on each input: stream time passes the end (plus the 2 h grace) of every window so far, the
     * 1-hour impact window included wherever in the hour the run falls: it ends at most 60 min from now, so 180 min
     * close it. Short of that it closed only in part of the hour (45 min ahead with a 30 min grace: its last quarter),
     * and a plain and a secured run a minute apart on either side of the boundary differed by the whole ux_impact
     * measurement.
     */
    private static void closeEveryWindow(KafkaTestCluster kafka) throws Exception {
        long ahead = System.currentTimeMillis() + 200 * MIN; // < stats.max-future (4h)
        Properties p = superUser(kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("sec-metrics", "flush".getBytes(StandardCharsets.UTF_8), String.format(Locale.ROOT,
                "{\"timestamp\":%d,\"service\":\"flush\",\"metric\":\"http.server.duration\",\"value\":1,\"route\":\"/\"}", ahead)
                .getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>("sec-rum", "flush".getBytes(StandardCharsets.UTF_8), String.format(Locale.ROOT,
                "{\"timestamp\":%d,\"app\":\"flush\",\"page\":\"/\",\"vital\":\"TTFB\",\"value\":1}", ahead)
                .getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }
    }

    /** Waits until each group has committed offsets past the last record of each of its topics. */
    private static void awaitCaughtUp(KafkaTestCluster kafka, Map<String, List<String>> groups) {
        Map<TopicPartition, Long> last = new HashMap<>();
        groups.values().stream().flatMap(List::stream).distinct().forEach(t -> last.put(new TopicPartition(t, 0), lastRecordEnd(kafka, t)));
        try (Admin admin = kafka.admin()) {
            Poll.until(Duration.ofSeconds(120), "stages caught up with their inputs " + groups + " (ends " + last + ")", () -> {
                for (Map.Entry<String, List<String>> g : groups.entrySet()) {
                    Map<TopicPartition, OffsetAndMetadata> committed;
                    try {
                        committed = admin.listConsumerGroupOffsets(g.getKey()).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        return null;
                    }
                    for (String t : g.getValue()) {
                        TopicPartition tp = new TopicPartition(t, 0);
                        OffsetAndMetadata o = committed.get(tp);
                        if (last.get(tp) > 0 && (o == null || o.offset() < last.get(tp))) {
                            return null;
                        }
                    }
                }
                return Boolean.TRUE;
            });
        }
    }

    /** Offset after the last data record of a topic (read committed), 0 when empty. */
    private static long lastRecordEnd(KafkaTestCluster kafka, String topic) {
        long[] end = {0};
        read(kafka, topic, r -> end[0] = r.offset() + 1);
        return end[0];
    }

    // ---- results ---------------------------------------------------------------------------------

    /** What a run produced, in forms that compare across runs (no offsets, no wall-clock times). */
    record Results(Map<String, String> stats, Map<String, Long> beaconCounts, List<String> anomalies, List<String> forecasts,
                   List<String> alerts, List<String> deadLetters, Map<String, String> influx, List<String> queries,
                   List<String> caches) {
        String summary() {
            Map<String, Long> dead = new TreeMap<>();
            deadLetters.forEach(d -> dead.merge(d.length() > 90 ? d.substring(0, 90) : d, 1L, Long::sum));
            return stats.size() + " windows, " + beaconCounts + " beacon events, " + anomalies.size() + " anomaly scores, "
                + forecasts.size() + " forecasts, " + queries.size() + " statement rows, " + caches.size() + " cache rows, "
                + alerts.size() + " alerts, " + deadLetters.size() + " dead letters "
                + dead + ", InfluxDB " + influx;
        }
    }

    private static Results results(KafkaTestCluster kafka, String name) throws Exception {
        Settings json = Settings.of(Map.of());
        Map<String, String> stats = new TreeMap<>();
        Map<String, Long> beacons = new TreeMap<>();
        RecordCodec<WindowStats> sc = Codecs.create(WindowStats.getClassSchema(), json);
        read(kafka, "sec-stats", r -> {
            WindowStats w = decode(sc, r);
            String series = w.getKind() + "|" + w.getName() + "|" + w.getService() + "|" + w.getRoute() + "|" + w.getDeviceClass()
                + (w.getServiceVersion() == null ? "" : "|" + w.getServiceVersion()); // a per-version window is its own series
            if (BEACON_APP.equals(w.getService())) {
                beacons.merge(series, w.getCount(), Long::sum); // the beacon's window depends on when the test ran
            } else {
                assertThat(stats.put(series + "|" + w.getWindowStart() + "|" + w.getWindowEnd(), w.toString()))
                    .as("one WindowStats per series and window").isNull();
            }
        });
        List<String> anomalies = new ArrayList<>();
        RecordCodec<Anomaly> ac = Codecs.create(Anomaly.getClassSchema(), json);
        // The beacon's windows are those of the minute the test ran in: their times are left out.
        read(kafka, "sec-anomalies", r -> {
            Anomaly a = decode(ac, r);
            if (a.getSeries().contains("|" + BEACON_APP + "|")) {
                a.setWindowStart(Instant.EPOCH);
                a.setWindowEnd(Instant.EPOCH);
            }
            anomalies.add(a.toString());
        });
        List<String> forecasts = new ArrayList<>();
        RecordCodec<Forecast> fc = Codecs.create(Forecast.getClassSchema(), json);
        read(kafka, "sec-forecasts", r -> {
            Forecast f = decode(fc, r);
            if (f.getSeries().contains("|" + BEACON_APP + "|")) {
                f.setMadeAt(Instant.EPOCH);
                f.setTargetTime(Instant.EPOCH);
            }
            forecasts.add(f.toString());
        });
        List<String> alerts = new ArrayList<>();
        RecordCodec<Alert> alc = Codecs.create(Alert.getClassSchema(), json);
        read(kafka, "sec-alerts", r -> {
            Alert a = decode(alc, r);
            a.setNotifiedAt(Instant.EPOCH); // when it was written
            if (a.getSeries().contains(BEACON_APP)) {
                a.setWindowStart(Instant.EPOCH);
                a.setWindowEnd(Instant.EPOCH);
                a.setStartedAt(Instant.EPOCH);
            }
            alerts.add(a.toString());
        });
        List<String> dead = new ArrayList<>();
        RecordCodec<DeadLetter> dc = Codecs.create(DeadLetter.getClassSchema(), json);
        read(kafka, "sec-dlq", r -> {
            DeadLetter d = decode(dc, r);
            dead.add(d.getStage() + " " + d.getReasonCode() + " " + d.getSourceTopic() + " " + d.getReason());
        });
        // The statement and cache rows: compared in full (InfluxDB's are compared by count only), and what attribution reads.
        List<String> queries = new ArrayList<>();
        RecordCodec<QueryStats> qc = Codecs.create(QueryStats.getClassSchema(), json);
        read(kafka, "sec-queries", r -> queries.add(decode(qc, r).toString()));
        List<String> caches = new ArrayList<>();
        RecordCodec<CacheStats> cc = Codecs.create(CacheStats.getClassSchema(), json);
        read(kafka, "sec-cache", r -> caches.add(decode(cc, r).toString()));
        queries.sort(null);
        caches.sort(null);
        anomalies.sort(null);
        forecasts.sort(null);
        alerts.sort(null);
        dead.sort(null);
        return new Results(stats, beacons, anomalies, forecasts, alerts, dead, influxCounts("sec_" + name), queries, caches);
    }

    /** Per measurement: the number of points, and their summed counts where they have one. */
    private static Map<String, String> influxCounts(String db) throws Exception {
        Map<String, String> out = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        JsonNode ms = json.readTree(influx.query(db, "SHOW MEASUREMENTS")).path("results").path(0).path("series").path(0).path("values");
        for (JsonNode m : ms) {
            String name = m.get(0).asText();
            JsonNode v = json.readTree(influx.query(db, "SELECT count(*) FROM \"" + name + "\"")).path("results").path(0)
                .path("series").path(0);
            StringBuilder b = new StringBuilder();
            for (int i = 1; i < v.path("columns").size(); i++) {
                b.append(v.path("columns").get(i).asText()).append('=').append(v.path("values").get(0).get(i).asText()).append(' ');
            }
            out.put(name, b.toString().trim());
        }
        return out;
    }

    private static <T extends SpecificRecord> T decode(RecordCodec<T> codec, ConsumerRecord<byte[], byte[]> r) {
        try {
            return codec.decode(r.topic(), r.value());
        } catch (Exception e) {
            throw new AssertionError("undecodable record on " + r.topic() + " at " + r.offset(), e);
        }
    }

    /** Every committed record of a one-partition topic, from the beginning to its current end. */
    private static void read(KafkaTestCluster kafka, String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Properties p = superUser(kafka);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.position(tp) < end) {
                assertThat(System.nanoTime()).as("reading " + topic + " to its end").isLessThan(deadline);
                c.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }

    private static Properties superUser(KafkaTestCluster kafka) {
        Properties p = new Properties();
        p.putAll(kafka.client(KafkaTestCluster.SUPER_USER));
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }
}
