package dev.perfstream.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;

/**
 * A real Alertmanager ({@code prometheus-alertmanager} 0.25 from Debian) as a child process on a free
 * loopback port, clustering off, its data in a temporary folder, routing every alert to one webhook
 * receiver ({@code send_resolved: true}, group wait and interval 1 s, repeat interval 1 h), grouping by
 * {@code alertname} or by the labels given.
 * {@link #stop()} and {@link #startProcess()} may be called repeatedly (outage tests).
 */
public final class AlertmanagerTestServer implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Path config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    private AlertmanagerTestServer(String webhookUrl, String groupBy) throws IOException {
        this.dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "alertmanager-");
        this.port = Ports.free();
        this.config = dir.resolve("alertmanager.yml");
        Files.writeString(config, String.join("\n",
            "route:",
            "  receiver: hook",
            "  group_by: [" + groupBy + "]",
            "  group_wait: 1s",
            "  group_interval: 1s",
            "  repeat_interval: 1h",
            "receivers:",
            "  - name: hook",
            "    webhook_configs:",
            "      - url: '" + webhookUrl + "'",
            "        send_resolved: true", ""));
    }

    /** Starts a fresh Alertmanager that notifies {@code webhookUrl}, and waits until it is ready. */
    public static AlertmanagerTestServer start(String webhookUrl) throws IOException {
        return start(webhookUrl, "'alertname'");
    }

    /**
     * @param groupBy the route's {@code group_by} list in YAML, e.g. {@code "'alertname', 'service'"}, or
     *                {@code "'...'"}: every alert its own group, so each notification is about one alert
     */
    public static AlertmanagerTestServer start(String webhookUrl, String groupBy) throws IOException {
        AlertmanagerTestServer s = new AlertmanagerTestServer(webhookUrl, groupBy);
        s.startProcess();
        return s;
    }

    /** (Re)starts it on the same port and data folder (silences and notification log survive). */
    public synchronized void startProcess() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        String bin = System.getenv().getOrDefault("PERFSTREAM_ALERTMANAGER", "/usr/bin/prometheus-alertmanager");
        if (!Files.isExecutable(Paths.get(bin))) {
            throw new IllegalStateException(bin + " not found: install Debian's prometheus-alertmanager package"
                + " (deploy/perfstream test does)");
        }
        process = new ProcessBuilder(bin, "--config.file=" + config, "--storage.path=" + dir.resolve("data"),
            "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=", "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("alertmanager.log").toFile()))
            .start();
        Poll.until(Duration.ofSeconds(30), "Alertmanager to answer /-/ready on port " + port, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("alertmanager exited with " + process.exitValue() + ", see "
                    + dir.resolve("alertmanager.log"));
            }
            return get("/-/ready") == 200 ? Boolean.TRUE : null;
        });
    }

    /** Stops it (SIGTERM, then SIGKILL after 10 s). */
    public synchronized void stop() {
        Processes.stop(process);
        process = null;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Creates a silence for one hour matching {@code label=value} exactly; returns Alertmanager's answer. */
    public String silence(String label, String value) {
        String body = "{\"matchers\":[{\"name\":\"" + label + "\",\"value\":\"" + value + "\",\"isRegex\":false,\"isEqual\":true}],"
            + "\"startsAt\":\"" + java.time.Instant.now().minusSeconds(1) + "\",\"endsAt\":\""
            + java.time.Instant.now().plusSeconds(3600) + "\",\"createdBy\":\"test\",\"comment\":\"test silence\"}";
        return send(HttpRequest.newBuilder(URI.create(url() + "/api/v2/silences")).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** The alerts Alertmanager holds now ({@code GET /api/v2/alerts}), as JSON. */
    public String alerts() {
        return send(HttpRequest.newBuilder(URI.create(url() + "/api/v2/alerts")).GET());
    }

    private String send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("Alertmanager answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
