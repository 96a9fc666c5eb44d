package dev.perfstream.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stage's HTTP status endpoints: {@code GET /metrics} (Prometheus text format 0.0.4: the JVM, the Kafka
 * clients of this process, perfstream's counters), {@code GET /healthz} (200 while alive) and
 * {@code GET /readyz} (200 when ready, 503 with the reason otherwise). JDK's HTTP server on one
 * daemon thread: a scrape every few seconds needs no more.
 */
public final class StatusServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final PerfstreamMetrics.Registration readyGauge;

    private StatusServer(HttpServer server, PerfstreamMetrics.Registration readyGauge) {
        this.server = server;
        this.readyGauge = readyGauge;
    }

    /**
     * @param host where to listen ({@code 0.0.0.0} for every interface)
     * @param port 0 for any free port ({@link #port()} tells which)
     * @throws IllegalArgumentException naming the port when it is taken
     */
    public static StatusServer start(String host, int port, StageStatus status) {
        JvmMetricsOnce.register();
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (BindException e) {
            throw new IllegalArgumentException(status.stage() + " status server: port " + port + " on " + host
                + " is in use (set " + status.stage() + ".http.port to another port, 0 for any free one, -1 for none)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(status.stage() + " status server: cannot listen on " + host + ":" + port
                + ": " + e.getMessage(), e);
        }
        s.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, status.stage() + "-status");
            t.setDaemon(true);
            return t;
        }));
        s.createContext("/metrics", ex -> answer(ex, 200, PrometheusTextFormatWriter.CONTENT_TYPE, scrape(status.stage())));
        s.createContext("/healthz", ex -> probe(ex, status.notAlive()));
        s.createContext("/readyz", ex -> probe(ex, status.notReady()));
        s.createContext("/", ex -> answer(ex, 404, "text/plain; charset=utf-8",
            "perfstream " + status.stage() + ": /metrics, /healthz, /readyz\n"));
        s.start();
        LOG.info("{} status server on http://{}:{}/ (/metrics, /healthz, /readyz)", status.stage(), host,
            s.getAddress().getPort());
        return new StatusServer(s, PerfstreamMetrics.READY.register(status.stage(),
            () -> status.notReady().isEmpty() ? 1 : 0));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * What one stage's {@code /metrics} serves: the JVM, perfstream's series of this stage (those labelled with
     * another stage are left out) and the Kafka metrics of this stage's clients. Running alone (one stage per
     * process, as in production) that is everything; in one JVM with other stages (the demo, tests) each port
     * keeps to its own stage, so a Prometheus that scrapes every port counts nothing twice; the JVM's series
     * appear on every port.
     *
     * <p>perfstream's series are filtered on the text (a sample line whose labels hold {@code stage="other"}):
     * the client library filters by metric name only.
     */
    public static String scrape(String stage) {
        JvmMetricsOnce.register();
        String all = write(PerfstreamMetrics.REGISTRY.scrape());
        StringBuilder out = new StringBuilder(all.length() + 64 * 1024);
        String own = "stage=\"" + stage + "\"";
        int from = 0;
        while (from < all.length()) {
            int end = all.indexOf('\n', from);
            end = end < 0 ? all.length() : end + 1;
            String line = all.substring(from, end);
            from = end;
            if (line.startsWith("#") || !line.contains("stage=\"") || line.contains("{" + own) || line.contains("," + own)) {
                out.append(line);
            }
        }
        return out.append(write(KafkaMetricsBridge.collectStage(stage))).toString();
    }

    /** Everything this process exposes (every stage), in the Prometheus text format. */
    public static String scrape() {
        JvmMetricsOnce.register();
        return write(PerfstreamMetrics.REGISTRY.scrape()) + write(KafkaMetricsBridge.collectStage(null));
    }

    private static String write(io.prometheus.metrics.model.snapshots.MetricSnapshots snapshots) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
            PrometheusTextFormatWriter.create().write(out, snapshots);
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void probe(HttpExchange ex, Optional<String> problem) throws IOException {
        if (problem.isEmpty()) {
            answer(ex, 200, "application/json", "{\"status\":\"ok\"}\n");
        } else {
            answer(ex, 503, "application/json", JSON.writeValueAsString(JSON.createObjectNode()
                .put("status", "unavailable").put("reason", problem.get())) + "\n");
        }
    }

    private static void answer(HttpExchange ex, int code, String type, String body) throws IOException {
        try (ex) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            if ("HEAD".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(code, -1);
                return;
            }
            ex.sendResponseHeaders(code, bytes.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        } catch (RuntimeException e) {
            LOG.warn("status server: {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
            throw e;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        readyGauge.close();
    }
}
