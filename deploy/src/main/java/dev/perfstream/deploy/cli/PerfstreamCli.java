package dev.perfstream.deploy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code perfstream} command line. Each capability contributes its subcommand class from its own
 * module; this class only lists them. The shell launcher {@code deploy/perfstream} builds the
 * project and runs this class.
 */
@Command(name = "perfstream", mixinStandardHelpOptions = true, version = "perfstream 0.1.0",
    description = "Streaming performance analytics on Kafka: percentiles, SLOs, anomalies, forecasts.",
    subcommands = {
        CommandLine.HelpCommand.class,
        dev.perfstream.ingest.loadgen.LoadgenCommand.class,
        dev.perfstream.ingest.collector.CollectorCommand.class,
        BenchCommand.class,
    })
public final class PerfstreamCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new PerfstreamCli()).execute(args);
        System.exit(code);
    }
}
