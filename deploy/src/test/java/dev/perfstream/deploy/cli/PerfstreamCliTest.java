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
}
