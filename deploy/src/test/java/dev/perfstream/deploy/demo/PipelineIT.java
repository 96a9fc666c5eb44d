package dev.perfstream.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.TestClients;
import dev.perfstream.testkit.Poll;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.streams.stats.StatsApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The foundation end to end on real services: events with known latencies go to a real Kafka broker,
 * through the stats stage and the sink, into a real influxd; the points in InfluxDB carry exact counts
 * and percentiles within 1 % of the exact quantiles, and malformed records are in the dead-letter topic
 * with their reasons.
 */
@Timeout(240)
class PipelineIT {
    private static final long MIN = 60_000;
    private static final double[] QS = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
    private static final String[] FIELDS = {"p50", "p75", "p90", "p95", "p99", "p999"};

    @Test
    void shouldLandExactCountsAndPercentilesInInfluxAndDeadLetterMalformedRecords() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start()) {
            kafka.createTopics(1, "pl-metrics", "pl-rum", "pl-stats", "pl-anomalies", "pl-forecasts", "pl-alerts", "pl-dlq");
            Map<String, String> m = new HashMap<>();
            m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            m.put("topic.metrics", "pl-metrics");
            m.put("topic.rum", "pl-rum");
            m.put("topic.stats", "pl-stats");
            m.put("topic.anomalies", "pl-anomalies");
            m.put("topic.forecasts", "pl-forecasts");
            m.put("topic.alerts", "pl-alerts");
            m.put("topic.deadletter", "pl-dlq");
            m.put("stats.windows", "10s,1m");
            m.put("stats.rollup", "off");
            m.put("stats.grace", "5s");
            m.put("stats.commit.interval", "200ms");
            m.put("state.dir", Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "pipeline-").toString());
            m.put("influx.url", influx.url());
            m.put("influx.database", "pipeline");
            m.put("sink.linger", "200ms");
            Settings settings = Settings.of(m);

            // Known latencies: a lognormal sample per route, all in one minute of event time.
            long t0 = (System.currentTimeMillis() / MIN) * MIN - 5 * MIN;
            Random r = new Random(7);
            String[] routes = {"/api/orders", "/api/search"};
            int n = 2000;
            Map<String, double[]> sent = new HashMap<>();
            try (StatsApp stats = StatsApp.start(settings); SinkApp sink = SinkApp.start(settings);
                 KafkaProducer<byte[], byte[]> p = kafka.clients().producer()) {
                for (String route : routes) {
                    sent.put(route, new double[n]);
                }
                // In event-time order: the 10 s windows close as stream time passes them.
                for (int i = 0; i < n; i++) {
                    for (String route : routes) {
                        double v = Math.exp(3.5 + 0.8 * r.nextGaussian());
                        sent.get(route)[i] = v;
                        send(p, metric(t0 + i * 25L, route, v));
                    }
                }
                send(p, "{\"timestamp\": oops}");                                  // invalid JSON
                send(p, metric(t0 + 1000, "/api/orders", Double.NaN));               // NaN duration
                send(p, metric(t0 + 2000, "/api/orders", -5));                       // negative duration
                send(p, "{\"timestamp\":" + t0 + ",\"metric\":\"http.server.duration\",\"value\":1}"); // no service
                // An event two minutes later moves stream time past the first minute's end plus grace.
                send(p, metric(t0 + 2 * MIN + 10_000, "/closer", 1));
                p.flush();

                for (String route : routes) {
                    Map<String, JsonNode> row = Poll.until(Duration.ofSeconds(150), "the 1-minute window of " + route + " in InfluxDB",
                        () -> oneMinuteRow(influx, route, t0));
                    double[] v = sent.get(route);
                    assertThat(row.get("count").asLong()).as(route + " count").isEqualTo(n);
                    for (int i = 0; i < QS.length; i++) {
                        double exact = exact(v, QS[i]);
                        assertThat(row.get(FIELDS[i]).asDouble()).as(route + " " + FIELDS[i])
                            .isCloseTo(exact, within(exact * 0.01));
                    }
                }
                List<DeadLetter> dead = deadLetters(kafka, settings, 4);
                assertThat(dead).extracting(DeadLetter::getReasonCode).containsOnly("parse", "validation");
                assertThat(dead).extracting(DeadLetter::getReason).anySatisfy(s -> assertThat(s).contains("invalid JSON"))
                    .anySatisfy(s -> assertThat(s).contains("finite"))
                    .anySatisfy(s -> assertThat(s).contains(">= 0"))
                    .anySatisfy(s -> assertThat(s).contains("'service'"));
                assertThat(dead).allSatisfy(d -> {
                    assertThat(d.getSourceTopic()).isEqualTo("pl-metrics");
                    assertThat(d.getSourceOffset()).isNotNull();
                    assertThat(d.getPayload()).isNotNull();
                });
            }
        }
    }

    /** The route's 1-minute window starting at t0 as column -> value, or null while it is not in InfluxDB. */
    private static Map<String, JsonNode> oneMinuteRow(InfluxTestServer influx, String route, long t0) {
        String q = "SELECT \"count\", p50, p75, p90, p95, p99, p999 FROM metric_stats WHERE route = '" + route
            + "' AND \"window\" = '1m' AND time = " + t0 + "ms";
        JsonNode series;
        try {
            series = new ObjectMapper().readTree(influx.query("pipeline", q)).path("results").path(0).path("series");
        } catch (java.io.IOException | RuntimeException e) {
            return null; // the sink has not created the database yet
        }
        if (!series.isArray() || series.isEmpty()) {
            return null;
        }
        JsonNode cols = series.get(0).path("columns");
        JsonNode values = series.get(0).path("values").get(0);
        Map<String, JsonNode> row = new HashMap<>();
        for (int i = 0; i < cols.size(); i++) {
            row.put(cols.get(i).asText(), values.get(i));
        }
        return row;
    }

    private static List<DeadLetter> deadLetters(KafkaTestCluster kafka, Settings settings, int expected) {
        RecordCodec<DeadLetter> codec = Codecs.create(DeadLetter.getClassSchema(), settings);
        List<DeadLetter> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = kafka.clients().subscribed("pl-dlq")) {
            Poll.until(Duration.ofSeconds(60), expected + " dead letters", () -> {
                TestClients.pollInto(consumer, codec::decode, out);
                return out.size() >= expected ? Boolean.TRUE : null;
            });
            consumer.poll(Duration.ofMillis(500)).forEach(rec -> {
                throw new AssertionError("more dead letters than the " + expected + " malformed records");
            });
        }
        return out;
    }

    /** Exact quantile with DDSketch's rank convention: the value at rank floor(q * (n - 1)). */
    private static double exact(double[] values, double q) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[(int) Math.floor(q * (s.length - 1))];
    }

    private static String metric(long ts, String route, double value) {
        return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"checkout\",\"metric\":\"http.server.duration\","
            + "\"value\":%s,\"route\":\"%s\"}", ts, Double.isNaN(value) ? "NaN" : Double.toString(value), route);
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String json) {
        p.send(new ProducerRecord<>("pl-metrics", "checkout".getBytes(StandardCharsets.UTF_8),
            json.getBytes(StandardCharsets.UTF_8)));
    }
}
