package dev.perfstream.bench;

import dev.perfstream.bench.stats.StateFootprintCommand;
import dev.perfstream.bench.stats.StatsBenchCommand;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code perfstream bench}: the end-to-end benchmark harnesses. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "End-to-end benchmarks on a local Kafka broker.",
    subcommands = {StatsBenchCommand.class, StateFootprintCommand.class,
        dev.perfstream.ingest.collector.CollectorBenchCommand.class,
        dev.perfstream.bench.alerts.AlertLatencyBench.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
