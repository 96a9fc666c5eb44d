package dev.perfstream.bench.jmh;

import dev.perfstream.models.forecast.HorizonForecaster;
import dev.perfstream.models.forecast.SeriesForecaster;
import dev.perfstream.models.forecast.TieredHistory;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of forecasting, and how it grows with history length ({@code history}, in 1-minute values):
 * <ul>
 *   <li>{@code trainOneHorizon}: training one horizon's Tribuo model (5 min ahead) on {@code history}
 *       origins (the topology trains 3 horizons per series and statistic every {@code forecast.retrain.every}
 *       windows, on at most {@code forecast.train.rows} origins);</li>
 *   <li>{@code forecastWindow}: what the scoring topology does per window and statistic: decode the state,
 *       observe the value and forecast 5m/30m/2h, encode the state (retraining included, amortised, every
 *       1440 windows on up to 4000 rows).</li>
 *   <li>Past a week of history the weekly profile (up to 3 weeks) joins the daily one (up to 21 days), so the
 *       per-origin feature cost grows until 3 weeks, then stays flat.</li>
 * </ul>
 * Run: {@code java -cp bench/target/classes:$(cat /tmp/bench.cp) org.openjdk.jmh.Main ForecastBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class ForecastBench {
    private static final long MIN = 60_000L;
    private static final long HOUR = 3_600_000L;
    private static final long T0 = 1_767_225_600_000L;
    private static final int[] HORIZONS = {5, 30, 120};
    /** At 1-hour steps: 1, 6 and 24 steps ahead, the corpus' horizons. */
    private static final int[] HOUR_HORIZONS = {1, 6, 24};

    @Param({"1440", "2880", "5760", "11520", "20160"})
    public int history;

    /**
     * {@code flat}: {@code history} values at full resolution (format 2's layout, {@code forecast.history=2d}
     * is flat 2880); {@code tiered}: the scoring topology's default tiers (4360 values + 10-minute means back to
     * 34360 steps), fed {@code history} values.
     */
    @Param({"flat"})
    public String layout;

    /**
     * Step of the series: {@code 1m} (horizons 5, 30, 120 steps) or {@code 1h} (1, 6, 24 steps; {@code history} values
     * of an hourly daily pattern: at this step the daily profile takes up to 21 days of single values).
     */
    @Param({"1m"})
    public String step;

    private long stepMs;
    private int[] horizons;

    private double[] series;
    private TieredHistory full;
    private byte[] state;
    private SplittableRandom rnd;
    private long t;

    private double value(long i, SplittableRandom rnd) {
        return 100 * (1 + 0.3 * Math.sin(2 * Math.PI * i / (86_400_000.0 / stepMs))) * (1 + 0.05 * rnd.nextGaussian());
    }

    @Setup(Level.Trial)
    public void setup() {
        rnd = new SplittableRandom(1);
        stepMs = step.equals("1h") ? HOUR : MIN;
        horizons = step.equals("1h") ? HOUR_HORIZONS : HORIZONS;
        series = new double[history];
        for (int i = 0; i < history; i++) {
            series[i] = value(i, rnd);
        }
        full = TieredHistory.of(series);
        SeriesForecaster f = fresh();
        for (t = 0; t < history; t++) {
            f.observe(T0 + t * stepMs, series[(int) t], null);
        }
        state = f.encode();
    }

    private SeriesForecaster fresh() {
        int longest = horizons[horizons.length - 1];
        return layout.equals("tiered")
            ? new SeriesForecaster(stepMs, horizons,
                SeriesForecaster.Tiers.needed(stepMs, longest, 4000, SeriesForecaster.Tiers.DEFAULT_BLOCK_MS), 1440, 4000)
            : new SeriesForecaster(stepMs, horizons, history, 1440, 4000);
    }

    /** A fresh forecaster trains at the last origin on min(history - h, history) origins. */
    @Benchmark
    public double trainOneHorizon() {
        HorizonForecaster f = new HorizonForecaster(horizons[0], stepMs, 1, history);
        return f.forecast(full, history - 1, T0).predicted();
    }

    @Benchmark
    public int forecastWindow() {
        SeriesForecaster f = SeriesForecaster.decode(state, fresh());
        f.observe(T0 + t * stepMs, value(t, rnd), null);
        t++;
        state = f.encode();
        return state.length;
    }
}
