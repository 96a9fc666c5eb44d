package dev.perfstream.testkit;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import javax.imageio.ImageIO;

/**
 * A test page with the perfstream RUM snippet, served on its own loopback origin, and the browser
 * steps that make it produce every Web Vital: load (TTFB, FCP, LCP), a late layout shift (CLS), a
 * slow click (INP), then leaving the page (hidden: the snippet flushes its beacon). Shared by the
 * browser tests of the collector and of the whole chain. The causes are known, for attribution: the LCP
 * element is a 600x400 image ({@code #hero}, {@code /img/hero.png}), the INP target the button {@code #buy},
 * whose click runs {@code slowBuyHandler} of {@code /app.js}.
 *
 * <p>INP exists only if the browser measured the click (an Event Timing entry). Headless Chromium
 * finalises that entry only when it presents the next frame, which on its own it often does not do
 * (no INP in 3 of 3 probe runs on a loaded machine); {@link #visit} takes screenshots while it waits,
 * which makes the browser draw frames as a visible one would (3 of 3 measured). It still reports
 * whether the page's own observer saw the entry, so a test requires INP exactly when there is one.
 */
public final class WebVitalsTestPage implements AutoCloseable {
    static final String PAGE = """
        <!doctype html><html><head><meta charset="utf-8"><title>product</title>
        <script src="%s/perfstream-rum.js" data-app="%s" async></script>
        <script src="/app.js"></script></head>
        <body style="margin:0;font:16px sans-serif">
        <div id="top"></div>
        <h1 style="font-size:64px">Product 42</h1>
        <img id="hero" src="/img/hero.png" width="600" height="400" alt="hero">
        <p id="text" style="font-size:24px">A paragraph of text below the image, painted with it; the image is the largest.
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
          // (web-vitals' INP observer gets it at the same moment) before it hides the page. Only the 'click'
          // entry counts: the pointerdown of the same interaction comes in an earlier frame with a short
          // duration, and INP would be reported from it alone if the page were hidden then.
          window.eventSeen = false;
          try {
            new PerformanceObserver(function (l) {
              if (l.getEntries().some(function (e) { return e.name === 'click'; })) { window.eventSeen = true; }
            }).observe({type: 'event', buffered: true, durationThreshold: 16});
          } catch (e) { window.eventSeen = 'unsupported'; }
          // INP: a slow click handler (/app.js).
          document.getElementById('buy').addEventListener('click', slowBuyHandler);
        </script></body></html>
        """;
    /** 150 ms of main-thread work before the next paint; in a script file, so long animation frames name it. */
    static final String APP_JS = """
        function slowBuyHandler() {
          var end = performance.now() + 150;
          while (performance.now() < end) {}
          document.getElementById('buy').textContent = 'Bought';
        }
        """;

    private final HttpServer site;
    private final String app;
    /** Where the page loads the snippet from; set by {@link #visit} (the collector may start after the page's origin is known). */
    private volatile String collectorUrl;

    private WebVitalsTestPage(HttpServer site, String app) {
        this.site = site;
        this.app = app;
    }

    /**
     * Serves the page on every path of a fresh loopback origin.
     *
     * @param app the snippet's {@code data-app}
     */
    public static WebVitalsTestPage serve(String app) {
        try {
            HttpServer site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            WebVitalsTestPage page = new WebVitalsTestPage(site, app);
            site.createContext("/", site(APP_JS, heroImage(600, 400),
                () -> String.format(PAGE, page.collectorUrl, page.app)));
            site.start();
            return page;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A test site: {@code /app.js} and {@code /img/hero.png} from these, the page from {@code html} on every other path.
     */
    public static HttpHandler site(String appJs, byte[] png, Supplier<String> html) {
        return ex -> {
            String path = ex.getRequestURI().getPath();
            byte[] body;
            String type;
            if (path.equals("/app.js")) {
                body = appJs.getBytes(StandardCharsets.UTF_8);
                type = "application/javascript";
            } else if (path.equals("/img/hero.png")) {
                body = png;
                type = "image/png";
            } else {
                body = html.get().getBytes(StandardCharsets.UTF_8);
                type = "text/html; charset=utf-8";
            }
            ex.getResponseHeaders().add("Content-Type", type);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        };
    }

    /**
     * A PNG of {@code width} x {@code height} with shapes in it: browsers ignore low-entropy images (a single colour
     * scaled up) as largest contentful paint candidates.
     */
    public static byte[] heroImage(int width, int height) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(40, 90, 160));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.ORANGE);
        g.fillOval(width / 5, height / 7, width * 3 / 5, height * 5 / 7);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** The page's origin (add it to the collector's CORS allow-list). */
    public String origin() {
        return "http://127.0.0.1:" + site.getAddress().getPort();
    }

    /**
     * Opens {@code origin() + path} in a new tab, waits for the layout shift, clicks the button and waits
     * (up to 10 s) for the click's Event Timing entry (up to three clicks), then navigates away so the page is hidden and
     * the snippet sends its beacon. The browser must stay open until the beacons have arrived.
     *
     * @param collectorUrl where the page loads the snippet from (and so sends its beacons), e.g. http://127.0.0.1:8088
     * @param path         path (and query) of the page on this origin, e.g. /product/42?utm=x
     *
     * @return whether the browser measured the click (an Event Timing entry reached the page's observer)
     */
    public boolean visit(HeadlessChromium b, String collectorUrl, String path) throws Exception {
        return visit(b, collectorUrl, path, null);
    }

    /**
     * As {@link #visit(HeadlessChromium, String, String)}, and evaluates {@code beforeLeaving} in the page (e.g. the
     * snippet's {@code perfstream.conversion('checkout')}) just before leaving it, failing unless it yields "true".
     */
    public boolean visit(HeadlessChromium b, String collectorUrl, String path, String beforeLeaving) throws Exception {
        this.collectorUrl = collectorUrl;
        String s = b.openTab(1280, 1200);
        b.navigate(s, origin() + path);
        // Wait for the layout shift of the page's timer.
        Poll.until(Duration.ofSeconds(10), "layout shift", () -> b.eval(s, "document.title").equals("shifted") ? true : null);
        // Headless Chromium sometimes never finalises a click's Event Timing entry; another click (the same slow
        // handler) is another chance, up to three, before the visit reports the click as not measured.
        boolean measured = false;
        for (int attempt = 1; attempt <= 3 && !measured; attempt++) {
            b.click(s, "buy");
            Poll.until(Duration.ofSeconds(10), "click handled",
                () -> b.eval(s, "document.getElementById('buy').textContent").equals("Bought") ? true : null);
            try {
                measured = Poll.until(Duration.ofSeconds(10), "the click's Event Timing entry", () -> {
                    b.presentFrame(s);
                    return b.eval(s, "String(window.eventSeen)").equals("true") ? Boolean.TRUE : null;
                });
            } catch (AssertionError e) {
                System.out.println("web vitals page: click " + attempt + " of 3 produced no Event Timing entry");
            }
        }
        System.out.println("web vitals page: snippet loaded " + b.eval(s,
            "performance.getEntriesByType('resource').filter(function(e){return e.name.indexOf('perfstream-rum')>=0}).length")
            + " time(s); click " + (measured ? "measured (Event Timing entry seen): INP expected"
            : "NOT measured: headless Chromium produced no Event Timing entry for it, so there is no INP to report"));
        if (beforeLeaving != null) {
            String answer = b.eval(s, "String(" + beforeLeaving + ")");
            if (!answer.equals("true")) {
                throw new AssertionError(beforeLeaving + " answered " + answer + " in the page");
            }
        }
        // Leave the page: it becomes hidden, and the snippet flushes its batch with sendBeacon.
        b.navigate(s, "about:blank");
        return measured;
    }

    @Override
    public void close() {
        site.stop(0);
    }
}
