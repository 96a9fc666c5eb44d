package dev.perfstream.sink.influx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sink against a real Kafka broker and a real InfluxDB 1.6.7, over the v1 /write API. */
@Timeout(180)
class SinkIT {
    static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    static final List<String> ROUTES = List.of("/cart", "/pay now", "/search,q=x");

    static KafkaTestCluster kafka;
    static InfluxTestServer influx;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaTestCluster.start();
        influx = InfluxTestServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (influx != null) {
            influx.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** A window of one route with numbers derived from (route, minute), so every point is checkable. */
    static WindowStats stats(int route, int minute) {
        Instant start = T0.plusSeconds(60L * minute);
        double base = 10 * (route + 1) + minute;
        return WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName("http.server.duration").setService("checkout")
            .setRoute(ROUTES.get(route)).setWindowStart(start).setWindowEnd(start.plusSeconds(60))
            .setCount(100 + 10L * route + minute).setErrors(route).setErrorRate(route / 100.0).setRate(1.5)
            .setMin(1).setMax(base * 10).setMean(base).setP50(base).setP75(base + 1).setP90(base + 2)
            .setP95(base + 3.5).setP99(base + 7.25).setP999(base + 9).setUnit("ms").build();
    }

    @Test
    void shouldWriteKnownWindowStatsAsExactPointsThroughV1() throws Exception {
        try (SinkFixture f = new SinkFixture(kafka, influx.url(), "exact")) {
            for (int m = 0; m < 5; m++) {
                for (int r = 0; r < ROUTES.size(); r++) {
                    f.sendStats(stats(r, m));
                }
            }
            sendOneOfEachOtherResult(f);
            try (SinkApp sink = f.startSink()) {
                Poll.until(Duration.ofSeconds(60), "15 stats points and the other results", () ->
                    f.select(influx, "SELECT count(p95) FROM metric_stats").size() == 1
                        && f.select(influx, "SELECT count(p95) FROM metric_stats").get(0).get("count").asLong() == 15
                        && f.select(influx, "SELECT * FROM alerts").size() == 1 ? Boolean.TRUE : null);
                assertThat(sink.metrics().deadLettered()).isZero();
            }
            List<Map<String, JsonNode>> rows = f.select(influx, "SELECT * FROM metric_stats");
            assertThat(rows).hasSize(15);
            for (Map<String, JsonNode> row : rows) {
                int r = ROUTES.indexOf(row.get("route").asText());
                int m = (int) ((row.get("time").asLong() - T0.toEpochMilli()) / 60_000);
                WindowStats want = stats(r, m);
                assertThat(r).isNotNegative();
                assertThat(row.get("count").asLong()).isEqualTo(want.getCount());
                assertThat(row.get("errors").asLong()).isEqualTo(want.getErrors());
                assertThat(row.get("p95").asDouble()).isEqualTo(want.getP95());
                assertThat(row.get("p99").asDouble()).isEqualTo(want.getP99());
                assertThat(row.get("mean").asDouble()).isEqualTo(want.getMean());
                assertThat(row.get("window").asText()).isEqualTo("1m");
                assertThat(row.get("service").asText()).isEqualTo("checkout");
                assertThat(row.get("p999").asDouble()).isEqualTo(want.getP999());
                assertThat(row).as("RUM-only field absent").doesNotContainKey("good_share");
            }
            // The README's query: p95 and p99 per route.
            List<Map<String, JsonNode>> perRoute = f.select(influx,
                "SELECT last(p95) AS p95, last(p99) AS p99 FROM metric_stats WHERE \"window\" = '1m' GROUP BY route");
            assertThat(f.select(influx, "SHOW TAG VALUES FROM metric_stats WITH KEY = route"))
                .extracting(row -> row.get("value").asText()).containsExactlyInAnyOrderElementsOf(ROUTES);
            assertThat(perRoute).hasSize(3);

            Map<String, JsonNode> anomaly = f.select(influx, "SELECT * FROM anomalies").get(0);
            assertThat(anomaly.get("score").asDouble()).isEqualTo(0.97);
            assertThat(anomaly.get("route").asText()).isEqualTo("/cart");
            assertThat(anomaly.get("time").asLong()).isEqualTo(T0.toEpochMilli());
            Map<String, JsonNode> forecast = f.select(influx, "SELECT * FROM forecasts").get(0);
            assertThat(forecast.get("horizon").asText()).isEqualTo("15m");
            assertThat(forecast.get("time").asLong()).isEqualTo(T0.plusSeconds(900).toEpochMilli());
            assertThat(forecast.get("upper").asDouble()).isEqualTo(0.7);
            Map<String, JsonNode> alert = f.select(influx, "SELECT * FROM alerts").get(0);
            assertThat(alert.get("state").asText()).isEqualTo("FIRING");
            assertThat(alert.get("summary").asText()).isEqualTo("p95 350 ms > 200 ms on /cart");
            assertThat(alert.get("time").asLong()).isEqualTo(T0.plusSeconds(61).toEpochMilli());
        }
    }

    private static void sendOneOfEachOtherResult(SinkFixture f) throws Exception {
        Settings none = Settings.of(Map.of());
        Anomaly a = Anomaly.newBuilder().setSeries("metric=http.server.duration,service=checkout,route=/cart")
            .setStatistic("p95").setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setObserved(480).setExpected(120)
            .setScore(0.97).setModelVersion("sgd-3").build();
        f.send(f.anomalies, "a", Codecs.<Anomaly>create(Anomaly.getClassSchema(), none).encode(f.anomalies, a));
        Forecast fc = Forecast.newBuilder().setSeries("metric=cpu,service=api,route=-").setStatistic("mean")
            .setMadeAt(T0).setHorizonMs(900_000).setTargetTime(T0.plusSeconds(900)).setPredicted(0.6).setLower(0.5)
            .setUpper(0.7).setIntervalLevel(0.9).setModelVersion("cart-1").build();
        f.send(f.forecasts, "f", Codecs.<Forecast>create(Forecast.getClassSchema(), none).encode(f.forecasts, fc));
        Alert al = Alert.newBuilder().setFingerprint("fp1").setRule("api-p95").setSource(AlertSource.RULE)
            .setSeverity(Severity.PAGE).setState(AlertState.FIRING)
            .setSeries("metric=http.server.duration,service=checkout,route=/cart").setStatistic("p95").setValue(350)
            .setThreshold(200).setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setStartedAt(T0.plusSeconds(60))
            .setNotifiedAt(T0.plusSeconds(61)).setSummary("p95 350 ms > 200 ms on /cart").setPlaybook("high latency")
            .build();
        f.send(f.alerts, "fp1", Codecs.<Alert>create(Alert.getClassSchema(), none).encode(f.alerts, al));
    }

    @Test
    void shouldNotDuplicateAnythingWhenTheSameRecordsAreReplayed() throws Exception {
        try (SinkFixture f = new SinkFixture(kafka, influx.url(), "replay")) {
            for (int m = 0; m < 10; m++) {
                for (int r = 0; r < ROUTES.size(); r++) {
                    f.sendStats(stats(r, m));
                }
            }
            try (SinkApp first = f.startSink()) {
                Poll.until(Duration.ofSeconds(60), "30 records committed", () -> {
                    try {
                        return f.committedStats() == 30 ? Boolean.TRUE : null;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            String before = f.select(influx, "SELECT * FROM metric_stats").toString();
            // Same records again, twice over: once more on the topic, and all of them read by a fresh group.
            for (int r = 0; r < ROUTES.size(); r++) {
                f.sendStats(stats(r, 3));
            }
            f.settings.put("sink.group.id", "replay-" + f.id);
            try (SinkApp replay = f.startSink()) {
                Poll.until(Duration.ofSeconds(60), "the replay to write all 33 records",
                    () -> replay.metrics().pointsWritten() >= 33 ? Boolean.TRUE : null);
            }
            List<Map<String, JsonNode>> after = f.select(influx, "SELECT * FROM metric_stats");
            assertThat(after).hasSize(30);
            assertThat(after.toString()).isEqualTo(before);
            assertThat(f.select(influx, "SELECT sum(\"count\") FROM metric_stats").get(0).get("sum").asLong())
                .isEqualTo(sumOfCounts(10));
        }
    }

    /**
     * Volume: 20,000 windows in full batches over two partitions, every one in InfluxDB exactly once.
     * The rate is logged for information (measured, not asserted: see the README for figures).
     */
    @Test
    void shouldWriteTwentyThousandWindowsInFullBatches() throws Exception {
        try (SinkFixture f = new SinkFixture(kafka, influx.url(), "volume")) {
            int minutes = 20_000 / ROUTES.size() + 1;
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            int n = 0;
            for (int m = 0; m < minutes && n < 20_000; m++) {
                for (int r = 0; r < ROUTES.size() && n < 20_000; r++, n++) {
                    WindowStats s = stats(r, m);
                    sent.add(f.producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(f.stats,
                        ROUTES.get(r).getBytes(StandardCharsets.UTF_8), f.statsCodec.encode(f.stats, s))));
                }
            }
            for (var s : sent) {
                s.get();
            }
            long t0 = System.nanoTime();
            try (SinkApp sink = f.startSink()) {
                Poll.until(Duration.ofSeconds(120), "20000 records committed", () -> {
                    try {
                        return f.committedStats() == 20_000 ? Boolean.TRUE : null;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                double seconds = (System.nanoTime() - t0) / 1e9;
                org.slf4j.LoggerFactory.getLogger(SinkIT.class).info(
                    "volume: 20000 points written and committed in {} s ({} points/s, including consumer group join)",
                    String.format("%.1f", seconds), Math.round(20_000 / seconds));
                // A batch is flushed once it holds >= sink.batch.size (1000) points; one poll adds up to 1000
                // (max.poll.records), so batches hold 1000..1999 points: 11..20 batches, more only through
                // linger flushes on a slow machine. Either way, points go in batches, not one write each.
                assertThat(sink.metrics().batchesCommitted()).isBetween(11L, 200L);
            }
            assertThat(f.select(influx, "SELECT count(p95) FROM metric_stats").get(0).get("count").asLong()).isEqualTo(20_000);
            assertThat(f.select(influx, "SELECT sum(\"count\") FROM metric_stats").get(0).get("sum").asLong())
                .isEqualTo(sumOfFirst(20_000));
        }
    }

    private static long sumOfFirst(int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += stats(i % ROUTES.size(), i / ROUTES.size()).getCount();
        }
        return sum;
    }

    private static long sumOfCounts(int minutes) {
        long sum = 0;
        for (int m = 0; m < minutes; m++) {
            for (int r = 0; r < ROUTES.size(); r++) {
                sum += stats(r, m).getCount();
            }
        }
        return sum;
    }

    @Test
    void shouldDeadLetterPoisonRecordsAndMoveOn() throws Exception {
        try (SinkFixture f = new SinkFixture(kafka, influx.url(), "poison")) {
            // A string good_share already in the database: InfluxDB will refuse a float good_share in rum_stats.
            influx.query("", "CREATE DATABASE " + f.database);
            var http = java.net.http.HttpClient.newHttpClient();
            var w = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    influx.url() + "/write?db=" + f.database + "&precision=ms"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                    "rum_stats,vital=other good_share=\"text\" " + T0.toEpochMilli())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(w.statusCode()).isEqualTo(204);

            byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
            WindowStats inverted = stats(0, 1);
            inverted.setWindowEnd(inverted.getWindowStart());
            WindowStats typeConflict = stats(1, 1);
            typeConflict.setKind(SeriesKind.RUM);
            typeConflict.setGoodShare(0.5);
            List<byte[]> values = new ArrayList<>();
            values.add(f.statsCodec.encode(f.stats, stats(0, 0)));
            values.add(garbage);
            values.add(f.statsCodec.encode(f.stats, inverted));
            values.add(f.statsCodec.encode(f.stats, typeConflict));
            values.add(f.statsCodec.encode(f.stats, stats(2, 2)));
            // One key: all five on one partition, in this order.
            for (byte[] v : values) {
                f.send(f.stats, "k", v);
            }
            try (SinkApp sink = f.startSink()) {
                Poll.until(Duration.ofSeconds(60), "all five records committed", () -> {
                    try {
                        return f.committedStats() == 5 ? Boolean.TRUE : null;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(sink.metrics().deadLettered()).isEqualTo(3);
            }
            assertThat(f.select(influx, "SELECT p95 FROM metric_stats WHERE metric = 'http.server.duration'"))
                .extracting(r -> r.get("p95").asDouble())
                .containsExactlyInAnyOrder(stats(0, 0).getP95(), stats(2, 2).getP95());

            List<ConsumerRecord<byte[], DeadLetter>> dls = f.deadLetters(3);
            assertThat(dls).hasSize(3);
            dls.sort((x, y) -> Long.compare(x.value().getSourceOffset(), y.value().getSourceOffset()));
            DeadLetter parse = dls.get(0).value();
            assertThat(parse.getStage()).isEqualTo("sink");
            assertThat(parse.getSourceTopic()).isEqualTo(f.stats);
            assertThat(parse.getSourceOffset()).isEqualTo(1L);
            assertThat(parse.getReasonCode()).isEqualTo("parse");
            assertThat(parse.getPayload().array()).isEqualTo(garbage);
            assertThat(new String(dls.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("k");
            DeadLetter mapping = dls.get(1).value();
            assertThat(mapping.getSourceOffset()).isEqualTo(2L);
            assertThat(mapping.getReasonCode()).isEqualTo("mapping");
            assertThat(mapping.getReason()).contains("windowEnd");
            DeadLetter rejected = dls.get(2).value();
            assertThat(rejected.getSourceOffset()).isEqualTo(3L);
            assertThat(rejected.getReasonCode()).isEqualTo("influx-rejected");
            assertThat(rejected.getReason()).contains("field type conflict");
        }
    }
}
