package dev.perfstream.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Prometheus (Debian's {@code prometheus} 2.42) as a child process on a free loopback port, its
 * data in a temporary folder, scraping the given targets every second (one job per entry).
 */
public final class PrometheusTestServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Process process;

    private PrometheusTestServer(Map<String, String> jobs) throws IOException {
        this.dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "prometheus-");
        this.port = Ports.free();
        List<String> lines = new ArrayList<>(List.of("global:", "  scrape_interval: 1s", "  evaluation_interval: 1s",
            "scrape_configs:"));
        jobs.forEach((job, target) -> {
            lines.add("  - job_name: " + job);
            lines.add("    static_configs: [{targets: ['" + target + "']}]");
        });
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, String.join("\n", lines) + "\n");
        String bin = System.getenv().getOrDefault("PERFSTREAM_PROMETHEUS", "/usr/bin/prometheus");
        if (!Files.isExecutable(Paths.get(bin))) {
            throw new IllegalStateException(bin + " not found: install Debian's prometheus package"
                + " (deploy/perfstream test does)");
        }
        process = new ProcessBuilder(bin, "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
            "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("prometheus.log").toFile()))
            .start();
        Poll.until(Duration.ofSeconds(60), "Prometheus to answer /-/ready on port " + port, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ", see "
                    + dir.resolve("prometheus.log"));
            }
            return status("/-/ready") == 200 ? Boolean.TRUE : null;
        });
    }

    /** @param jobs job name to {@code host:port} target */
    public static PrometheusTestServer start(Map<String, String> jobs) throws IOException {
        return new PrometheusTestServer(jobs);
    }

    /** The result vector of an instant PromQL query, as JSON ({@code data.result}). */
    public JsonNode query(String promql) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
                throw new IllegalStateException("Prometheus answered " + r.statusCode() + " to " + promql + ": " + r.body());
            }
            return body.path("data").path("result");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        Processes.stop(process);
    }
}
