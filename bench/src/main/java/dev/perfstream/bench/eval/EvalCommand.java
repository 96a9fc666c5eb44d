package dev.perfstream.bench.eval;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code perfstream eval}: model quality on labelled data. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Evaluate perfstream's models (anomalies, forecasts, scaling advice) on the load generator's traffic.",
    subcommands = {EvalAnomaliesCommand.class, EvalForecastCommand.class, EvalCapacityCommand.class,
        EvalImpactCommand.class})
public final class EvalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
