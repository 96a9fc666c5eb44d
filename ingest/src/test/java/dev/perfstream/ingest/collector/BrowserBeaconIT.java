package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.HeadlessChromium;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.WebVitalsTestPage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
    /** Conversion events seen on the topic, by goal. */
    private static final Map<String, RumEvent> CONVERSIONS = new java.util.concurrent.ConcurrentHashMap<>();

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
                Map<Vital, RumEvent> got;
                RumEvent conversion;
                boolean interactionMeasured = false;
                try (HeadlessChromium browser = HeadlessChromium.launch(tmp.resolve("chromium-profile"))) {
                    // and the shop reports a conversion of this session before the page is left
                    interactionMeasured = page.visit(browser, "http://127.0.0.1:" + collector.port(), "/product/42?utm=x",
                        "perfstream.conversion('checkout')");
                    // The browser sends its beacons asynchronously after leaving the page, possibly more than one:
                    // keep it alive until every wanted vital is on the topic.
                    // INP exists only if the browser measured the click (an Event Timing entry). Headless Chromium
                    // sometimes never finalises that entry (no frame after the event); then there is nothing for the
                    // snippet to report and only the other vitals are required. Whenever the click was measured, INP is.
                    got = awaitVitals(kafka, interactionMeasured
                        ? List.of(Vital.LCP, Vital.FCP, Vital.TTFB, Vital.CLS, Vital.INP)
                        : List.of(Vital.LCP, Vital.FCP, Vital.TTFB, Vital.CLS));
                    conversion = CONVERSIONS.get("checkout");
                } catch (AssertionError e) {
                    // Say what the collector saw (requests by status, rejects by reason) to tell a lost beacon from a refused one.
                    String m = new String(collector.metrics().scrape(), StandardCharsets.UTF_8);
                    throw new AssertionError(e.getMessage() + "; collector: " + m.lines()
                        .filter(l -> l.startsWith("perfstream_collector_re")).toList(), e);
                }
                got.values().forEach(e -> System.out.println("e2e vital: " + e.getVital() + " = " + e.getValue() + " " + e.getRating()));
                assertThat(got.values()).allSatisfy(e -> {
                    assertThat(e.getApp()).isEqualTo("e2e-shop");
                    assertThat(e.getPage()).isEqualTo("/product/{id}");
                    assertThat(e.getBrowser()).isEqualTo("chrome");
                    assertThat(e.getSessionHash()).hasSize(32);
                });
                assertThat(conversion).as("perfstream.conversion('checkout') on the topic").isNotNull();
                System.out.println("e2e conversion: " + conversion);
                assertThat(conversion.getVital()).isNull();
                assertThat(conversion.getValue()).isEqualTo(1.0);
                assertThat(conversion.getPage()).isEqualTo("/product/{id}");
                assertThat(conversion.getSessionHash()).as("the session of the page's vitals")
                    .isEqualTo(got.get(Vital.LCP).getSessionHash());
                assertThat(got.get(Vital.CLS).getValue()).isGreaterThan(0);
                if (interactionMeasured) {
                    assertThat(got.get(Vital.INP).getValue()).isGreaterThanOrEqualTo(100);
                } else {
                    System.out.println("e2e: the browser produced no Event Timing entry for the click; INP not checked in this run");
                }
                assertThat(got.get(Vital.LCP).getValue()).isGreaterThan(0).isGreaterThanOrEqualTo(got.get(Vital.FCP).getValue());
                // the collector counted what it put on the topic: at least the vitals read back from it
                String scraped = new String(collector.metrics().scrape(), StandardCharsets.UTF_8);
                double counted = scraped.lines().filter(l -> l.startsWith("perfstream_collector_events_total{topic=\"it-e2e-rum\"}"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
                assertThat(counted).as("perfstream_collector_events_total for it-e2e-rum in\n" + scraped).isGreaterThanOrEqualTo(got.size());
            }
        }
    }

    private static Map<Vital, RumEvent> awaitVitals(KafkaTestCluster kafka, List<Vital> wanted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-e2e");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        RecordCodec<RumEvent> codec = Codecs.create(RumEvent.getClassSchema(), Settings.of(Map.of()));
        Map<Vital, RumEvent> got = new EnumMap<>(Vital.class);
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of("it-e2e-rum"));
            try {
                return pollVitals(c, codec, wanted, got, seen);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " (seen: " + seen + ")", e);
            }
        }
    }

    private static Map<Vital, RumEvent> pollVitals(KafkaConsumer<byte[], byte[]> c, RecordCodec<RumEvent> codec,
                                                   List<Vital> wanted, Map<Vital, RumEvent> got, List<String> seen) {
        return Poll.until(Duration.ofSeconds(60), "vitals " + wanted + " on the RUM topic", () -> {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
                    try {
                        RumEvent e = codec.decode(r.topic(), r.value());
                        if (e.getConversion() != null) {
                            CONVERSIONS.put(e.getConversion(), e);
                            seen.add("conversion " + e.getConversion());
                            continue;
                        }
                        got.put(e.getVital(), e);
                        seen.add(e.getVital() + "=" + e.getValue());
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                }
                return got.keySet().containsAll(wanted) && !CONVERSIONS.isEmpty() ? got : null;
            });
    }
}
