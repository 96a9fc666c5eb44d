package dev.perfstream.streams.scoring;

import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.models.forecast.SeriesForecaster;
import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.config.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 */
public record ForecastConfig(boolean enabled, String topic, List<Statistic> statistics, Duration window,
                             List<Duration> horizons, SeriesForecaster.Tiers tiers, int retrainEvery, int trainRows,
                             Map<String, Double> capacityRate, double sloP95, Map<String, Double> sloP95By,
                             Duration trendHorizon, double trendMinT, int resolveWindows) {
    private static final Pattern CAPACITY = Pattern.compile("capacity\\.(.+)\\.rate");
    private static final Pattern SLO = Pattern.compile("forecast\\.slo\\.(.+)\\.p95");

    /** Reads the {@code forecast.*} keys; problems are collected in {@code s} (call {@code throwIfInvalid}). */
    public static ForecastConfig from(Settings s) {
        Duration window = s.duration("forecast.window", Duration.ofMinutes(1));
        List<Duration> horizons = s.durations("forecast.horizons",
            List.of(Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2)));
        for (Duration h : horizons) {
            if (window.isZero() || h.toMillis() % window.toMillis() != 0 || h.compareTo(window) < 0) {
                s.problem("forecast.horizons: " + h + " is not a positive multiple of forecast.window " + window);
            }
        }
        Map<String, Double> capacity = new HashMap<>();
        Map<String, Double> slo = new HashMap<>();
        for (String key : s.asMap().keySet()) {
            Matcher m = CAPACITY.matcher(key);
            if (m.matches()) {
                capacity.put(m.group(1), s.decimal(key, Double.NaN, 0, Double.MAX_VALUE));
            }
            Matcher q = SLO.matcher(key);
            if (q.matches()) {
                slo.put(q.group(1), s.decimal(key, Double.NaN, 0, Double.MAX_VALUE));
            }
        }
        List<Statistic> stats;
        try {
            stats = s.list("forecast.statistics", List.of("rate", "p95")).stream().map(Statistic::ofLabel).toList();
        } catch (IllegalArgumentException e) {
            s.problem("forecast.statistics: " + e.getMessage());
            stats = List.of();
        }
        int trainRows = s.integer("forecast.train.rows", 4000, 100, 1_000_000);
        return new ForecastConfig(s.bool("forecast.enabled", true), s.string("topic.forecasts", Topics.FORECASTS),
            stats, window, horizons, tiers(s, window, horizons, trainRows),
            s.integer("forecast.retrain.every", 1440, 1, 10_000_000), trainRows,
            Map.copyOf(capacity), s.decimal("forecast.slo.p95", Double.NaN, 0, Double.MAX_VALUE), Map.copyOf(slo),
            s.duration("forecast.alert.trend.horizon", Duration.ofMinutes(30)),
            s.decimal("forecast.alert.trend.min.t", 4, 0, 1e9),
            s.integer("forecast.alert.resolve.windows", 3, 1, 10_000));
    }

    int[] horizonSteps() {
        return horizons.stream().mapToInt(h -> (int) (h.toMillis() / window.toMillis())).toArray();
    }

    /** Validates and combines forecast.history, forecast.history.fine and forecast.history.block. */
    private static SeriesForecaster.Tiers tiers(Settings s, Duration window, List<Duration> horizons, int trainRows) {
        long w = Math.max(1, window.toMillis());
        int longest = (int) (horizons.stream().mapToLong(Duration::toMillis).max().orElse(w) / w);
        int problems = s.problems().size();
        Duration history = s.duration("forecast.history", Duration.ZERO);
        Duration fine = s.duration("forecast.history.fine", Duration.ZERO);
        // default: Tiers.DEFAULT_BLOCK_MS, or the nearest whole number of windows below it (at least one window)
        long defaultBlock = Math.max(1, SeriesForecaster.Tiers.DEFAULT_BLOCK_MS / w) * w;
        Duration block = s.duration("forecast.history.block", Duration.ofMillis(defaultBlock));
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
}
