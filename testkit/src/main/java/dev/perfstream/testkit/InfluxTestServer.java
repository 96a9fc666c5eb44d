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
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A real InfluxDB 1.x server ({@code influxd} from Debian's {@code influxdb} package) as a child
 * process on free loopback ports with its data in a temporary folder. {@link #stop()} and
 * {@link #start()} may be called repeatedly (outage tests); {@link #close()} stops it for good.
 */
public final class InfluxTestServer implements AutoCloseable {
    /** The pause between the two reads that must agree (see {@link #query}). */
    private static final long SETTLE_MILLIS = 200;
    private static final int SETTLE_TRIES = 25;
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /**
     * Runs an InfluxQL statement (POST /query) and returns the raw JSON answer. A SELECT or SHOW is read until two
     * answers {@value #SETTLE_MILLIS} ms apart agree ({@link #settled}, at most {@value #SETTLE_TRIES} more reads):
     * InfluxDB 1.x stores each field of a point on its own, so a read during a write can answer a row with some of its
     * fields still null (influxdata/influxdb#8546, closed as wontfix), and a test that waited for the row count would
     * then compare a half-written row. Other statements (CREATE DATABASE) run once.
     */
    public String query(String db, String influxql) {
        String s = influxql.stripLeading().toUpperCase(Locale.ROOT);
        if (!s.startsWith("SELECT") && !s.startsWith("SHOW")) {
            return queryOnce(db, influxql);
        }
        return settled(() -> queryOnce(db, influxql), SETTLE_MILLIS, SETTLE_TRIES);
    }

    /**
     * Reads until two answers {@code pauseMillis} apart agree, and returns that answer; after {@code tries} more
     * reads without agreement, the last one (a database written all the time, as in a running demo, may never agree).
     */
    static String settled(Supplier<String> read, long pauseMillis, int tries) {
        String answer = read.get();
        for (int i = 0; i < tries; i++) {
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            String again = read.get();
            if (again.equals(answer)) {
                return answer;
            }
            answer = again;
        }
        return answer;
    }

    private String queryOnce(String db, String influxql) {
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

    /**
     * The rows of the first series an InfluxQL query answers, without the time column (numbers as doubles, booleans
     * as booleans, the rest as text); null when the query fails (e.g. the database is not there yet) or finds
     * nothing, so that it can be a {@link Poll} condition.
     */
    public List<List<Object>> rows(String db, String influxql) {
        JsonNode series;
        try {
            series = JSON.readTree(query(db, influxql)).path("results").path(0).path("series");
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (!series.isArray() || series.isEmpty()) {
            return null;
        }
        List<List<Object>> out = new ArrayList<>();
        for (JsonNode row : series.get(0).path("values")) {
            List<Object> r = new ArrayList<>();
            for (int i = 1; i < row.size(); i++) {
                JsonNode v = row.get(i);
                r.add(v.isNull() ? null : v.isBoolean() ? v.asBoolean() : v.isNumber() ? (Object) v.asDouble() : v.asText());
            }
            out.add(r);
        }
        return out;
    }

    /**
     * Prints, after {@code label}, what Debian's {@code influx} CLI answers to a query (the real output that READMEs
     * quote); does nothing when {@code influxdb-client} is not installed.
     */
    public void printCli(String label, String db, String influxql) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/influx"))) {
            return;
        }
        Process p = new ProcessBuilder("/usr/bin/influx", "-host", "127.0.0.1", "-port", Integer.toString(httpPort),
            "-database", db, "-precision", "rfc3339", "-execute", influxql).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        System.out.println(label + ": influx -execute \"" + influxql + "\"\n" + out);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        stop();
    }
}
