package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.perfstream.schemas.avro.Rating;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.HeadlessChromium;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.TestClients;
import dev.perfstream.testkit.TopicTail;
import dev.perfstream.testkit.WebVitalsTestPage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end in a real headless Chromium: a page on one origin loads the snippet from the collector
 * on another, is clicked (INP), shifts its layout (CLS) and is navigated away from (hidden); the
 * beacons pass the collector's CORS allow-list and land on the RUM topic of a real Kafka broker
 * with LCP, FCP, TTFB, CLS and INP for that page, and the page's {@code perfstream.conversion('checkout')} as a
 * conversion event of the same session. The rest of the chain (stats stage, sink, InfluxDB)
 * is RumChainIT in the deploy module, where every stage is on the classpath.
 */
class BrowserBeaconIT {
    private static final RecordCodec<RumEvent> CODEC = Codecs.create(RumEvent.getClassSchema(), Settings.of(Map.of()));

    @TempDir
    Path tmp;

    @Test
    @Timeout(180)
    void shouldDeliverWebVitalsFromARealBrowserToTheRumTopic() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(1, "it-e2e-rum", "it-e2e-metrics");
            try (WebVitalsTestPage page = WebVitalsTestPage.serve("e2e-shop");
                 CollectorApp collector = CollectorApp.start(Settings.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "collector.port", "0", "topic.rum", "it-e2e-rum", "topic.metrics", "it-e2e-metrics",
                    "collector.cors.origins", page.origin(), "collector.session.salt", "e2e")))) {
                List<RumEvent> events;
                boolean interactionMeasured;
                try (HeadlessChromium browser = HeadlessChromium.launch(tmp.resolve("chromium-profile"))) {
                    // and the shop reports a conversion of this session before the page is left
                    interactionMeasured = page.visit(browser, "http://127.0.0.1:" + collector.port(), "/product/42?utm=x",
                        "perfstream.conversion('checkout')");
                    // The browser sends its beacons asynchronously after leaving the page, possibly more than one:
                    // keep it alive until every wanted vital is on the topic.
                    // INP exists only if the browser measured the click (an Event Timing entry). Headless Chromium
                    // sometimes never finalises that entry (no frame after the event); then there is nothing for the
                    // snippet to report and only the other vitals are required. Whenever the click was measured, INP is.
                    events = awaitVitals(kafka.clients(), interactionMeasured
                        ? List.of(Vital.LCP, Vital.FCP, Vital.TTFB, Vital.CLS, Vital.INP)
                        : List.of(Vital.LCP, Vital.FCP, Vital.TTFB, Vital.CLS));
                } catch (AssertionError e) {
                    // Say what the collector saw (requests by status, rejects by reason) to tell a lost beacon from a refused one.
                    String m = new String(collector.metrics().scrape(), StandardCharsets.UTF_8);
                    throw new AssertionError(e.getMessage() + "; collector: " + m.lines()
                        .filter(l -> l.startsWith("perfstream_collector_re")).toList(), e);
                }
                Map<Vital, RumEvent> got = new EnumMap<>(Vital.class);
                events.stream().filter(e -> e.getVital() != null).forEach(e -> got.put(e.getVital(), e));
                got.values().forEach(e -> System.out.println("e2e vital: " + e.getVital() + " = " + e.getValue() + " " + e.getRating()));
                assertThat(got.values()).allSatisfy(e -> {
                    assertThat(e.getApp()).isEqualTo("e2e-shop");
                    assertThat(e.getPage()).isEqualTo("/product/{id}");
                    assertThat(e.getBrowser()).isEqualTo("chrome");
                    assertThat(e.getSessionHash()).hasSize(32);
                });
                RumEvent conversion = events.stream().filter(e -> "checkout".equals(e.getConversion())).findFirst().orElse(null);
                assertThat(conversion).as("perfstream.conversion('checkout') on the topic").isNotNull();
                System.out.println("e2e conversion: " + conversion);
                assertThat(conversion.getVital()).isNull();
                assertThat(conversion.getValue()).isEqualTo(1.0);
                assertThat(conversion.getPage()).isEqualTo("/product/{id}");
                assertThat(conversion.getSessionHash()).as("the session of the page's vitals")
                    .isEqualTo(got.get(Vital.LCP).getSessionHash());
                assertThat(got.get(Vital.CLS).getValue()).isGreaterThan(0);
                assertThat(got.get(Vital.LCP).getValue()).isGreaterThan(0).isGreaterThanOrEqualTo(got.get(Vital.FCP).getValue());
                // The collector counted exactly what it put on the topic (its counter moves on the broker's ack, so
                // wait for the two to meet rather than compare at one instant).
                double[] counted = {-1};
                int[] onTopic = {-1};
                try {
                    Poll.until(Duration.ofSeconds(30), "perfstream_collector_events_total equal to the records on it-e2e-rum",
                        () -> {
                            onTopic[0] = kafka.clients().records("it-e2e-rum").size();
                            counted[0] = new String(collector.metrics().scrape(), StandardCharsets.UTF_8).lines()
                                .filter(l -> l.startsWith("perfstream_collector_events_total{topic=\"it-e2e-rum\"}"))
                                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
                            return counted[0] == onTopic[0] ? Boolean.TRUE : null;
                        });
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + ": counted " + counted[0] + ", on the topic " + onTopic[0], e);
                }
                assertThat(onTopic[0]).as("records on it-e2e-rum").isGreaterThanOrEqualTo(events.size());
                // Last, so that everything else is checked in every run: INP when the browser measured the click,
                // and a reported skip (not a silent pass) when it did not.
                assumeTrue(interactionMeasured, "headless Chromium produced no Event Timing entry for any of 3 clicks,"
                    + " so the page had no INP to report: INP not checked in this run (LCP, FCP, TTFB, CLS and the"
                    + " conversion were)");
                RumEvent inp = got.get(Vital.INP);
                assertThat(inp.getValue()).as("the click handler blocks the main thread for 150 ms").isGreaterThanOrEqualTo(100);
                // web-vitals' INP thresholds: good up to 200 ms, poor above 500 ms
                assertThat(inp.getRating()).isEqualTo(inp.getValue() <= 200 ? Rating.GOOD
                    : inp.getValue() <= 500 ? Rating.NEEDS_IMPROVEMENT : Rating.POOR);
            }
        }
    }

    /** The RUM events on the topic once every wanted vital and a conversion are there. */
    private static List<RumEvent> awaitVitals(TestClients clients, List<Vital> wanted) {
        try (TopicTail tail = clients.tail("it-e2e-rum")) {
            try {
                return tail.until(Duration.ofSeconds(60), "vitals " + wanted + " and a conversion on the RUM topic",
                    "it-e2e-rum", CODEC::decode, events -> events.stream().map(RumEvent::getVital).toList()
                        .containsAll(wanted) && events.stream().anyMatch(e -> e.getConversion() != null) ? events : null);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " (seen: " + tail.decoded("it-e2e-rum", CODEC::decode).stream()
                    .map(x -> x.getConversion() != null ? "conversion " + x.getConversion() : x.getVital() + "=" + x.getValue())
                    .toList() + ")", e);
            }
        }
    }
}
