package dev.perfstream.models.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad input for {@code perfstream backtest forecast}: every case ends with a clear message, none crashes. */
class BacktestForecastCommandTest {
    private static final long T0 = 1_767_571_200L; // 2026-01-05T00:00Z, a Monday, epoch seconds

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new BacktestForecastCommand()).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static double seasonal(int i, Random rnd) {
        double hour = (i % 1440) / 60.0;
        return 100 * (1 + 0.5 * Math.cos(2 * Math.PI * (hour - 14) / 24)) + 3 * rnd.nextGaussian();
    }

    private Path csv(int minutes, java.util.function.IntFunction<String> row) throws Exception {
        StringBuilder sb = new StringBuilder("timestamp,value\n");
        for (int i = 0; i < minutes; i++) {
            String r = row.apply(i);
            if (r != null) {
                sb.append(r).append('\n');
            }
        }
        Path p = Files.createTempFile(tmp, "series", ".csv");
        Files.writeString(p, sb.toString());
        return p;
    }

    @Test
    void shouldSayNothingCanBeScoredWhenTheSeriesIsShorterThanOneSeason() throws Exception {
        Random rnd = new Random(1);
        Path in = csv(12 * 60, i -> (T0 + i * 60L) + "," + seasonal(i, rnd));
        Run r = run("--input", in.toString(), "--horizon", "5m");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("720 rows").contains("nothing to score");
    }

    @Test
    void shouldScoreAHorizonBeyondADayAgainstTheLatestDayBeforeTheOrigin() throws Exception {
        // Hourly rows for 4 weeks, 36 hours ahead: before, "same time yesterday" lay after every origin and the command
        // said nothing could be scored (blaming a history shorter than a week).
        Random rnd = new Random(36);
        Path in = csv(28 * 24, i -> (T0 + i * 3600L) + "," + seasonal(i * 60, rnd));
        List<LogRecord> tribuo = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord rec) {
                tribuo.add(rec);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger("org.tribuo");
        log.addHandler(h);
        Run r;
        try {
            r = run("--input", in.toString(), "--horizon", "36h");
        } finally {
            log.removeHandler(h);
        }
        assertThat(r.code()).isZero();
        // Tribuo's two INFO lines per retraining (10 here) are not printed: the command's own output says what happened
        assertThat(tribuo).extracting(LogRecord::getLevel).doesNotContain(Level.INFO);
        assertThat(r.out()).contains("horizon 36 steps").contains("same time 2 days back and a week back")
            .doesNotContain("nothing to score").containsPattern("seasonal-naive yesterday +[0-9.]+ +[0-9.]+ +- +504\\b");
    }

    @Test
    void shouldRejectAHorizonLongerThanTheHistory() throws Exception {
        Random rnd = new Random(2);
        Path in = csv(3 * 1440, i -> (T0 + i * 60L) + "," + seasonal(i, rnd));
        Run r = run("--input", in.toString(), "--horizon", "4d");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--horizon").contains("longer than the series");
    }

    @Test
    void shouldKeepTheLastOfDuplicatedTimestampsAndTreatNaNAndGapsAsMissing() throws Exception {
        Random rnd = new Random(3);
        // 9 days; minute 20000 appears twice (the second row wins), NaN every 1000th minute, a 6-hour gap, one
        // unparseable row.
        Path in = csv(9 * 1440, i -> {
            if (i >= 11_000 && i < 11_360) {
                return null;
            }
            String ts = Long.toString(T0 + i * 60L);
            if (i == 12_000) {
                return ts + "," + seasonal(i, rnd) + "\n" + ts + ",12345";
            }
            if (i == 12_001) {
                return ts + ",not-a-number";
            }
            return ts + "," + (i % 1000 == 0 ? "NaN" : Double.toString(seasonal(i, rnd)));
        });
        Path out = tmp.resolve("forecasts.csv");
        Run r = run("--input", in.toString(), "--horizon", "30m", "--output", out.toString());
        assertThat(r.code()).isZero();
        assertThat(r.err()).contains("line").contains("cannot parse value 'not-a-number'");
        assertThat(r.out()).contains("perfstream").contains("seasonal-naive last week");
        List<String> lines = Files.readAllLines(out);
        String target = Long.toString((T0 + 12_000 * 60L) * 1000);
        assertThat(lines).filteredOn(l -> l.split(",")[1].equals(target)).singleElement()
            .satisfies(l -> assertThat(Double.parseDouble(l.split(",")[2])).isEqualTo(12345.0));
        assertThat(lines.subList(1, lines.size())).allSatisfy(l -> {
            String[] f = l.split(",");
            assertThat(Double.parseDouble(f[3])).isFinite(); // perfstream forecast, also across the gap and NaNs
            assertThat(Double.parseDouble(f[4])).isLessThanOrEqualTo(Double.parseDouble(f[5]));
        });
    }

    @Test
    void shouldAdaptToALevelShiftWhereSeasonalNaiveCannot() throws Exception {
        Random rnd = new Random(4);
        int n = 12 * 1440;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = seasonal(i, rnd) * (i >= 9 * 1440 ? 2 : 1); // traffic doubles on day 9 and stays
        }
        List<ForecastBacktest.Scores> s = ForecastBacktest.run(v, T0 * 1000, 60_000, 30, null);
        double bestNaive = Math.min(s.get(1).nrmse(), s.get(2).nrmse());
        assertThat(s.get(0).nrmse()).isLessThan(0.7 * bestNaive);
    }

    @Test
    void shouldDefineNmaeOnASparseSeriesFullOfZeros() throws Exception {
        Random rnd = new Random(5);
        double[] v = new double[9 * 1440];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble() < 0.8 ? 0 : 1 + rnd.nextInt(3); // mostly idle
        }
        List<ForecastBacktest.Scores> s = ForecastBacktest.run(v, T0 * 1000, 60_000, 5, null);
        assertThat(s).allSatisfy(x -> {
            assertThat(x.n()).isPositive();
            assertThat(x.nmae()).isFinite().isPositive();
            assertThat(x.nrmse()).isFinite();
        });
        // Within 1 % of the better seasonal-naive baseline (1.394 against 1.389 on this series: the guard keeps
        // the model, 0.3 % worse here, since it issues a baseline only when the model is 10 % worse).
        assertThat(s.get(0).nrmse()).isLessThan(1.01 * Math.min(s.get(1).nrmse(), s.get(2).nrmse()));
    }
}
