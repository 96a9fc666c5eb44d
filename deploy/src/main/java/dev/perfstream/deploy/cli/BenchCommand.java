package dev.perfstream.deploy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code perfstream bench}: groups the benchmarks; each module contributes its subcommand here. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks on this machine (loopback only).",
    subcommands = {
        dev.perfstream.ingest.collector.CollectorBenchCommand.class,
    })
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
