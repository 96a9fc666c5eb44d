package dev.perfstream.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.ingest.collector.CollectorApp;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.HeadlessChromium;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.TopicTail;
import dev.perfstream.testkit.WebVitalsTestPage;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.streams.stats.StatsApp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RUM chain end to end on real components: a page with the snippet in real headless Chromium is
 * loaded, shifted (CLS), clicked (INP) and hidden; its beacons go through the collector (CORS, parsing,
 * route templating) to the RUM topic of a real Kafka broker, through the stats stage and the sink, into a
 * real influxd, where {@code rum_stats} shows LCP, FCP, TTFB, CLS and INP for that page, with the values
 * the browser sent, and {@code rum_elements} names the elements (the LCP image {@code #hero}, the INP target
 * {@code #buy}, the CLS shift target) and the INP script the browser attributed them to, with as many events as it
 * sent.
 *
 * <p>INP exists only if the browser measured the click (see {@link WebVitalsTestPage}): it is required
 * whenever the page's own observer saw the click's Event Timing entry; when it did not, the test ends as skipped
 * (a JUnit assumption, after every other check) with the reason.
 *
 * <p>The stats stage closes a window when stream time (the largest event time seen) passes its end plus
 * the grace period; beacons carry the collector's receive time, so after the browser part the test writes
 * one later RUM event of the same app (another page) to move stream time on, as PipelineIT does.
 */
@Timeout(240)
class RumChainIT {
    private static final String APP = "chain-shop";
    private static final String PAGE = "/product/{id}";

    @TempDir
    Path tmp;

    @Test
    void shouldShowTheWebVitalsOfARealBrowserPageInInfluxDb() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start();
             WebVitalsTestPage page = WebVitalsTestPage.serve(APP)) {
            kafka.createTopics(1, "ch-metrics", "ch-rum", "ch-stats", "ch-dlq"); // the stats stage creates ch-rum-elements
            Map<String, String> m = new HashMap<>();
            m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            m.put("topic.metrics", "ch-metrics");
            m.put("topic.rum", "ch-rum");
            m.put("topic.stats", "ch-stats");
            m.put("topic.deadletter", "ch-dlq");
            m.put("topic.rum.elements", "ch-rum-elements");
            m.put("stats.windows", "10s");
            m.put("stats.rollup", "off");
            m.put("stats.grace", "2s");
            m.put("stats.commit.interval", "200ms");
            m.put("state.dir", tmp.resolve("state").toString());
            m.put("influx.url", influx.url());
            m.put("influx.database", "chain");
            m.put("sink.topics", "ch-stats,ch-rum-elements");
            m.put("sink.linger", "200ms");
            m.put("collector.port", "0");
            m.put("collector.cors.origins", page.origin());
            m.put("collector.session.salt", "chain");
            Settings settings = Settings.of(m);

            try (StatsApp stats = StatsApp.start(settings); SinkApp sink = SinkApp.start(settings);
                 CollectorApp collector = CollectorApp.start(settings)) {
                boolean measured;
                Map<Vital, List<RumEvent>> sent;
                try (HeadlessChromium browser = HeadlessChromium.launch(tmp.resolve("chromium-profile"))) {
                    measured = page.visit(browser, "http://127.0.0.1:" + collector.port(), "/product/42?utm=chain");
                    // Keep the browser open until its beacons are on the topic (it sends them after leaving the page).
                    sent = awaitVitals(kafka, wanted(measured));
                }
                sent.forEach((v, es) -> System.out.println("rum chain: on the topic " + v + " = "
                    + es.stream().map(RumEvent::getValue).toList()));

                Instant latest = sent.values().stream().flatMap(List::stream).map(RumEvent::getTimestamp)
                    .max(Instant::compareTo).orElseThrow();
                flushWindows(kafka, settings, latest.plusSeconds(30));

                // Complete when every wanted vital has at least as many events in InfluxDB as the browser sent
                // (a beacon's events can fall into two windows, which the sink may write in separate batches).
                Map<Vital, Row> rows = Poll.until(Duration.ofSeconds(150), "rum_stats rows of " + PAGE + " for "
                    + wanted(measured) + " in InfluxDB", () -> {
                        Map<Vital, Row> r = rumStats(influx);
                        return r != null && wanted(measured).stream()
                            .allMatch(v -> r.containsKey(v) && r.get(v).count >= sent.get(v).size()) ? r : null;
                    });
                rows.forEach((v, r) -> System.out.println("rum chain: InfluxDB rum_stats " + v + " " + r));
                for (Vital v : wanted(measured)) {
                    Row r = rows.get(v);
                    // min and max are exact in the stats stage: every value the browser sent lies within them.
                    assertThat(sent.get(v)).as(v + " values vs InfluxDB min/max " + r)
                        .allSatisfy(e -> assertThat(e.getValue()).isBetween(r.min, r.max));
                    assertThat(r.p50).as(v + " p50").isBetween(r.min * 0.99, r.max * 1.01);
                }
                assertThat(rows.get(Vital.CLS).max).isGreaterThan(0);
                assertThat(rows.get(Vital.LCP).max).isGreaterThan(0);
                elements(influx, sent, measured, page.origin());
                // Last, so that everything else is checked in every run: a reported skip, not a silent pass.
                assumeTrue(measured, "headless Chromium produced no Event Timing entry for the click, so no INP exists in"
                    + " this run: INP not checked (LCP, FCP, TTFB, CLS and their elements were)");
                assertThat(rows.get(Vital.INP).max).as("INP of a 150 ms click handler").isGreaterThanOrEqualTo(100);
            }
        }
    }

    /**
     * rum_elements: every (vital, element) and (INP, script) the browser attributed its events to is a tag with at
     * least as many events as it sent; the LCP image {@code #hero}, the INP target {@code #buy} and the INP script
     * ({@code /app.js slowBuyHandler}, when the browser reports long animation frames) among them.
     */
    private static void elements(InfluxTestServer influx, Map<Vital, List<RumEvent>> sent, boolean measured,
                                 String origin) {
        Map<String, Long> expected = new TreeMap<>();
        for (Vital v : List.of(Vital.LCP, Vital.INP, Vital.CLS)) {
            for (RumEvent e : sent.getOrDefault(v, List.of())) {
                if (e.getElement() != null) {
                    expected.merge(v + " element=" + e.getElement(), 1L, Long::sum);
                }
                if (v == Vital.INP && e.getScript() != null) {
                    expected.merge(v + " script=" + e.getScript(), 1L, Long::sum);
                }
            }
        }
        // The page's known causes: its image is the LCP, its button's slow handler in /app.js the INP.
        assertThat(expected).containsKey("LCP element=#hero");
        if (measured) {
            assertThat(expected).containsKey("INP element=#buy");
            sent.get(Vital.INP).stream().filter(e -> e.getScript() != null).forEach(e -> // when long animation frames exist
                assertThat(e.getScript()).isEqualTo(origin + "/app.js slowBuyHandler"));
        }
        Map<String, Long> got = Poll.until(Duration.ofSeconds(60), "rum_elements rows " + expected + " in InfluxDB", () -> {
            Map<String, Long> r = rumElements(influx);
            return r != null && r.keySet().containsAll(expected.keySet())
                && expected.entrySet().stream().allMatch(e -> r.get(e.getKey()) >= e.getValue()) ? r : null;
        });
        got.forEach((k, n) -> System.out.println("rum chain: InfluxDB rum_elements " + k + " count=" + n));
        // The query of the README's "Which element makes a page slow", with this test's app and window.
        System.out.println("rum chain: " + influx.query("chain", "SELECT \"rank\", \"count\", p75, poor_share FROM"
            + " rum_elements WHERE app = '" + APP + "' AND vital = 'LCP' AND \"window\" = '10s' AND time > now() - 1h"
            + " GROUP BY page, device_class, element"));
        // At least: the browser may send another beacon after the test stopped reading the topic (as for rum_stats).
        expected.forEach((k, n) -> assertThat(got.get(k)).as("events of " + k).isGreaterThanOrEqualTo(n));
    }

    /** Events per "VITAL element=x" / "VITAL script=y" of the page in rum_elements, or null before the sink wrote any. */
    private static Map<String, Long> rumElements(InfluxTestServer influx) {
        String q = "SELECT sum(\"count\") FROM rum_elements WHERE \"app\" = '" + APP + "' AND \"page\" = '" + PAGE
            + "' GROUP BY \"vital\", \"element\", \"script\"";
        JsonNode series = series(influx, q);
        if (series == null) {
            return null;
        }
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode s : series) {
            JsonNode tags = s.path("tags");
            String element = tags.path("element").asText();
            String key = tags.path("vital").asText() + (element.isEmpty() ? " script=" + tags.path("script").asText()
                : " element=" + element);
            out.put(key, s.path("values").path(0).path(1).asLong());
        }
        return out;
    }

    private static List<Vital> wanted(boolean interactionMeasured) {
        return interactionMeasured
            ? List.of(Vital.LCP, Vital.FCP, Vital.TTFB, Vital.CLS, Vital.INP)
            : List.of(Vital.LCP, Vital.FCP, Vital.TTFB, Vital.CLS);
    }

    /** Reads the RUM topic until every wanted vital of the page is there; all events of the page by vital. */
    private static Map<Vital, List<RumEvent>> awaitVitals(KafkaTestCluster kafka, List<Vital> wanted) {
        RecordCodec<RumEvent> codec = Codecs.create(RumEvent.getClassSchema(), Settings.of(Map.of()));
        try (TopicTail tail = kafka.clients().tail("ch-rum")) {
            return tail.until(Duration.ofSeconds(60), "vitals " + wanted + " on the RUM topic", "ch-rum", codec::decode,
                events -> {
                    Map<Vital, List<RumEvent>> got = new EnumMap<>(Vital.class);
                    for (RumEvent e : events) {
                        assertThat(e.getApp()).isEqualTo(APP);
                        assertThat(e.getPage()).isEqualTo(PAGE);
                        got.computeIfAbsent(e.getVital(), k -> new ArrayList<>()).add(e);
                    }
                    return got.keySet().containsAll(wanted) ? got : null;
                });
        }
    }

    /** One RUM event of the same app on another page, later than every beacon: stream time passes the windows' ends + grace. */
    private static void flushWindows(KafkaTestCluster kafka, Settings settings, Instant at) throws Exception {
        RumEvent later = new RumEvent(at, APP, "/flush", Vital.TTFB, 1.0, null, null, "desktop", null, null, null, null,
            null, null, null, null, null, null, null, null);
        kafka.clients().send("ch-rum", APP.getBytes(StandardCharsets.UTF_8),
            Codecs.create(RumEvent.getClassSchema(), settings).encode("ch-rum", later));
    }

    /** Aggregate over the page's windows of one vital. */
    record Row(long count, double min, double max, double p50) {
    }

    /** The series of the query's answer, or null while there are none (or no database yet). */
    private static JsonNode series(InfluxTestServer influx, String q) {
        try {
            JsonNode series = new ObjectMapper().readTree(influx.query("chain", q)).path("results").path(0).path("series");
            return series.isArray() && !series.isEmpty() ? series : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** rum_stats of the page by vital, or null while the sink has not written (or created the database). */
    private static Map<Vital, Row> rumStats(InfluxTestServer influx) {
        String q = "SELECT \"count\", \"min\", \"max\", \"p50\" FROM rum_stats WHERE \"app\" = '" + APP
            + "' AND \"page\" = '" + PAGE + "' GROUP BY \"vital\"";
        JsonNode series = series(influx, q);
        if (series == null) {
            return null;
        }
        Map<Vital, Row> rows = new EnumMap<>(Vital.class);
        for (JsonNode s : series) {
            Vital v = Vital.valueOf(s.path("tags").path("vital").asText().toUpperCase(java.util.Locale.ROOT));
            long count = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            double p50 = Double.NaN;
            for (JsonNode values : s.path("values")) { // [time, count, min, max, p50], one per window
                count += values.get(1).asLong();
                min = Math.min(min, values.get(2).asDouble());
                max = Math.max(max, values.get(3).asDouble());
                p50 = values.get(4).asDouble();
            }
            rows.put(v, new Row(count, min, max, p50));
        }
        return rows;
    }
}
