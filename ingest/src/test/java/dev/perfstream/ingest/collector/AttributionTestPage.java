package dev.perfstream.ingest.collector;

import com.sun.net.httpserver.HttpServer;
import dev.perfstream.testkit.HeadlessChromium;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.WebVitalsTestPage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A page whose vitals have known causes, for the snippet's attribution: the largest contentful paint is a
 * 1000x700 image ({@code img#hero}, {@code /img/hero.png}), the button {@code #buy} runs a slow click handler
 * ({@code slowBuyHandler} in {@code /app.js}, 200 ms of main-thread work, so a long animation frame names
 * that script), and the button {@code #go-cart} makes a soft navigation: History API {@code pushState} to
 * {@code /cart/7} and new content painted, as a single-page app does.
 */
final class AttributionTestPage implements AutoCloseable {
    static final String PAGE = """
        <!doctype html><html><head><meta charset="utf-8"><title>product</title>
        <script src="%s/perfstream-rum.js" data-app="%s" data-version="2026.12.5-rc1" async></script>
        <script src="/app.js"></script></head>
        <body style="margin:0;font:16px sans-serif">
        <p style="font-size:14px">Product 42</p>
        <img id="hero" src="/img/hero.png" width="1000" height="700" alt="hero">
        <div><button id="buy" style="width:200px;height:80px">Buy</button>
        <button id="go-cart" style="width:200px;height:80px">Cart</button></div>
        <div id="view"></div>
        </body></html>
        """;
    static final String APP_JS = """
        function slowBuyHandler() {
          var end = performance.now() + 200;
          while (performance.now() < end) {}
          document.getElementById('buy').textContent = 'Bought';
        }
        function goCart() {
          history.pushState({}, '', '/cart/7');
          var v = document.getElementById('view');
          v.innerHTML = '<h2 style="font-size:48px">Your cart</h2><p style="font-size:28px">Three items, '
            + 'a long enough paragraph to be the largest contentful paint of the soft navigation.</p>';
          document.title = 'cart';
        }
        document.addEventListener('DOMContentLoaded', function () {
          document.getElementById('buy').addEventListener('click', slowBuyHandler);
          document.getElementById('go-cart').addEventListener('click', goCart);
        });
        window.eventSeen = false;
        new PerformanceObserver(function (l) {
          if (l.getEntries().some(function (e) { return e.name === 'click' && e.duration > 150; })) { window.eventSeen = true; }
        }).observe({type: 'event', buffered: true, durationThreshold: 16});
        """;

    private final HttpServer site;
    private final String app;
    private volatile String collectorUrl;

    private AttributionTestPage(HttpServer site, String app) {
        this.site = site;
        this.app = app;
    }

    static AttributionTestPage serve(String app) {
        try {
            HttpServer site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            AttributionTestPage page = new AttributionTestPage(site, app);
            site.createContext("/", WebVitalsTestPage.site(APP_JS, WebVitalsTestPage.heroImage(1000, 700),
                () -> String.format(PAGE, page.collectorUrl, page.app)));
            site.start();
            return page;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String origin() {
        return "http://127.0.0.1:" + site.getAddress().getPort();
    }

    /**
     * Loads {@code /product/42}, clicks {@code #buy} (slow), clicks {@code #go-cart} (soft navigation), then leaves
     * the page so the snippet flushes. Screenshots make headless Chromium present frames, which finalises Event
     * Timing entries and the soft navigation's paints (see WebVitalsTestPage).
     *
     * @return whether the slow click was measured (an Event Timing entry over 150 ms reached the page)
     */
    boolean visit(HeadlessChromium b, String collectorUrl) throws Exception {
        this.collectorUrl = collectorUrl;
        String s = b.openTab(1280, 1000);
        b.navigate(s, origin() + "/product/42");
        b.presentFrame(s);
        b.click(s, "buy");
        Poll.until(Duration.ofSeconds(10), "the slow click handled",
            () -> b.eval(s, "document.getElementById('buy').textContent").equals("Bought") ? true : null);
        boolean measured;
        try {
            measured = Poll.until(Duration.ofSeconds(10), "the slow click's Event Timing entry", () -> {
                b.presentFrame(s);
                return b.eval(s, "String(window.eventSeen)").equals("true") ? Boolean.TRUE : null;
            });
        } catch (AssertionError e) {
            measured = false;
        }
        b.click(s, "go-cart");
        Poll.until(Duration.ofSeconds(10), "the soft navigation to /cart/7", () -> b.eval(s, "location.pathname").equals("/cart/7") ? true : null);
        for (int i = 0; i < 3; i++) {
            b.presentFrame(s);
        }
        System.out.println("attribution page: click " + (measured ? "measured" : "NOT measured") + "; soft navigations seen by the page: "
            + b.eval(s, "String(performance.getEntriesByType('soft-navigation').length)")
            + "; long animation frames: " + b.eval(s, "String(PerformanceObserver.supportedEntryTypes.indexOf('long-animation-frame') >= 0)"));
        b.navigate(s, "about:blank"); // hidden: the snippet flushes its batch
        return measured;
    }

    @Override
    public void close() {
        site.stop(0);
    }
}
