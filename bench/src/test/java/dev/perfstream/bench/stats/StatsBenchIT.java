package dev.perfstream.bench.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.testkit.RegistryTestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code perfstream bench stats} end to end on a small input, on its own embedded broker: every run
 * completes, the summary line has the documented form with positive rates, and the stage's output and
 * changelog topics received data. Not a speed test: it keeps the harness working.
 */
class StatsBenchIT {
    private static final Pattern FINAL = Pattern.compile("keying=(?:service|series|random|null) consumer_eps=(\\d+) dsl_eps=(\\d+|NaN)"
        + " perfstream_eps=(\\d+) ratio_vs_consumer=([0-9.]+) ratio_vs_dsl=([0-9.]+|NaN) rounds=(\\d+)"); // NaN: --skip-dsl

    private static final Pattern LOG_LINE = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ");

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void shouldRunEveryReferenceAndPrintTheSummaryLine() {
        String text = run("--embedded", "--events", "20000", "--series", "200", "--span", "60s", "--warmup-events", "2000",
            "--rounds", "2", "--work-dir", dir.toString());
        Matcher m = finalLine(text);
        assertThat(m.group(6)).isEqualTo("2");
        // two rounds: each measured topology ran twice, and the summary gives the medians and the per-round ratios
        assertThat(Pattern.compile("perfstream stats stage: .*x the DSL").matcher(text).results().count()).isEqualTo(2);
        assertThat(Pattern.compile("DSL aggregate baseline: ").matcher(text).results().count()).isEqualTo(2);
        assertThat(text).containsPattern("medians of 2 rounds: no-op [0-9,]+, pass-through [0-9,]+, DSL [0-9,]+, perfstream"
            + " [0-9,]+ events/s; per-round ratios perfstream / DSL [0-9.]+ [0-9.]+ \\(median [0-9.]+\\)");
        for (int g = 1; g <= 3; g++) {
            assertThat(Long.parseLong(m.group(g))).as("rate " + g).isPositive();
        }
        assertThat(text).contains("Kafka Streams no-op:").contains("Kafka Streams pass-through:")
            .contains("streams_noop_eps=").contains("streams_pass_eps=")
            .contains("warm-up runs (unmeasured, events/s): no-op ").contains(", pass-through ").contains(", DSL ").contains(", perfstream ");
        // The stage wrote window statistics and its changelog: 200 series over 60 s close hundreds of windows.
        assertThat(topicBytes(text, "bench-out-")).isGreaterThan(10_000);
        assertThat(topicBytes(text, "-perfstream-stats-windows-changelog")).isGreaterThan(10_000);
        assertThat(topicBytes(text, "bench-dlq-")).as("dead letters").isZero();
        // keyed by service, every event is on its owner's partition: nothing is forwarded between tasks
        assertThat(text).containsPattern("bench-perfstream-[\\w-]+: 0 partial aggregates forwarded");
        // the pass-through wrote every event: as many bytes as the input, give or take batching and compression
        assertThat(topicBytes(text, "bench-pass-")).isGreaterThan(topicBytes(text, "bench-metrics-") / 2);
    }

    /**
     * With {@code --registry} the events are Confluent Avro and the stage writes Avro: it reads every event
     * (nothing dead-lettered, which an undecodable event would be) and writes its windows.
     */
    @Test
    @Timeout(300)
    void shouldRunOnAvroWithARegistry() throws Exception {
        try (RegistryTestServer registry = RegistryTestServer.start()) {
            String text = run("--embedded", "--events", "20000", "--series", "200", "--span", "60s", "--warmup-events",
                "2000", "--skip-dsl", "--skip-noop", "--registry", registry.url(), "--keying", "null",
                "--work-dir", dir.toString());
            assertThat(text).contains("format: Confluent Avro in and out, registry " + registry.url()).contains("keying: null");
            // null keys: the tasks forward partial aggregates to the series' owners
            Matcher forwarded = Pattern.compile("bench-perfstream-\\w+: ([0-9,]+) partial aggregates forwarded").matcher(text);
            assertThat(forwarded.find()).isTrue();
            assertThat(Long.parseLong(forwarded.group(1).replace(",", ""))).isPositive();
            assertThat(Long.parseLong(finalLine(text).group(3))).as("perfstream rate").isPositive();
            assertThat(topicBytes(text, "bench-out-")).isGreaterThan(10_000);
            assertThat(topicBytes(text, "bench-dlq-")).as("dead letters").isZero();
        }
    }

    private static String run(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            code = new CommandLine(new StatsBenchCommand()).execute(args);
        } finally {
            System.setOut(old);
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        old.println(text);
        assertThat(code).as(text).isZero();
        return text;
    }

    /** The summary line, the harness's last own line (the test class path also logs to standard output: skipped). */
    private static Matcher finalLine(String text) {
        List<String> lines = Arrays.stream(text.split("\n")).filter(l -> !LOG_LINE.matcher(l).lookingAt()).toList();
        Matcher m = FINAL.matcher(lines.get(lines.size() - 1));
        assertThat(m.matches()).as("last line: " + lines.get(lines.size() - 1)).isTrue();
        return m;
    }

    private static long topicBytes(String text, String part) {
        for (String line : text.split("\n")) {
            if (line.trim().startsWith("topic ") && line.contains(part)) {
                String[] f = line.trim().split("\\s+");
                return Long.parseLong(f[f.length - 2].replace(",", ""));
            }
        }
        return -1;
    }
}
