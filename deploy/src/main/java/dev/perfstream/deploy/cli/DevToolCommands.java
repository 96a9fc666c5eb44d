package dev.perfstream.deploy.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code bench} and {@code eval} in the CLI's command list. They run from the bench module's own classpath
 * ({@code dev.perfstream.bench.BenchCli}, with Kafka's test kit for the embedded broker), which the launcher
 * {@code deploy/perfstream} picks for them; the runtime image has neither, and says so here.
 */
final class DevToolCommands {
    private DevToolCommands() {
    }

    /** A dev tool's stand-in: takes any arguments and says where the tool runs. */
    abstract static class DevTool implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Unmatched
        List<String> args;

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("perfstream " + spec.name() + ": not in the runtime image; from a source"
                + " checkout run deploy/perfstream " + spec.name() + " --help (the launcher runs it from bench/target/lib)");
            return 2;
        }
    }

    @Command(name = "bench", description = "End-to-end benchmarks on a local Kafka broker (deploy/perfstream bench --help).")
    static final class Bench extends DevTool {
    }

    @Command(name = "eval", description = "Evaluate perfstream's models (anomalies, forecasts, scaling advice, conversion"
        + " impact) on the load generator's traffic (deploy/perfstream eval --help).")
    static final class Eval extends DevTool {
    }
}
