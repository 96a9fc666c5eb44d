package dev.perfstream.streams.scoring.forecast;

import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.models.forecast.SeriesForecaster;
import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.perfstream.streams.scoring.ScoringConfig;

/**
 * Forecast part of the scoring stage (keys in streams/README and models/README).
 *
 * @param statistics     statistics forecast for METRIC series (RUM series are not forecast)
 * @param window         window size forecast (others are ignored); also the forecast step
 * @param horizons       forecast horizons, multiples of {@code window}
 * @param tiers          history kept per series and statistic: {@code forecast.history} in all (default: what
 *                       the weekly factor of the oldest training origin needs, 3 weeks + train rows + 2 h),
 *                       the last {@code forecast.history.fine} at full resolution (default: train rows + 240 +
 *                       the longest horizon, in windows), older windows as means of {@code forecast.history.block}
 * @param capacityRate   per service: throughput (req/s) one series of that service may reach
 * @param sloP95         p95 SLO threshold for every METRIC series (in its unit; NaN = unset, no SLO alerts),
 *                       per-service thresholds in {@code sloP95By}
 * @param trendHorizon   how far ahead the recent linear trend may be extrapolated for alerts
 * @param trendMinT      t statistic the trend slope needs before it counts
 * @param resolveWindows windows without a predicted breach after which a FORECAST alert resolves
 * @param renotify       reminder interval of a FORECAST alert while it lasts (event time; zero = none)
 */
public record ForecastConfig(boolean enabled, String topic, List<Statistic> statistics, Duration window,
                             List<Duration> horizons, SeriesForecaster.Tiers tiers, int retrainEvery, int trainRows,
                             Map<String, Double> capacityRate, double sloP95, Map<String, Double> sloP95By,
                             Duration trendHorizon, double trendMinT, int resolveWindows,
                             Duration renotify) {
    public static final ConfigKey<Boolean> ENABLED = ConfigKey.bool("forecast.enabled", true)
        .doc("Forecasts and FORECAST alerts on/off");
    public static final ConfigKey<List<String>> STATISTICS = ConfigKey.list("forecast.statistics", List.of("rate", "p95"))
        .check(ScoringConfig::statisticsOk, "names an unknown statistic").doc("Statistics forecast (METRIC series only)");
    public static final ConfigKey<Duration> WINDOW = ConfigKey.duration("forecast.window", Duration.ofMinutes(1))
        .doc("Window size forecast; the forecast step");
    public static final ConfigKey<List<Duration>> HORIZONS = ConfigKey.durations("forecast.horizons",
        List.of(Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2))).doc("Horizons, multiples of the window");
    public static final ConfigKey<Duration> HISTORY = ConfigKey.duration("forecast.history", null)
        .defaultText("3 weeks + forecast.train.rows windows + 2h (23.9d at 1m)")
        .doc("Past kept per series and statistic (what the weekly factor of the oldest training origin needs); 2d keeps "
            + "the flat 2-day history of earlier versions (no weekly factor)");
    public static final ConfigKey<Duration> HISTORY_FINE = ConfigKey.duration("forecast.history.fine", null)
        .defaultText("3 days + 4 h of windows where that is at most a quarter more than forecast.train.rows + 240 + the"
            + " longest horizon, else the latter (3.2d at 1m)")
        .doc("The most recent part kept at full resolution (level, noise and training features); never more than "
            + "forecast.history");
    public static final ConfigKey<Duration> HISTORY_BLOCK = ConfigKey.duration("forecast.history.block", null)
        .defaultText("10m, rounded down to whole windows").doc("Older windows are kept as means of blocks of this size (1 to 127 windows); state ~47 KB "
            + "per series and statistic with the defaults");
    public static final ConfigKey<Integer> RETRAIN_EVERY = ConfigKey.integer("forecast.retrain.every", 1440, 1, 10_000_000)
        .doc("Windows between retrainings");
    public static final ConfigKey<Integer> TRAIN_ROWS = ConfigKey.integer("forecast.train.rows", 4000, 100, 1_000_000)
        .doc("Rows (windows) a training uses");
    public static final ConfigKey<Double> CAPACITY_RATE = ConfigKey.decimal("capacity.<service>.rate", Double.NaN, 0,
        Double.MAX_VALUE).unit("req/s").doc("Throughput capacity of the service, compared with the forecast of its total "
            + "over all routes; enables capacity alerts. With capacity.<service>.instances also the manual override of "
            + "the scaling advice's learned capacity (this rate / that count per instance)");
    public static final ConfigKey<Double> SLO_P95 = ConfigKey.decimal("forecast.slo.p95", Double.NaN, 0, Double.MAX_VALUE)
        .doc("p95 threshold (in the series' unit) for every METRIC series; enables SLO forecast alerts");
    public static final ConfigKey<Double> SLO_P95_SERVICE = ConfigKey.decimal("forecast.slo.<service>.p95", Double.NaN, 0,
        Double.MAX_VALUE).doc("p95 threshold for one service");
    public static final ConfigKey<Duration> TREND_HORIZON = ConfigKey.duration("forecast.alert.trend.horizon",
        Duration.ofMinutes(30)).doc("How far the recent trend may be extrapolated");
    public static final ConfigKey<Double> TREND_MIN_T = ConfigKey.decimal("forecast.alert.trend.min.t", 4, 0, 1e9)
        .doc("t statistic the trend slope needs");
    public static final ConfigKey<Integer> RESOLVE_WINDOWS = ConfigKey.integer("forecast.alert.resolve.windows", 3, 1, 10_000)
        .doc("Windows without a predicted breach before RESOLVED");
    public static final ConfigKey<Duration> RENOTIFY = ConfigKey.duration("forecast.alert.renotify", Duration.ofHours(4))
        .doc("A FORECAST alert still firing is sent again after this much event time (0 = never), as rules' renotify");

    /** Reads the {@code forecast.*} keys; problems are collected in {@code s} (call {@code throwIfInvalid}). */
    public static ForecastConfig from(Settings s) {
        Duration window = s.get(WINDOW);
        List<Duration> horizons = s.get(HORIZONS);
        for (Duration h : horizons) {
            if (window.isZero() || h.toMillis() % window.toMillis() != 0 || h.compareTo(window) < 0) {
                s.problem(HORIZONS.name() + ": " + h + " is not a positive multiple of " + WINDOW.name() + " " + window);
            }
        }
        Map<String, Double> capacity = s.getAll(CAPACITY_RATE);
        Map<String, Double> slo = new HashMap<>(s.getAll(SLO_P95_SERVICE));
        int trainRows = s.get(TRAIN_ROWS);
        return new ForecastConfig(s.get(ENABLED), s.get(TopicKeys.FORECASTS),
            ScoringConfig.statistics(s.get(STATISTICS)), window, horizons, tiers(s, window, horizons, trainRows),
            s.get(RETRAIN_EVERY), trainRows,
            Map.copyOf(capacity), s.get(SLO_P95), Map.copyOf(slo),
            s.get(TREND_HORIZON),
            s.get(TREND_MIN_T),
            s.get(RESOLVE_WINDOWS),
            s.get(RENOTIFY));
    }

    int[] horizonSteps() {
        return horizons.stream().mapToInt(h -> (int) (h.toMillis() / window.toMillis())).toArray();
    }

    /** Validates and combines forecast.history, forecast.history.fine and forecast.history.block. */
    private static SeriesForecaster.Tiers tiers(Settings s, Duration window, List<Duration> horizons, int trainRows) {
        long w = Math.max(1, window.toMillis());
        int longest = (int) (horizons.stream().mapToLong(Duration::toMillis).max().orElse(w) / w);
        int problems = s.problems().size();
        Duration history = orZero(s.get(HISTORY));
        Duration fine = orZero(s.get(HISTORY_FINE));
        // default: Tiers.DEFAULT_BLOCK_MS, or the nearest whole number of windows below it (at least one window)
        long defaultBlock = Math.max(1, SeriesForecaster.Tiers.DEFAULT_BLOCK_MS / w) * w;
        Duration block = s.isSet(HISTORY_BLOCK) ? s.get(HISTORY_BLOCK) : Duration.ofMillis(defaultBlock);
        block = block == null ? Duration.ofMillis(defaultBlock) : block;
        Map<String, String> raw = s.asMap();
        String win = raw.getOrDefault("forecast.window", "1m");
        if (s.problems().size() > problems) { // unparseable: already reported, the checks below would only echo it
            return SeriesForecaster.Tiers.of(w, longest, trainRows, 0, 0, w);
        }
        boolean ok = true;
        if (raw.containsKey("forecast.history") && history.toMillis() < 2 * w) {
            s.problem("forecast.history: " + raw.get("forecast.history") + " is shorter than two windows of " + win);
            ok = false;
        }
        if (history.toMillis() / w > 10_000_000) {
            s.problem("forecast.history: " + raw.get("forecast.history") + " is more than 10,000,000 windows of " + win);
            ok = false;
        }
        if (raw.containsKey("forecast.history.fine") && fine.toMillis() < 2 * w) {
            s.problem("forecast.history.fine: " + raw.get("forecast.history.fine") + " is shorter than two windows of " + win);
            ok = false;
        }
        if (!history.isZero() && fine.compareTo(history) > 0) {
            s.problem("forecast.history.fine: " + raw.get("forecast.history.fine") + " is longer than forecast.history "
                + raw.get("forecast.history"));
            ok = false;
        }
        if (block.toMillis() < w || block.toMillis() % w != 0 || block.toMillis() / w > 127) {
            s.problem("forecast.history.block: " + raw.get("forecast.history.block")
                + " is not 1 to 127 windows of " + win);
            ok = false;
        }
        return SeriesForecaster.Tiers.of(w, longest, trainRows, ok ? history.toMillis() : 0, ok ? fine.toMillis() : 0,
            ok ? block.toMillis() : w);
    }

    private static Duration orZero(Duration d) {
        return d == null ? Duration.ZERO : d;
    }
}
