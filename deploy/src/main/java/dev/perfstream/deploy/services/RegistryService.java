package dev.perfstream.deploy.services;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The schema registry: Apicurio Registry {@value #VERSION}, a ready-to-run Quarkus app from Maven
 * Central ({@code io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all}), serving the Confluent
 * Schema Registry API under {@code /apis/ccompat/v7}.
 *
 * <p>The tarball comes from the local Maven repository (Maven fetches it once if it is missing,
 * as {@code deploy/bin/registry.sh} does); the first start unpacks it (~160 MB) under
 * {@code services.dir/registry}, later starts reuse it. It runs on a Java 21+ runtime (see
 * {@link JavaRuntimes}), HTTP and management interfaces bound to loopback (Quarkus binds the
 * management port to 0.0.0.0 unless told otherwise), with a file H2 database in the same folder,
 * so schema ids written into topics stay resolvable across restarts. Ready when
 * {@code GET /apis/ccompat/v7/subjects} answers 200.
 */
public final class RegistryService implements LocalService {
    public static final String VERSION = "3.3.3";
    static final String ARTIFACT = "io.apicurio:apicurio-registry-app:" + VERSION + ":tar.gz:all";
    private static final int MIN_JAVA = 21;

    private final ServicesConfig c;
    private final ServicesConfig.Registry r;
    private final ManagedProcess process;
    private final PrintStream progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** @param progress where the first start reports fetching and unpacking the app */
    public RegistryService(ServicesConfig c, PrintStream progress) {
        this.c = c;
        this.r = c.registry();
        this.progress = progress;
        this.process = new ManagedProcess("registry", c.runDir().resolve("registry.pid"),
            c.logDir().resolve("registry.log"), marker());
    }

    @Override
    public String name() {
        return "registry";
    }

    @Override
    public String address() {
        return r.url();
    }

    @Override
    public String logFile() {
        return process.logFile().toString();
    }

    private String marker() {
        return "-Dperfstream.service=" + c.registryDir();
    }

    Path appDir() {
        return c.registryDir().resolve("apicurio-registry-" + VERSION);
    }

    @Override
    public void checkPorts() throws PortInUseException {
        PortGuard.requireFree("the schema registry", r.host(), r.port(), ServicesConfig.KEY_REGISTRY_URL);
        PortGuard.requireFree("the schema registry's management interface", "127.0.0.1", r.managementPort(),
            ServicesConfig.KEY_REGISTRY_MANAGEMENT_PORT);
    }

    @Override
    public Optional<Long> pid() {
        return process.running().map(ProcessHandle::pid);
    }

    @Override
    public void start() throws ServiceException {
        String java = java();
        ensureApp();
        try {
            Files.createDirectories(c.registryDir().resolve("tmp"));
        } catch (IOException e) {
            throw new ServiceException("cannot create " + c.registryDir() + ": " + e.getMessage(), e);
        }
        ProcessHandle h = process.launch(command(java), Map.of());
        Readiness.await(c.startTimeout(), "the schema registry on " + address(), h, process, this::ready);
    }

    /** The JVM command line: loopback only, file database under the services folder, small heap. */
    List<String> command(String java) {
        Path d = c.registryDir().toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(java, marker(), "-Xmx" + r.heap(), "-XX:+UseSerialGC",
            // C1 only: the registry answers a handful of lookups per schema; this halves its startup CPU.
            "-XX:TieredStopAtLevel=1",
            "-Djava.io.tmpdir=" + d.resolve("tmp"),
            "-Dquarkus.http.host=" + r.host(),
            "-Dquarkus.http.port=" + r.port(),
            "-Dquarkus.management.host=127.0.0.1",
            "-Dquarkus.management.port=" + r.managementPort(),
            "-Dquarkus.http.access-log.enabled=false",
            "-Dapicurio.datasource.url=jdbc:h2:file:" + d.resolve("db").resolve("registry"),
            "-Dapicurio.datasource.jdbc.initial-size=2",
            "-Dapicurio.datasource.jdbc.min-size=2",
            "-Dapicurio.storage.snapshot.location=" + d,
            "-Dapicurio.import.work-dir=" + d,
            "-jar", appDir().resolve("quarkus-run.jar").toString()));
        return cmd;
    }

    private String java() throws ServiceException {
        if (r.java() != null) {
            if (!Files.isExecutable(Path.of(r.java()))) {
                throw new ServiceException(ServicesConfig.KEY_REGISTRY_JAVA + ": " + r.java() + " is not an executable java binary");
            }
            return r.java();
        }
        return JavaRuntimes.atLeast(MIN_JAVA).map(Path::toString).orElseThrow(() -> new ServiceException(
            "the schema registry (Apicurio " + VERSION + ") needs Java " + MIN_JAVA + " or newer and none was found under"
                + " /usr/lib/jvm or JAVA_HOME. Install one (deploy/perfstream tries apt: openjdk-25-jre-headless or"
                + " openjdk-21-jre-headless where the distribution has them; or a Temurin 21+ JDK), set "
                + ServicesConfig.KEY_REGISTRY_JAVA + " to its java binary, or run without the registry: --set "
                + ServicesConfig.KEY_REGISTRY_ENABLED + "=false (JSON on every topic)"));
    }

    /** Unpacks the app on the first start; fetches the tarball through Maven if the local repository lacks it. */
    private void ensureApp() throws ServiceException {
        if (Files.isRegularFile(appDir().resolve("quarkus-run.jar"))) {
            return;
        }
        Path tarball = tarball();
        if (!Files.isRegularFile(tarball)) {
            progress.printf("  %-9s fetching %s from Maven Central (~160 MB, once) ...%n", name(), ARTIFACT);
            run(List.of("mvn", "-q", "-B", "-ntp", "dependency:get", "-Dartifact=" + ARTIFACT, "-Dtransitive=false"),
                "fetching " + ARTIFACT + " with Maven");
            if (!Files.isRegularFile(tarball)) {
                throw new ServiceException("Maven fetched " + ARTIFACT + " but " + tarball + " is not there"
                    + " (another local repository? set -Dmaven.repo.local through PERFSTREAM_JAVA_OPTS)");
            }
        }
        progress.printf("  %-9s unpacking %s into %s (first start only) ...%n", name(), tarball.getFileName(), appDir());
        try {
            Files.createDirectories(c.registryDir());
            Path tmp = Files.createTempDirectory(c.registryDir(), "unpack-");
            run(List.of("tar", "xzf", tarball.toString(), "-C", tmp.toString()), "unpacking " + tarball);
            Files.move(tmp, appDir(), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ServiceException("cannot unpack the registry into " + appDir() + ": " + e.getMessage(), e);
        }
    }

    static Path tarball() {
        String repo = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
        return Path.of(repo, "io", "apicurio", "apicurio-registry-app", VERSION,
            "apicurio-registry-app-" + VERSION + "-all.tar.gz");
    }

    private void run(List<String> cmd, String what) throws ServiceException {
        try {
            Files.createDirectories(process.logFile().getParent());
            Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(process.logFile().toFile())).start();
            if (!p.waitFor(c.startTimeout().toMillis() * 4, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new ServiceException(what + " took too long; see " + logFile());
            }
            if (p.exitValue() != 0) {
                throw new ServiceException(what + " failed (exit " + p.exitValue() + "); see " + logFile());
            }
        } catch (IOException e) {
            throw new ServiceException(what + ": cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceException(what + ": interrupted");
        }
    }

    /** True if the Confluent API answers {@code GET /subjects} with 200 (storage ready, not only the HTTP port). */
    public boolean ready() {
        return Readiness.answers(http, address() + "/subjects", 200);
    }

    @Override
    public boolean stop() {
        return process.stop(c.stopTimeout());
    }
}
