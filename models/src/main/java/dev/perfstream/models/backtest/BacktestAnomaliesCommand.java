package dev.perfstream.models.backtest;

import dev.perfstream.models.anomaly.DetectorConfig;
import dev.perfstream.schemas.config.Settings;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code perfstream backtest anomalies --input FILE.csv --output OUT.csv}. */
@Command(name = "anomalies", mixinStandardHelpOptions = true,
    description = {
        "Score every row of one series online (each score uses only that row and earlier rows) with the",
        "detector the scoring topology runs. Input: CSV timestamp,value (header optional; epoch s/ms or",
        "ISO-8601). Output: timestamp,value,anomaly_score (0..1), one row per input row, in input order.",
        "Missing or unparseable values score 0; unparseable rows are reported with their line number."})
public final class BacktestAnomaliesCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, description = "CSV file with timestamp,value rows.")
    Path input;

    @Option(names = "--output", required = true, description = "CSV file to write (overwritten).")
    Path output;

    @Option(names = "--config", description = "Properties file with anomaly.* keys (see models/README.md).")
    Path config;

    @Option(names = "--set", description = "Override a key, e.g. --set anomaly.p.alert=1e-6", paramLabel = "KEY=VALUE")
    Map<String, String> overrides = new HashMap<>();

    @Option(names = "--no-progress", description = "Do not draw the progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(input)) {
            System.err.println("input file not found: " + input);
            return 2;
        }
        Settings settings = Settings.load(config, System.getenv(), overrides);
        DetectorConfig cfg = DetectorConfig.from(settings);
        settings.throwIfInvalid("backtest anomalies");
        long size = Files.size(input);
        long t0 = System.nanoTime();
        AnomalyBacktest.Summary s;
        try (InputStream in = Files.newInputStream(input);
             Writer out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(output), StandardCharsets.UTF_8), 1 << 16)) {
            boolean bar = !noProgress && size > 4_000_000;
            s = new AnomalyBacktest(cfg).run(in, size, out, bar ? System.err : null);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        for (String e : s.errors()) {
            System.err.println("warning: " + e + " (row kept with score 0)");
        }
        if (s.errorCount() > s.errors().size()) {
            System.err.println("warning: " + (s.errorCount() - s.errors().size()) + " more unparseable rows");
        }
        if (s.rows() == 0) {
            System.err.println("warning: no data rows in " + input + (s.header() ? " (header only)" : " (empty)"));
        }
        System.err.printf("%d rows (%d scored, %d missing values, %d unparseable, %d out of order or duplicate), "
                + "%d at or above the alert score, %.2f s, %.0f rows/s -> %s%n",
            s.rows(), s.scored(), s.missing(), s.errorCount(), s.outOfOrder(), s.alerts(), secs,
            s.rows() / Math.max(secs, 1e-9), output);
        return 0;
    }
}
