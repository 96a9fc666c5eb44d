package dev.perfstream.deploy.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds a Java runtime of a minimum version for a service that needs a newer JVM than perfstream's
 * own Java 17 (the schema registry needs 21+). Looks at the JDKs under {@code /usr/lib/jvm} (Debian
 * packages, Temurin) by their {@code release} file, then {@code JAVA_HOME}, then this JVM.
 */
final class JavaRuntimes {
    private static final Path JVMS = Path.of("/usr/lib/jvm");

    private JavaRuntimes() {
    }

    /** The {@code java} binary of the newest runtime with feature version {@code >= min}, if any. */
    static Optional<Path> atLeast(int min) {
        Path best = null;
        int bestVersion = 0;
        for (Path home : candidates()) {
            int v = majorVersion(home);
            Path java = home.resolve("bin/java");
            if (v >= min && v > bestVersion && Files.isExecutable(java)) {
                best = java;
                bestVersion = v;
            }
        }
        if (best == null && Runtime.version().feature() >= min) {
            best = Path.of(System.getProperty("java.home"), "bin", "java");
        }
        return Optional.ofNullable(best);
    }

    private static List<Path> candidates() {
        Stream<Path> jvms = Stream.empty();
        if (Files.isDirectory(JVMS)) {
            try (Stream<Path> s = Files.list(JVMS)) {
                jvms = s.sorted(Comparator.naturalOrder()).toList().stream();
            } catch (IOException e) {
                jvms = Stream.empty();
            }
        }
        String javaHome = System.getenv("JAVA_HOME");
        return Stream.concat(jvms, javaHome == null ? Stream.empty() : Stream.of(Path.of(javaHome))).toList();
    }

    /** Feature version from {@code JAVA_VERSION="25.0.1"} in the runtime's {@code release} file; 0 if unknown. */
    static int majorVersion(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(release)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "").trim();
                    String[] parts = v.split("[.+-]");
                    return Integer.parseInt(parts[0].equals("1") && parts.length > 1 ? parts[1] : parts[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
