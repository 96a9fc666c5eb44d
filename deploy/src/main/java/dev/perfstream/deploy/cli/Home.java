package dev.perfstream.deploy.cli;

import java.nio.file.Path;

/** The project root the launcher runs from; relative service folders resolve against it. */
final class Home {
    private Home() {
    }

    static Path path() {
        String h = System.getProperty("perfstream.home", System.getenv("PERFSTREAM_HOME"));
        return (h == null || h.isBlank() ? Path.of("") : Path.of(h)).toAbsolutePath().normalize();
    }
}
