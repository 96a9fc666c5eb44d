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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real schema registry, Apicurio Registry 3.3.3 (Quarkus, Java 21+), as a child process on free
 * loopback ports, serving the Confluent-compatible API at {@link #url()}. Its H2 database lives in
 * a temporary folder, so {@link #stop()} and {@link #startProcess()} (outage tests) keep the
 * registered schemas, as a real registry would; {@link #pause()}/{@link #resume()} freeze the
 * process (SIGSTOP/SIGCONT) to make it "slow": connections are accepted, nothing answers.
 *
 * <p>The app comes from Maven Central through the build ({@code io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all},
 * unpacked by the testkit module into {@code target/apicurio-registry-3.3.3}); other modules' tests
 * unpack the same tarball from the local Maven repository into their own {@code target/}. Override
 * with {@code -Dperfstream.registry.home=DIR} or {@code PERFSTREAM_REGISTRY_HOME}; the JDK with
 * {@code PERFSTREAM_REGISTRY_JAVA} (a {@code java} binary), else the newest JDK 21+ under /usr/lib/jvm.
 */
public final class RegistryTestServer implements AutoCloseable {
    public static final String VERSION = "3.3.3";
    /** Path of the Confluent-compatible API under the server root. */
    public static final String CCOMPAT = "/apis/ccompat/v7";

    private final Path dir;
    private final Path home;
    private final String java;
    private final int port;
    private final int managementPort;
    private final Options options;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    /**
     * @param basicAuthUser     when set, the registry requires HTTP basic auth with this user (role sr-admin)
     * @param basicAuthPassword its password
     * @param keystore          when set, the registry serves HTTPS only, with this PKCS12 key store
     * @param keystorePassword  its password
     */
    public record Options(String basicAuthUser, String basicAuthPassword, Path keystore, String keystorePassword) {
        public static Options plain() {
            return new Options(null, null, null, null);
        }
    }

    private RegistryTestServer(Options options) throws IOException {
        this.options = options;
        this.dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "registry-");
        this.home = appHome();
        this.java = javaBinary();
        this.port = Ports.free();
        this.managementPort = Ports.free();
    }

    /** Starts a fresh registry (plain HTTP, no auth) and waits until it is ready. */
    public static RegistryTestServer start() throws IOException {
        return start(Options.plain());
    }

    public static RegistryTestServer start(Options options) throws IOException {
        RegistryTestServer s = new RegistryTestServer(options);
        try {
            s.startProcess();
        } catch (RuntimeException | IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** (Re)starts the process on the same ports and database; waits for readiness (up to 3 min). */
    public synchronized void startProcess() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        Map<String, String> props = new TreeMap<>();
        props.put("quarkus.http.host", "127.0.0.1");
        props.put("quarkus.management.host", "127.0.0.1"); // 0.0.0.0 otherwise
        props.put("quarkus.management.port", String.valueOf(managementPort));
        props.put("quarkus.http.access-log.enabled", "false");
        props.put("apicurio.datasource.url", "jdbc:h2:file:" + dir.resolve("db").resolve("registry"));
        props.put("apicurio.datasource.jdbc.initial-size", "2");
        props.put("apicurio.datasource.jdbc.min-size", "2");
        props.put("apicurio.storage.snapshot.location", dir.toString());
        props.put("apicurio.import.work-dir", dir.toString());
        if (options.keystore() != null) {
            props.put("quarkus.http.port", String.valueOf(Ports.free())); // plain port is disabled below
            props.put("quarkus.http.ssl-port", String.valueOf(port));
            props.put("quarkus.http.insecure-requests", "disabled");
            props.put("quarkus.http.ssl.certificate.key-store-file", options.keystore().toString());
            props.put("quarkus.http.ssl.certificate.key-store-password", options.keystorePassword());
        } else {
            props.put("quarkus.http.port", String.valueOf(port));
        }
        if (options.basicAuthUser() != null) {
            props.put("quarkus.http.auth.basic", "true");
            props.put("quarkus.security.users.embedded.plain-text", "true");
            props.put("quarkus.security.users.embedded.users." + options.basicAuthUser(), options.basicAuthPassword());
            props.put("quarkus.security.users.embedded.roles." + options.basicAuthUser(), "sr-admin");
        }
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Djava.io.tmpdir=" + dir));
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(home.resolve("quarkus-run.jar").toString());
        Path log = dir.resolve("registry.log");
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Process p = process;
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly)); // never leave an orphan behind
        Poll.until(Duration.ofMinutes(3), "the schema registry to become ready on port " + port, () -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("the registry exited with " + p.exitValue() + ", see " + log);
            }
            return ready() ? Boolean.TRUE : null;
        });
    }

    /** Stops the process (SIGTERM, SIGKILL after 20 s). The database stays for {@link #startProcess()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        resume();
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Freezes the process: TCP connections still succeed (kernel backlog), no request is answered. */
    public synchronized void pause() {
        signal("STOP");
    }

    /** Unfreezes after {@link #pause()}. */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String sig) {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            int rc = new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException("kill -" + sig + " " + process.pid() + " exited with " + rc);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The Confluent-compatible base URL, e.g. {@code http://127.0.0.1:41234/apis/ccompat/v7}: the value for {@code schema.registry.url}. */
    public String url() {
        return (options.keystore() != null ? "https" : "http") + "://127.0.0.1:" + port + CCOMPAT;
    }

    public int port() {
        return port;
    }

    /** The server's log file (for failure diagnosis). */
    public Path log() {
        return dir.resolve("registry.log");
    }

    /** Readiness from Quarkus' management interface (plain HTTP on its own port). */
    public boolean ready() {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Finds the unpacked app, unpacking the tarball from the local Maven repository if needed. */
    static Path appHome() throws IOException {
        String configured = System.getProperty("perfstream.registry.home", System.getenv("PERFSTREAM_REGISTRY_HOME"));
        if (configured != null) {
            return requireApp(Paths.get(configured));
        }
        Path local = Paths.get("target", "apicurio-registry-" + VERSION).toAbsolutePath();
        if (Files.isRegularFile(local.resolve("quarkus-run.jar"))) {
            return local;
        }
        String repo = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
        Path tarball = Paths.get(repo, "io", "apicurio", "apicurio-registry-app", VERSION,
            "apicurio-registry-app-" + VERSION + "-all.tar.gz");
        if (!Files.isRegularFile(tarball)) {
            throw new IllegalStateException(tarball + " is missing: build the schemas module with `mvn verify` once"
                + " (it fetches io.apicurio:apicurio-registry-app:" + VERSION + ":tar.gz:all from Maven Central)");
        }
        Files.createDirectories(local.getParent());
        Path tmp = Files.createTempDirectory(local.getParent(), "apicurio-unpack-");
        try {
            int rc = new ProcessBuilder("tar", "xzf", tarball.toString(), "-C", tmp.toString()).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException("tar xzf " + tarball + " exited with " + rc);
            }
            Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (IOException e) {
            if (!Files.isRegularFile(local.resolve("quarkus-run.jar"))) { // another JVM may have won the race
                throw e;
            }
        }
        return requireApp(local);
    }

    private static Path requireApp(Path home) {
        if (!Files.isRegularFile(home.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException(home + " has no quarkus-run.jar: not an unpacked apicurio-registry-app");
        }
        return home;
    }

    /** A {@code java} of version 21 or newer. */
    static String javaBinary() throws IOException {
        String configured = System.getenv("PERFSTREAM_REGISTRY_JAVA");
        if (configured != null) {
            return configured;
        }
        Path jvms = Paths.get("/usr/lib/jvm");
        Optional<Path> best = Optional.empty();
        int bestVersion = 0;
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> s = Files.list(jvms)) {
                for (Path jdk : (Iterable<Path>) s.sorted(Comparator.naturalOrder())::iterator) {
                    int v = majorVersion(jdk);
                    if (v >= 21 && v > bestVersion && Files.isExecutable(jdk.resolve("bin/java"))) {
                        best = Optional.of(jdk);
                        bestVersion = v;
                    }
                }
            }
        }
        return best.map(p -> p.resolve("bin/java").toString()).orElseThrow(() -> new IllegalStateException(
            "the schema registry needs Java 21+: none under /usr/lib/jvm; install one (e.g. apt-get install openjdk-21-jre-headless)"
                + " or set PERFSTREAM_REGISTRY_JAVA to a java binary"));
    }

    private static int majorVersion(Path jdk) throws IOException {
        Path release = jdk.resolve("release");
        if (!Files.isRegularFile(release)) {
            return 0;
        }
        for (String line : Files.readAllLines(release)) {
            if (line.startsWith("JAVA_VERSION=")) {
                String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                String major = v.split("[.+-]")[0];
                try {
                    return Integer.parseInt(major.equals("1") ? v.split("\\.")[1] : major);
                } catch (RuntimeException e) {
                    return 0;
                }
            }
        }
        return 0;
    }
}
