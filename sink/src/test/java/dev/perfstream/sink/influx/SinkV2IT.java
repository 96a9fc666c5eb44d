package dev.perfstream.sink.influx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The v2 path ({@code influx.api=v2}: influxdb-client-java's WriteApiBlocking on /api/v2/write).
 * InfluxDB 1.6.7, the only InfluxDB packaged here, does not serve that endpoint, so the write
 * itself is checked against QuestDB, a real database that serves it; and against influxd 1.6.7 the
 * test checks that its 404 holds the data instead of losing it (the pitfall of DESIGN.md).
 */
@Timeout(240)
class SinkV2IT {
    static KafkaTestCluster kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaTestCluster.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldWriteExactPointsThroughWriteApiBlockingAndDeadLetterWhatTheServerRejects() throws Exception {
        try (QuestDbTestServer qdb = QuestDbTestServer.start();
             SinkFixture f = new SinkFixture(kafka, qdb.url(), "v2")) {
            // model_version already a LONG column: the server will refuse the anomaly's string (HTTP 400).
            HttpResponse<String> pre = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(qdb.url() + "/api/v2/write?org=-&bucket=x&precision=ms"))
                .POST(HttpRequest.BodyPublishers.ofString("anomalies,series_key=other model_version=1i 0")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(pre.statusCode()).isEqualTo(204);
            for (int m = 0; m < 3; m++) {
                for (int r = 0; r < 2; r++) {
                    f.sendStats(SinkIT.stats(r, m));
                }
            }
            Anomaly a = Anomaly.newBuilder().setSeries("metric=http,service=checkout,route=/cart").setStatistic("p95")
                .setWindowStart(SinkIT.T0).setWindowEnd(SinkIT.T0.plusSeconds(60)).setObserved(480).setExpected(120)
                .setScore(0.97).setModelVersion("sgd-3").build();
            f.send(f.anomalies, "a", Codecs.<Anomaly>create(Anomaly.getClassSchema(), Settings.of(Map.of())).encode(f.anomalies, a));
            f.settings.put("influx.api", "v2");
            f.settings.put("influx.bucket", "perfstream");
            f.settings.put("influx.token", "unused-by-questdb");
            try (SinkApp sink = f.startSink()) {
                Poll.until(Duration.ofSeconds(60), "6 stats rows and the rejected anomaly dead-lettered", () ->
                    rowCount(qdb, "metric_stats") == 6 && sink.metrics().deadLettered() == 1 ? 1 : null);
            }
            JsonNode rows = qdb.sql("select route, count, p95, p99, window, timestamp from metric_stats order by timestamp, route")
                .get("dataset");
            assertThat(rows).hasSize(6);
            int i = 0;
            for (int m = 0; m < 3; m++) {
                for (String route : List.of("/cart", "/pay now")) {
                    WindowStats want = SinkIT.stats(SinkIT.ROUTES.indexOf(route), m);
                    JsonNode row = rows.get(i++);
                    assertThat(row.get(0).asText()).isEqualTo(route);
                    assertThat(row.get(1).asLong()).isEqualTo(want.getCount());
                    assertThat(row.get(2).asDouble()).isEqualTo(want.getP95());
                    assertThat(row.get(3).asDouble()).isEqualTo(want.getP99());
                    assertThat(row.get(4).asText()).isEqualTo("1m");
                    assertThat(row.get(5).asText()).isEqualTo(want.getWindowStart().toString().replace("Z", ".000000Z"));
                }
            }
            List<ConsumerRecord<byte[], DeadLetter>> dls = f.deadLetters(1);
            assertThat(dls).hasSize(1);
            assertThat(dls.get(0).value().getReasonCode()).isEqualTo("influx-rejected");
            assertThat(dls.get(0).value().getSourceTopic()).isEqualTo(f.anomalies);
            assertThat(dls.get(0).value().getReason()).contains("HTTP 400", "model_version");
        }
    }

    @Test
    void shouldHoldTheDataWhenTheServerHasNoV2ApiAndLoseNothing() throws Exception {
        try (InfluxTestServer influx = InfluxTestServer.start();
             SinkFixture f = new SinkFixture(kafka, influx.url(), "v2on16")) {
            for (int r = 0; r < 3; r++) {
                f.sendStats(SinkIT.stats(r, 0));
            }
            f.settings.put("influx.api", "v2");
            try (SinkApp sink = f.startSink()) {
                Poll.until(Duration.ofSeconds(60), "three failed v2 writes", () -> sink.metrics().failedAttempts() >= 3 ? 1 : null);
                assertThat(sink.metrics().deadLettered()).isZero();
                assertThat(sink.metrics().pointsWritten()).isZero();
                assertThat(f.committedStats()).isZero();
            }
            // Same group, now with the API this server has: every record is still there to be written.
            f.settings.put("influx.api", "v1");
            try (SinkApp sink = f.startSink()) {
                Poll.until(Duration.ofSeconds(60), "three points via v1", () ->
                    f.select(influx, "SELECT count(p95) FROM metric_stats").size() == 1
                        && f.select(influx, "SELECT count(p95) FROM metric_stats").get(0).get("count").asLong() == 3 ? 1 : null);
            }
        }
    }

    private static long rowCount(QuestDbTestServer qdb, String table) {
        JsonNode r = qdb.sql("select count() from " + table);
        return r.has("dataset") ? r.get("dataset").get(0).get(0).asLong() : -1;
    }
}
