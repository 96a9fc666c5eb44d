package dev.perfstream.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Exit codes of the command line: a typo in a command is a usage error, with or without --help. */
class PerfstreamCliTest {
    @Test
    void shouldExitWithAUsageErrorForAnUnknownCommandEvenWithHelp() {
        assertThat(PerfstreamCli.run("reprot", "--help")).isEqualTo(2);
        assertThat(PerfstreamCli.run("reprot")).isEqualTo(2);
        assertThat(PerfstreamCli.run("--help")).isZero();
        assertThat(PerfstreamCli.run("run", "--help")).isZero();
        assertThat(PerfstreamCli.run("report", "impact", "--help")).isZero();
    }

    @Test
    void shouldSayThatTheBenchmarksAreNotInTheRuntimeImage() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(PerfstreamCli.run("bench", "stats", "--embedded")).isEqualTo(2);
            assertThat(PerfstreamCli.run("eval", "--help")).isEqualTo(2);
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
            .contains("perfstream bench: not in the runtime image", "perfstream eval: not in the runtime image");
    }
}
