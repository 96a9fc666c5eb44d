package dev.perfstream.testkit;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a class's {@code main} in its own JVM on the test class path, with {@code key=value}
 * arguments, so a test can kill it with SIGKILL ({@code Process.destroyForcibly()}): no shutdown
 * hook, no commit, no state flush. Output goes to {@code log}, appended.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    public static Process start(Class<?> main, Map<String, String> settings, Path log) throws Exception {
        new File(System.getProperty("java.io.tmpdir")).mkdirs();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        cmd.add("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.perfstream");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        settings.forEach((k, v) -> cmd.add(k + "=" + v));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // A child stage's status server takes any free port (its settings may still name one): two children
        // of one test would otherwise both want the stage's default port.
        for (String stage : List.of("STATS", "ALERTS", "SCORING", "SINK", "NOTIFY", "OTLP")) {
            pb.environment().put("PERFSTREAM_" + stage + "_HTTP_PORT", "0");
        }
        return pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }
}
