package dev.perfstream.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.testkit.Ports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code deploy/perfstream demo} stopped with SIGTERM (as Ctrl-C or a service manager does) at 1, 3, 6 and
 * 12 s after it started, so during the services' start-up, the stages' start and the run: each time the
 * process ends within 30 s and the ports of Kafka, InfluxDB, the registry and Alertmanager it started, and its stages'
 * status servers, are free again.
 * Free ports and a temporary services folder, never the demo's defaults.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class DemoStopIT {
    private static final Path LAUNCHER = Paths.get("perfstream").toAbsolutePath(); // failsafe runs in deploy/
    private final List<Process> demos = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        demos.forEach(Process::destroyForcibly);
    }

    @Test
    void shouldLeaveNoServiceRunningWhenStoppedAtAnyMomentOfStartUpOrRun() throws Exception {
        Path dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "demo-stop-");
        for (int seconds : new int[] {1, 3, 6, 12}) {
            int kafka = Ports.free();
            int influx = Ports.free();
            int registry = Ports.free();
            int alertmanager = Ports.free();
            ProcessBuilder pb = new ProcessBuilder("bash", LAUNCHER.toString(), "demo");
            Map<String, String> env = pb.environment();
            env.put("PERFSTREAM_CLASSPATH", System.getProperty("java.class.path"));
            env.put("PERFSTREAM_SERVICES_DIR", dir.toString());
            env.put("PERFSTREAM_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + kafka);
            env.put("PERFSTREAM_KAFKA_CONTROLLER_PORT", String.valueOf(Ports.free()));
            env.put("PERFSTREAM_KAFKA_HEAP", "512m");
            env.put("PERFSTREAM_KAFKA_TOPIC_PARTITIONS", "1");
            env.put("PERFSTREAM_INFLUX_URL", "http://127.0.0.1:" + influx);
            env.put("PERFSTREAM_INFLUX_RPC_PORT", String.valueOf(Ports.free()));
            env.put("PERFSTREAM_SCHEMA_REGISTRY_URL", "http://127.0.0.1:" + registry + "/apis/ccompat/v7");
            env.put("PERFSTREAM_REGISTRY_MANAGEMENT_PORT", String.valueOf(Ports.free()));
            env.put("PERFSTREAM_COLLECTOR_PORT", String.valueOf(Ports.free()));
            env.put("PERFSTREAM_ALERTMANAGER_URL", "http://127.0.0.1:" + alertmanager);
            env.put("PERFSTREAM_JAVA_OPTS", "-Xmx512m");
            List<Integer> status = new ArrayList<>();
            for (String stage : List.of("STATS", "ALERTS", "SCORING", "SINK", "NOTIFY")) {
                int port = Ports.free();
                status.add(port);
                env.put("PERFSTREAM_" + stage + "_HTTP_PORT", String.valueOf(port));
            }
            Path log = dir.resolve("demo-" + seconds + "s.log");
            Process demo = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            demos.add(demo);
            Thread.sleep(seconds * 1000L);
            long stopAt = System.nanoTime();
            demo.destroy(); // SIGTERM to the JVM (the launcher execs it): its shutdown hook runs
            assertThat(demo.waitFor(30, TimeUnit.SECONDS)).as("demo stopped within 30 s, stopped at " + seconds + " s: "
                + Files.readString(log)).isTrue();
            double took = (System.nanoTime() - stopAt) / 1e9;
            System.out.printf("demo stopped %d s after start: exited %.1f s later%n", seconds, took);
            List<Integer> ports = new ArrayList<>(List.of(kafka, influx, registry, alertmanager));
            ports.addAll(status); // the stages' status servers
            for (int port : ports) {
                assertThat(listening(port)).as("port " + port + " still open after the demo stopped at " + seconds + " s: "
                    + Files.readString(log)).isFalse();
            }
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
