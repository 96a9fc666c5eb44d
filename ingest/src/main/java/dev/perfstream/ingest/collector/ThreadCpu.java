package dev.perfstream.ingest.collector;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this JVM's threads by role (request threads, Kafka producer I/O, GC, JIT compiler,
 * other), read from {@code /proc/self/task} (Linux). The bench prints it so that a figure per beacon
 * says how much of it was the request path and how much was the JIT still compiling or the GC. Hand-
 * written: the JMX beans see neither the GC nor the compiler threads. Empty where /proc is missing.
 */
final class ThreadCpu {
    /** USER_HZ, the unit of utime and stime in /proc: 100 on every Linux architecture the JDK runs on. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ThreadCpu() {
    }

    /** Nanoseconds of CPU (user + system) per role, summed over the live threads. */
    static Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(stat.indexOf('(') + 1, close);
                    String[] f = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
                    out.merge(role(name), ticks * NANOS_PER_TICK, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return out;
    }

    static String role(String threadName) {
        if (threadName.startsWith("perfstream-coll")) {
            return "http";
        }
        if (threadName.startsWith("kafka-producer")) {
            return "kafka-producer";
        }
        if (threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler")) {
            return "jit";
        }
        if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ") || threadName.equals("VM Thread")) {
            return "gc+vm";
        }
        return "other";
    }

    /** {@code after - before} per role. */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
        return d;
    }
}
