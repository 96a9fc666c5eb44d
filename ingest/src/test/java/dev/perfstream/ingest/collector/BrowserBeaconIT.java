package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.testkit.KafkaTestCluster;
import dev.perfstream.schemas.testkit.Poll;
import java.net.InetSocketAddress;
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
 * with LCP, FCP, TTFB, CLS and INP for that page. (The stats stage and InfluxDB are the lead's
 * part of the chain; this test's end point is the topic.)
 */
class BrowserBeaconIT {
    @TempDir
    Path tmp;

    static final String PAGE = """
        <!doctype html><html><head><meta charset="utf-8"><title>product</title>
        <script src="%s/perfstream-rum.js" data-app="e2e-shop" async></script></head>
        <body style="margin:0;font:16px sans-serif">
        <div id="top"></div>
        <h1 style="font-size:64px">Product 42</h1>
        <p id="text" style="font-size:24px">A large paragraph so that the largest contentful paint has a clear candidate.
        Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>
        <button id="buy" style="width:300px;height:120px;font-size:32px">Buy</button>
        <script>
          // CLS: push the content down well after load (and not right after an input, which would exempt it).
          setTimeout(function () {
            var d = document.createElement('div');
            d.style.height = '300px';
            d.textContent = 'late banner';
            document.getElementById('top').appendChild(d);
            document.title = 'shifted';
          }, 400);
          // The test waits until the browser has dispatched the click's Event Timing entry to observers
          // (web-vitals' INP observer gets it at the same moment) before it hides the page.
          window.eventSeen = false;
          try {
            new PerformanceObserver(function (l) { if (l.getEntries().length) { window.eventSeen = true; } })
              .observe({type: 'event', buffered: true, durationThreshold: 16});
          } catch (e) { window.eventSeen = 'unsupported'; }
          // INP: a slow click handler (150 ms of main-thread work before the next paint).
          document.getElementById('buy').addEventListener('click', function () {
            var end = performance.now() + 150;
            while (performance.now() < end) {}
            document.getElementById('buy').textContent = 'Bought';
          });
        </script></body></html>
        """;

    @Test
    @Timeout(180)
    void shouldDeliverWebVitalsFromARealBrowserToTheRumTopic() throws Exception {
        HttpServer site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String siteOrigin = "http://127.0.0.1:" + site.getAddress().getPort();
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(1, "it-e2e-rum", "it-e2e-metrics");
            try (CollectorApp collector = CollectorApp.start(Settings.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "collector.port", "0", "topic.rum", "it-e2e-rum", "topic.metrics", "it-e2e-metrics",
                    "collector.cors.origins", siteOrigin, "collector.session.salt", "e2e")))) {
                String collectorUrl = "http://127.0.0.1:" + collector.port();
                byte[] html = String.format(PAGE, collectorUrl).getBytes(StandardCharsets.UTF_8);
                site.createContext("/", ex -> {
                    ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
                    ex.sendResponseHeaders(200, html.length);
                    ex.getResponseBody().write(html);
                    ex.close();
                });
                site.start();
                Map<Vital, RumEvent> got;
                boolean interactionMeasured = false;
                try (Cdp browser = Cdp.launch(tmp.resolve("chromium-profile"))) {
                    interactionMeasured = drive(browser, siteOrigin + "/product/42?utm=x");
                    // The browser sends its beacons asynchronously after leaving the page, possibly more than one:
                    // keep it alive until every wanted vital is on the topic.
                    // INP exists only if the browser measured the click (an Event Timing entry). Headless Chromium
                    // sometimes never finalises that entry (no frame after the event); then there is nothing for the
                    // snippet to report and only the other vitals are required. Whenever the click was measured, INP is.
                    got = awaitVitals(kafka, interactionMeasured
                        ? List.of(Vital.LCP, Vital.FCP, Vital.TTFB, Vital.CLS, Vital.INP)
                        : List.of(Vital.LCP, Vital.FCP, Vital.TTFB, Vital.CLS));
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
                assertThat(got.get(Vital.CLS).getValue()).isGreaterThan(0);
                if (interactionMeasured) {
                    assertThat(got.get(Vital.INP).getValue()).isGreaterThanOrEqualTo(100);
                } else {
                    System.out.println("e2e: the browser produced no Event Timing entry for the click; INP not checked in this run");
                }
                assertThat(got.get(Vital.LCP).getValue()).isGreaterThan(0).isGreaterThanOrEqualTo(got.get(Vital.FCP).getValue());
                assertThat(collector.metrics().scrape()).isNotEmpty();
            }
        } finally {
            site.stop(0);
        }
    }

    /** @return whether the browser measured the click (an Event Timing entry reached observers) */
    private static boolean drive(Cdp b, String url) throws Exception {
        String target = b.call(null, "Target.createTarget", p -> p.put("url", "about:blank")).get("targetId").asText();
        String s = b.call(null, "Target.attachToTarget", p -> p.put("targetId", target).put("flatten", true)).get("sessionId").asText();
        b.call(s, "Page.enable");
        b.call(s, "Page.bringToFront");
        b.call(s, "Runtime.enable");
        b.call(s, "Emulation.setDeviceMetricsOverride", p -> p.put("width", 1280).put("height", 1200)
            .put("deviceScaleFactor", 1).put("mobile", false));
        int mark = b.eventCount();
        b.call(s, "Page.navigate", p -> p.put("url", url));
        b.await("Page.loadEventFired", mark, Duration.ofSeconds(30));
        // Wait for the layout shift of the page's timer and the snippet's page-load entry.
        Poll.until(Duration.ofSeconds(10), "layout shift", () -> eval(b, s, "document.title").equals("shifted") ? true : null);
        eval(b, s, "document.getElementById('buy').scrollIntoView({block:'center'}); 1");
        double x = Double.parseDouble(eval(b, s, "(function(){var r=document.getElementById('buy').getBoundingClientRect();return r.x+r.width/2;})()"));
        double y = Double.parseDouble(eval(b, s, "(function(){var r=document.getElementById('buy').getBoundingClientRect();return r.y+r.height/2;})()"));
        for (String type : new String[] {"mousePressed", "mouseReleased"}) {
            b.call(s, "Input.dispatchMouseEvent", p -> p.put("type", type).put("x", x).put("y", y).put("button", "left").put("clickCount", 1));
        }
        Poll.until(Duration.ofSeconds(10), "click handled at " + x + "," + y,
            () -> eval(b, s, "document.getElementById('buy').textContent").equals("Bought") ? true : null);
        boolean measured;
        try {
            measured = Poll.until(Duration.ofSeconds(10), "the click's Event Timing entry",
                () -> eval(b, s, "String(window.eventSeen)").equals("true") ? Boolean.TRUE : null);
        } catch (AssertionError e) {
            measured = false;
        }
        System.out.println("e2e snippet loaded: " + eval(b, s,
            "performance.getEntriesByType('resource').filter(function(e){return e.name.indexOf('perfstream-rum')>=0}).length"));
        // Leave the page: it becomes hidden, and the snippet flushes its batch with sendBeacon.
        mark = b.eventCount();
        b.call(s, "Page.navigate", p -> p.put("url", "about:blank"));
        b.await("Page.loadEventFired", mark, Duration.ofSeconds(30));
        return measured;
    }

    private static String eval(Cdp b, String s, String expr) {
        try {
            return b.call(s, "Runtime.evaluate", p -> p.put("expression", expr).put("returnByValue", true))
                .path("result").path("value").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
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
                        got.put(e.getVital(), e);
                        seen.add(e.getVital() + "=" + e.getValue());
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                }
                return got.keySet().containsAll(wanted) ? got : null;
            });
    }
}
