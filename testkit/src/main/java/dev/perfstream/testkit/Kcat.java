package dev.perfstream.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A producer this project did not write: kcat (librdkafka) sending one record per line of a file, with no key and
 * librdkafka's random partitioner, as a shell pipeline would.
 */
public final class Kcat {
    private Kcat() {
    }

    /**
     * Produces every line of {@code lines} to {@code topic}, each record on a random partition. librdkafka keeps keyless
     * records on one "sticky" partition for 10 ms by default: on a fast machine a whole file landed on one partition
     * (CI, stop 23), so that is switched off.
     *
     * @throws IllegalStateException if kcat exits with an error (its output in the message)
     */
    public static void produce(String bootstrapServers, String topic, String lines) throws IOException, InterruptedException {
        Path file = Files.createTempFile("kcat-", ".jsonl");
        try {
            Files.writeString(file, lines);
            Process kcat = new ProcessBuilder("kcat", "-b", bootstrapServers, "-t", topic, "-P", "-X", "partitioner=random",
                "-X", "sticky.partitioning.linger.ms=0", "-l", file.toString()).redirectErrorStream(true).start();
            String out = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = kcat.waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kcat exited with " + exit + ": " + out);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
