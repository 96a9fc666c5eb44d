package dev.perfstream.sink.influx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.Ports;
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
import java.util.concurrent.TimeUnit;

/**
 * QuestDB (Maven Central {@code org.questdb:questdb}, a real time-series database) as a child JVM on
 * a free loopback port: the one server available on these machines that serves InfluxDB's v2 write
 * API, {@code POST /api/v2/write} with line protocol (InfluxDB 1.8+ and 2.x are not packaged in
 * Debian, and influxd 1.6.7 answers 404 there). Every other listener is switched off. Queries go to
 * its {@code /exec} SQL endpoint.
 */
final class QuestDbTestServer implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private QuestDbTestServer(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    static QuestDbTestServer start() throws Exception {
        Path dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "questdb-");
        int port = Ports.free();
        Files.createDirectories(dir.resolve("conf"));
        Files.writeString(dir.resolve("conf/server.conf"), String.join("\n",
            "http.bind.to=127.0.0.1:" + port,
            "http.min.enabled=false", "pg.enabled=false", "line.tcp.enabled=false", "line.udp.enabled=false",
            "telemetry.enabled=false", "shared.worker.count=1", "http.worker.count=1", ""));
        String jar = Paths.get(io.questdb.ServerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-Djava.io.tmpdir=" + dir, "-p", jar, "-m", "io.questdb/io.questdb.ServerMain", "-d", dir.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("questdb.log").toFile()).start();
        QuestDbTestServer s = new QuestDbTestServer(dir, port, p);
        try {
            // connection refused until QuestDB listens: retried; QuestDB exiting: fails at once
            Poll.until(Duration.ofSeconds(90), "QuestDB to answer on port " + port, UncheckedIOException.class, () -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("QuestDB exited with " + p.exitValue() + ", see " + dir.resolve("questdb.log"));
                }
                return s.sql("select 1").has("dataset") ? Boolean.TRUE : null;
            });
        } catch (RuntimeException | AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Runs SQL through /exec and returns the JSON answer ({@code columns}, {@code dataset}, or {@code error}). */
    JsonNode sql(String query) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create(url() + "/exec?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
