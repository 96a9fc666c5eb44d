package dev.perfstream.ingest.collector;

import dev.perfstream.testkit.KafkaTestCluster;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs {@code perfstream bench collector} against an in-process Kafka broker of the test kit, for
 * machines without a running demo broker. Not a test: run it by hand (see ingest/README.md).
 */
public final class CollectorBenchRunner {
    private CollectorBenchRunner() {
    }

    public static void main(String[] args) throws Exception {
        int code;
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(3, "perf.rum", "perf.metrics");
            List<String> a = new ArrayList<>(List.of("--bootstrap", kafka.bootstrapServers()));
            a.addAll(List.of(args));
            code = new CommandLine(new CollectorBenchCommand()).execute(a.toArray(new String[0]));
        }
        System.exit(code);
    }
}
