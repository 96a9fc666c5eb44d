package dev.perfstream.testkit;

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

/**
 * A real InfluxDB 1.x server ({@code influxd} from Debian's {@code influxdb} package) as a child
 * process on free loopback ports with its data in a temporary folder. {@link #stop()} and
 * {@link #start()} may be called repeatedly (outage tests); {@link #close()} stops it for good.
 */
public final class InfluxTestServer implements AutoCloseable {
    private final Path dir;
    private final int httpPort;
    private final Path config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    private InfluxTestServer() throws IOException {
        this.dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "influx-");
        this.httpPort = Ports.free();
        this.config = dir.resolve("influxdb.conf");
        Files.writeString(config, String.join("\n",
            "reporting-disabled = true",
            "bind-address = \"127.0.0.1:" + Ports.free() + "\"",
            "[meta]", "  dir = \"" + dir.resolve("meta") + "\"",
            "[data]", "  dir = \"" + dir.resolve("data") + "\"", "  wal-dir = \"" + dir.resolve("wal") + "\"",
            "  query-log-enabled = false",
            "[http]", "  enabled = true", "  bind-address = \"127.0.0.1:" + httpPort + "\"", "  log-enabled = false",
            "[logging]", "  level = \"warn\"",
            "[monitor]", "  store-enabled = false",
            "[continuous_queries]", "  enabled = false",
            "[subscriber]", "  enabled = false", ""));
    }

    /** Starts a fresh server and waits until it answers /ping. */
    public static InfluxTestServer start() throws IOException {
        InfluxTestServer s = new InfluxTestServer();
        s.startProcess();
        return s;
    }

    /** (Re)starts the server on the same port and data folder. */
    public synchronized void startProcess() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        String influxd = System.getenv().getOrDefault("PERFSTREAM_INFLUXD", "/usr/bin/influxd");
        if (!Files.isExecutable(Paths.get(influxd))) {
            throw new IllegalStateException(influxd + " not found: install Debian's influxdb package (deploy/perfstream test does)");
        }
        process = new ProcessBuilder(influxd, "run", "-config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("influxd.log").toFile())
            .start();
        Poll.until(Duration.ofSeconds(30), "influxd to answer /ping on port " + httpPort, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("influxd exited with " + process.exitValue() + ", see " + dir.resolve("influxd.log"));
            }
            return ping() ? Boolean.TRUE : null;
        });
    }

    /** Stops the server (SIGTERM, then SIGKILL after 10 s); data stays for a restart. */
    public synchronized void stop() {
        Processes.stop(process);
        process = null;
    }

    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int port() {
        return httpPort;
    }

    public boolean ping() {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/ping"))
                .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 204;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs an InfluxQL statement (POST /query) and returns the raw JSON answer. */
    public String query(String db, String influxql) {
        String form = "db=" + enc(db) + "&epoch=ms&q=" + enc(influxql);
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/query"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("InfluxDB answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        stop();
    }
}
