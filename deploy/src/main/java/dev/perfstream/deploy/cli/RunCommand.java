package dev.perfstream.deploy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code perfstream run STAGE}: runs one pipeline stage in the foreground until Ctrl-C. Each stage
 * contributes its command class from its own module; this class only lists them.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run one pipeline stage in the foreground until Ctrl-C.",
    subcommands = {
        dev.perfstream.streams.alerts.RunAlertsCommand.class,
        dev.perfstream.streams.stats.StatsCommand.class,
        dev.perfstream.sink.influx.SinkCommand.class,
        dev.perfstream.sink.notify.NotifyCommand.class,
        dev.perfstream.streams.scoring.ScoringCommand.class,
        dev.perfstream.ingest.source.RunOtlpCommand.class,
    })
public final class RunCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
