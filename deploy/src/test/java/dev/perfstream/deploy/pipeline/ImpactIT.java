package dev.perfstream.deploy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.ingest.collector.CollectorApp;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.sink.report.ImpactReportCommand;
import dev.perfstream.streams.stats.StatsApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * Speed vs conversion end to end on real components: beacons with LCP and conversion beacons of known sessions
 * posted to the collector (and bad conversion beacons, refused with their reason), through a real Kafka broker, the
 * stats stage and the sink into a real influxd, where {@code ux_impact} holds exactly the expected rates per bucket
 * and gain; then {@code perfstream report impact} prints the table from InfluxDB.
 */
@Timeout(240)
class ImpactIT {
    private static final long WINDOW = 10_000;

    @Test
    void shouldCarryConversionBeaconsThroughTheCollectorIntoUxImpact() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start()) {
            // The stats stage creates the queries, cache and impact topics itself.
            Map<String, String> m = PipelineSettings.of(kafka, influx, "ux", "10s").createTopics(1)
                .put("topic.queries", "ux-queries")
                .put("topic.cache", "ux-cache")
                .put("topic.impact", "ux-impact")
                .put("stats.idle.close", "2s")
                .put("stats.impact.window", "10s")
                .put("collector.port", "0")
                .put("collector.session.salt", "ux-it")
                .map();
            Settings settings = Settings.of(m);
            try (StatsApp stats = StatsApp.start(settings); SinkApp sink = SinkApp.start(settings);
                 CollectorApp collector = CollectorApp.start(settings)) {
                assertThat(sink.config().topics()).as("the stats stage created the topic").contains("ux-impact");
                String rum = "http://127.0.0.1:" + collector.port() + "/rum";
                HttpClient http = HttpClient.newHttpClient();
                // A conversion without a session, and a goal that is no name: refused, saying why.
                HttpResponse<String> noSession = post(http, rum, "{\"app\":\"ux-shop\",\"page\":\"/checkout\","
                    + "\"conversions\":[\"checkout\"]}");
                assertThat(noSession.statusCode()).isEqualTo(400);
                assertThat(noSession.body()).contains("field 'session' is required with 'conversions'");
                HttpResponse<String> badGoal = post(http, rum, "{\"app\":\"ux-shop\",\"page\":\"/checkout\","
                    + "\"session\":\"x\",\"conversions\":[\"check out!\"]}");
                assertThat(badGoal.statusCode()).isEqualTo(400);
                assertThat(badGoal.body()).contains("\"reason\":\"conversions[0]: goal \\\"check out!\\\" must be 1 to 64");

                // Every session inside one impact window: start right after a boundary.
                long now = System.currentTimeMillis();
                if (now % WINDOW > WINDOW / 3) {
                    Thread.sleep(WINDOW - now % WINDOW + 200);
                }
                long windowStart = System.currentTimeMillis() / WINDOW * WINDOW;
                // 10 sessions on /checkout: LCP good x4 (3 convert), needs-improvement x4 (1), poor x2 (0)
                double[] lcp = {900, 1500, 2000, 2400, 2800, 3100, 3500, 3900, 4400, 6000};
                boolean[] converts = {true, true, true, false, true, false, false, false, false, false};
                for (int i = 0; i < lcp.length; i++) {
                    assertThat(post(http, rum, String.format(Locale.ROOT, "{\"app\":\"ux-shop\",\"page\":\"/checkout\","
                        + "\"session\":\"session-%d\",\"metrics\":[{\"name\":\"LCP\",\"value\":%s}]}", i, lcp[i])).statusCode())
                        .isEqualTo(202);
                }
                for (int i = 0; i < lcp.length; i++) {
                    if (converts[i]) { // on the confirmation page, as a shop would call perfstream.conversion('checkout')
                        assertThat(post(http, rum, "{\"app\":\"ux-shop\",\"page\":\"/order/" + (1000 + i) + "\",\"session\":"
                            + "\"session-" + i + "\",\"conversions\":[\"checkout\"]}").statusCode()).isEqualTo(202);
                    }
                }
                assertThat(System.currentTimeMillis() / WINDOW * WINDOW).as("all in one window").isEqualTo(windowStart);

                JsonNode row = Poll.until(Duration.ofSeconds(120), "the ux_impact row of /checkout", () -> {
                    try {
                        JsonNode r = firstRow(influx.query("ux", "SELECT * FROM ux_impact WHERE \"page\" = '/checkout'"));
                        return r == null || r.path("sessions").isMissingNode() ? null : r;
                    } catch (Exception e) {
                        return null;
                    }
                });
                System.out.println("impact IT: ux_impact " + row);
                assertThat(row.get("time").asLong()).isEqualTo(windowStart);
                assertThat(row.get("app").asText()).isEqualTo("ux-shop");
                assertThat(row.get("goal").asText()).isEqualTo("checkout");
                assertThat(row.get("vital").asText()).isEqualTo("LCP");
                assertThat(row.get("window").asText()).isEqualTo("10s");
                assertThat(row.get("sessions").asLong()).isEqualTo(10);
                assertThat(row.get("converted").asLong()).isEqualTo(4);
                assertThat(row.get("good_sessions").asLong()).isEqualTo(4);
                assertThat(row.get("good_rate").asDouble()).isEqualTo(0.75);
                assertThat(row.get("needs_improvement_sessions").asLong()).isEqualTo(4);
                assertThat(row.get("needs_improvement_rate").asDouble()).isEqualTo(0.25);
                assertThat(row.get("poor_sessions").asLong()).isEqualTo(2);
                assertThat(row.get("poor_rate").asDouble()).isEqualTo(0.0);
                assertThat(row.get("p75").asDouble()).isEqualTo(3900); // rank 8 of 10
                assertThat(row.get("p75_rating").asText()).isEqualTo("NEEDS_IMPROVEMENT");
                assertThat(row.get("target").asText()).isEqualTo("GOOD");
                assertThat(row.get("moved_share").asDouble()).isCloseTo(0.35, org.assertj.core.api.Assertions.within(1e-12));
                assertThat(row.get("rate_difference").asDouble()).isEqualTo(0.5);
                assertThat(row.get("gain").asDouble()).isCloseTo(0.175, org.assertj.core.api.Assertions.within(1e-12));
                assertThat(row.get("gain_lower").asDouble()).isLessThan(0.175);
                assertThat(row.get("gain_upper").asDouble()).isGreaterThan(0.175);

                influx.printCli("impact IT", "ux", "SELECT sessions, conversion_rate, good_rate, needs_improvement_rate, poor_rate, p75, gain,"
                    + " gain_lower, gain_upper FROM ux_impact WHERE page = '/checkout' AND vital = 'LCP' AND time > now() - 1d");
                String table = report(influx, windowStart);
                System.out.println("impact IT: perfstream report impact --page /checkout\n" + table);
                assertThat(table).contains("checkout", "LCP", "75.00% (4)", "25.00% (4)", "0.00% (2)", "3.90 s", "NI->good",
                    "+17.50 [");
            }
        }
    }

    private static HttpResponse<String> post(HttpClient http, String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code perfstream report impact --page /checkout} against the test's influxd, as the command line runs it. */
    private static String report(InfluxTestServer influx, long windowStart) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream before = System.out;
        int rc;
        try (PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            rc = new CommandLine(new ImpactReportCommand()).execute("--page", "/checkout", "--set", "influx.url=" + influx.url(),
                "--set", "influx.database=ux", "--from", Instant.ofEpochMilli(windowStart - 60_000).toString(), "--to", "now");
        } finally {
            System.setOut(before);
        }
        assertThat(rc).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The first row of an InfluxQL answer as column -> value, or null. */
    private static JsonNode firstRow(String answer) throws Exception {
        if (answer == null) {
            return null;
        }
        JsonNode series = new ObjectMapper().readTree(answer).path("results").path(0).path("series").path(0);
        if (series.isMissingNode()) {
            return null;
        }
        com.fasterxml.jackson.databind.node.ObjectNode row = new ObjectMapper().createObjectNode();
        Iterator<JsonNode> values = series.path("values").path(0).elements();
        for (JsonNode c : series.path("columns")) {
            row.set(c.asText(), values.hasNext() ? values.next() : null);
        }
        return row;
    }
}
