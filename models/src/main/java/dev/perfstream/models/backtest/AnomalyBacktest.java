package dev.perfstream.models.backtest;

import dev.perfstream.models.anomaly.DetectorConfig;
import dev.perfstream.models.anomaly.Score;
import dev.perfstream.models.anomaly.SeriesDetector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Online anomaly backtest of one series: every row is scored by {@link SeriesDetector} (the code the
 * scoring topology runs) using only that row and the rows before it, and written out as
 * {@code timestamp,value,anomaly_score}, one output row per input row, in input order. Rows without a
 * usable value (missing, unparseable) get score 0 (no evidence of an anomaly); rows whose timestamp is
 * not after the last learned one are scored but not learned from.
 */
public final class AnomalyBacktest {
    /** What happened, for the summary line. */
    public record Summary(long rows, long scored, long missing, long outOfOrder, long alerts,
                          List<String> errors, long errorCount, boolean header) {
    }

    private final DetectorConfig cfg;

    public AnomalyBacktest(DetectorConfig cfg) {
        this.cfg = cfg;
    }

    /**
     * @param totalBytes size of the input for the progress bar, or 0 for none
     * @param progressOut where the progress bar goes (stderr), or null
     */
    public Summary run(InputStream input, long totalBytes, Writer out, PrintStream progressOut) throws IOException {
        CountingInputStream counting = new CountingInputStream(input);
        SeriesCsv csv = new SeriesCsv(new BufferedReader(new InputStreamReader(counting, StandardCharsets.UTF_8), 1 << 16));
        Progress progress = new Progress(progressOut, totalBytes, "backtest anomalies", "rows", progressOut != null);
        SeriesDetector detector = new SeriesDetector("backtest", cfg);
        out.write("timestamp,value,anomaly_score\n");
        long rows = 0;
        long scored = 0;
        long missing = 0;
        long outOfOrder = 0;
        long alerts = 0;
        long errorCount = 0;
        List<String> errors = new ArrayList<>();
        double alertScore = cfg.alertScore();
        SeriesCsv.Row r;
        while ((r = csv.next()) != null) {
            rows++;
            double score = 0;
            if (r.error() != null) {
                errorCount++;
                if (errors.size() < 20) {
                    errors.add(r.error());
                }
            } else if (Double.isNaN(r.value())) {
                missing++;
            } else {
                Score s = detector.observe(r.timeMillis(), r.value());
                score = s.score();
                scored++;
                if (!s.learned()) {
                    outOfOrder++;
                }
                if (score >= alertScore - 1e-12) {
                    alerts++;
                }
            }
            writeRow(out, r.rawTime(), r.rawValue(), score);
            if ((rows & 4095) == 0) {
                progress.update(counting.count(), rows);
            }
        }
        progress.update(totalBytes, rows);
        progress.done();
        out.flush();
        return new Summary(rows, scored, missing, outOfOrder, alerts, errors, errorCount, csv.hadHeader());
    }

    private static void writeRow(Writer out, String t, String v, double score) throws IOException {
        writeCell(out, t);
        out.write(',');
        writeCell(out, v);
        out.write(',');
        // Four decimals: enough resolution for any threshold, and much faster than String.format.
        long q = Math.round(score * 10_000);
        if (q >= 10_000) {
            out.write("1.0000");
        } else {
            out.write("0.");
            String digits = Long.toString(q);
            for (int i = digits.length(); i < 4; i++) {
                out.write('0');
            }
            out.write(digits);
        }
        out.write('\n');
    }

    private static void writeCell(Writer out, String s) throws IOException {
        if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0) {
            out.write('"');
            out.write(s.replace("\"", "\"\""));
            out.write('"');
        } else {
            out.write(s);
        }
    }
}
