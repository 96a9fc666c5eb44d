package dev.perfstream.sink.report;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code perfstream report}: tables of what the stages wrote to InfluxDB. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Tables of results read from InfluxDB.",
    subcommands = {ImpactReportCommand.class})
public final class ReportCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
