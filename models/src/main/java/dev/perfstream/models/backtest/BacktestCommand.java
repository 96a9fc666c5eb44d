package dev.perfstream.models.backtest;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code perfstream backtest}: offline, online-order evaluation of the models on one CSV series. */
@Command(name = "backtest", mixinStandardHelpOptions = true,
    description = "Run perfstream's models over one series from a CSV file (timestamp,value), online.",
    subcommands = {BacktestAnomaliesCommand.class, BacktestForecastCommand.class})
public final class BacktestCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
