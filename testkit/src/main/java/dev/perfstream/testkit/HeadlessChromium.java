package dev.perfstream.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A headless Chromium child process (Debian's {@code chromium}; {@code -Dperfstream.chromium=PATH}
 * for another) driven over the DevTools protocol with the JDK's WebSocket client, on loopback.
 * Written for the tests because Playwright/Selenium would add a node toolchain or a driver download
 * to the Java test run for a dozen protocol calls. {@link WebVitalsTestPage} drives a RUM test page with it.
 */
public final class HeadlessChromium implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The flags of issue 7, plus the debugging port the test drives the browser through. */
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        // The flags, plus: never throttle the page's rendering or timers as a background tab,
        // or the click's Event Timing entry (INP) can wait for a frame that never comes.
        "--disable-renderer-backgrounding", "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows");

    private final Process process;
    private final WebSocket ws;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Process process, WebSocket ws) {
        this.process = process;
        this.ws = ws;
    }

    /** Starts the browser with a fresh profile in {@code userDataDir} (its log goes next to it, {@code <dir>.log}). */
    public static HeadlessChromium launch(Path userDataDir) throws Exception {
        Files.createDirectories(userDataDir);
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(System.getProperty("perfstream.chromium", "/usr/bin/chromium"));
        cmd.addAll(FLAGS);
        cmd.add("--user-data-dir=" + userDataDir);
        cmd.add("--remote-debugging-port=0");
        cmd.add("--remote-debugging-address=127.0.0.1");
        cmd.add("about:blank");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(userDataDir.resolveSibling(userDataDir.getFileName() + ".log").toFile()).start();
        Path portFile = userDataDir.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("chromium did not start (see " + userDataDir + ".log)");
            }
            Thread.sleep(50);
        }
        List<String> lines = Files.readAllLines(portFile);
        URI uri = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
        HeadlessChromium[] self = new HeadlessChromium[1];
        StringBuilder buf = new StringBuilder();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                buf.append(data);
                if (last) {
                    String msg = buf.toString();
                    buf.setLength(0);
                    self[0].onMessage(msg);
                }
                w.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        self[0] = new HeadlessChromium(p, ws);
        return self[0];
    }

    private void onMessage(String msg) {
        try {
            JsonNode n = JSON.readTree(msg);
            if (n.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(n.get("id").asInt());
                if (f != null) {
                    if (n.has("error")) {
                        f.completeExceptionally(new IllegalStateException(n.get("error").toString()));
                    } else {
                        f.complete(n.get("result"));
                    }
                }
            } else {
                events.add(n);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends a command (to a page session when {@code session} is not null) and waits for its result. */
    public JsonNode call(String session, String method, Consumer<ObjectNode> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        if (session != null) {
            msg.put("sessionId", session);
        }
        params.accept(msg.putObject("params"));
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ws.sendText(msg.toString(), true).get(10, TimeUnit.SECONDS);
        return f.get(30, TimeUnit.SECONDS);
    }

    public JsonNode call(String session, String method) throws Exception {
        return call(session, method, p -> { });
    }

    /** Waits for an event by method name, received after {@code since} events. */
    public JsonNode await(String method, int since, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = since; i < events.size(); i++) {
                if (method.equals(events.get(i).path("method").asText())) {
                    return events.get(i);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + method + " within " + timeout);
    }

    /** Events received so far; pass it to {@link #await} to wait for an event that comes after a command. */
    public int eventCount() {
        return events.size();
    }

    /** Opens a new desktop tab of {@code width} x {@code height} CSS pixels, in front; returns its session id. */
    public String openTab(int width, int height) throws Exception {
        String target = call(null, "Target.createTarget", p -> p.put("url", "about:blank")).get("targetId").asText();
        String s = call(null, "Target.attachToTarget", p -> p.put("targetId", target).put("flatten", true)).get("sessionId").asText();
        call(s, "Page.enable");
        call(s, "Page.bringToFront");
        call(s, "Runtime.enable");
        call(s, "Emulation.setDeviceMetricsOverride", p -> p.put("width", width).put("height", height)
            .put("deviceScaleFactor", 1).put("mobile", false));
        return s;
    }

    /** Navigates the tab and waits (up to 30 s) for the page's load event. */
    public void navigate(String session, String url) throws Exception {
        int mark = eventCount();
        call(session, "Page.navigate", p -> p.put("url", url));
        await("Page.loadEventFired", mark, Duration.ofSeconds(30));
    }

    /** Evaluates a JavaScript expression in the tab; its value as text. */
    public String eval(String session, String expression) {
        try {
            return call(session, "Runtime.evaluate", p -> p.put("expression", expression).put("returnByValue", true))
                .path("result").path("value").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Makes the tab present a frame (a screenshot). Headless Chromium may not present one on its own after an
     * input, and Event Timing entries and soft-navigation paints are finalised only at a presented frame.
     */
    public void presentFrame(String session) {
        try {
            call(session, "Page.captureScreenshot", p -> p.put("format", "jpeg").put("quality", 10));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Scrolls the element with this id to the middle of the view and clicks its centre with the left mouse button. */
    public void click(String session, String elementId) throws Exception {
        String el = "document.getElementById('" + elementId + "')";
        eval(session, el + ".scrollIntoView({block:'center'}); 1");
        double x = Double.parseDouble(eval(session, "(function(){var r=" + el + ".getBoundingClientRect();return r.x+r.width/2;})()"));
        double y = Double.parseDouble(eval(session, "(function(){var r=" + el + ".getBoundingClientRect();return r.y+r.height/2;})()"));
        for (String type : new String[] {"mousePressed", "mouseReleased"}) {
            call(session, "Input.dispatchMouseEvent", p -> p.put("type", type).put("x", x).put("y", y).put("button", "left").put("clickCount", 1));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the browser is killed below anyway
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
