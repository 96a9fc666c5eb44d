package dev.perfstream.bench;

import dev.perfstream.bench.eval.EvalCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The benchmarks and model evaluations as a program of their own: {@code deploy/perfstream bench ...} and
 * {@code deploy/perfstream eval ...} run this class from the bench module's classpath ({@code bench/target/lib}),
 * which holds Kafka's test kit for the embedded broker; the runtime image ({@code deploy/target/lib}) does not.
 */
@Command(name = "perfstream", mixinStandardHelpOptions = true, version = "perfstream 0.1.0",
    description = "perfstream's benchmarks and model evaluations (from a source checkout: deploy/perfstream bench|eval ...).",
    subcommands = {CommandLine.HelpCommand.class, BenchCommand.class, EvalCommand.class})
public final class BenchCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCli()).setExecutionExceptionHandler(BenchCli::reportError).execute(args));
    }

    /**
     * As the perfstream CLI does (deploy's {@code PerfstreamCli}, which this module cannot see): configuration and
     * I/O problems print their message, not a stack trace; anything else keeps picocli's default report.
     */
    private static int reportError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof IllegalArgumentException || e instanceof java.io.IOException) {
            cmd.getErr().println("perfstream " + cmd.getCommandName() + ": " + e.getMessage());
            return 2;
        }
        throw e;
    }
}
