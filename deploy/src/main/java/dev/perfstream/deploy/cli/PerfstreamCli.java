package dev.perfstream.deploy.cli;

import java.util.List;
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
        RunCommand.class,
        DevToolCommands.Bench.class,
        DemoCommand.class,
        ServicesCommand.class,
        TailCommand.class,
        ConfigCommand.class,
        dev.perfstream.streams.alerts.WatchAlertsCommand.class,
        dev.perfstream.streams.release.CompareCommand.class,
        dev.perfstream.sink.report.ReportCommand.class,
        dev.perfstream.ingest.loadgen.LoadgenCommand.class,
        dev.perfstream.ingest.collector.CollectorCommand.class,
        dev.perfstream.models.backtest.BacktestCommand.class,
        DevToolCommands.Eval.class,
    })
public final class PerfstreamCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Configuration and I/O problems are the user's to fix: print the message, not a stack trace
     * (which goes to the log). Anything else keeps picocli's default report.
     */
    private static int reportError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof IllegalArgumentException || e instanceof java.io.IOException) {
            cmd.getErr().println("perfstream " + cmd.getCommandName() + ": " + e.getMessage());
            return 2;
        }
        throw e;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line: 0 on success, 2 for a usage error (an unknown command too, even with --help). */
    static int run(String... args) {
        CommandLine cli = new CommandLine(new PerfstreamCli()).setExecutionExceptionHandler(PerfstreamCli::reportError);
        if (args.length > 0 && !args[0].startsWith("-") && !cli.getSubcommands().containsKey(args[0])) {
            // picocli lets `--help` win over an unknown command and exits 0; a typo must not look like success
            CommandLine.UnmatchedArgumentException e = new CommandLine.UnmatchedArgumentException(cli, List.of(args[0]));
            cli.getErr().println("perfstream: unknown command '" + args[0] + "' (deploy/perfstream --help lists them)");
            CommandLine.UnmatchedArgumentException.printSuggestions(e, cli.getErr());
            return 2;
        }
        return cli.execute(args);
    }
}
