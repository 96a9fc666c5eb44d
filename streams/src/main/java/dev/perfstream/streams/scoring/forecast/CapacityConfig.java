package dev.perfstream.streams.scoring.forecast;

import dev.perfstream.models.capacity.CapacityModel;
import dev.perfstream.models.capacity.ScalingAdvisor;
import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import java.time.Duration;
import java.util.Map;
import dev.perfstream.streams.scoring.ScoringTopology;

/**
 * Scaling advice of the scoring stage ({@code capacity.*} keys): per service, a {@link CapacityModel} fitted on the
 * service's own windows and the {@link ScalingAdvisor} over the rate forecast of its total throughput, written to
 * {@code perf.recommendations} ({@link CapacityProcessor}).
 *
 * @param enabled        the advice is in the topology (it also needs the service forecasts: see
 *                       {@link ScoringTopology#advisesCapacity})
 * @param topic          perf.recommendations
 * @param instances      per service: the configured instance count ({@code capacity.<service>.instances}), used when
 *                       the service's windows carry no measured count
 * @param defaultInstances the count of every other service ({@code capacity.instances}); 0: unknown
 * @param price          per service: price per instance-hour ({@code capacity.<service>.price})
 * @param defaultPrice   the price of every other service ({@code capacity.price}); NaN: unset, no cost figures
 * @param overrideRate   per service: {@code capacity.<service>.rate}, the manual capacity of the whole service at its
 *                       configured instance count
 * @param model          the capacity model's fit
 * @param sustain        fewer instances must have sufficed this long before a scale-in is advised
 * @param lookahead      forecast horizons up to this decide a scale-out
 * @param startup        time a new instance takes to serve; the recent trend is carried over startup + one window
 * @param rampMinT       t statistic the trend needs to count (0: the trend is not used)
 * @param minInstances   never advise fewer
 * @param maxInstances   never advise more
 * @param historyWindows samples (windows) kept per service, the oldest dropped first
 * @param refitWindows   windows between refits of a known capacity (an unknown one is refitted every
 *                       min(refitWindows, 10) windows)
 */
public record CapacityConfig(boolean enabled, String topic, Map<String, Integer> instances, int defaultInstances,
                             Map<String, Double> price, double defaultPrice, Map<String, Double> overrideRate,
                             CapacityModel.Config model, Duration sustain, Duration lookahead, Duration startup,
                             double rampMinT, int minInstances, int maxInstances, int historyWindows, int refitWindows) {
    public static final ConfigKey<Boolean> ENABLED = ConfigKey.bool("capacity.advice.enabled", true)
        .doc("Scaling advice per service on perf.recommendations (needs forecast.enabled and multivariate.enabled with "
            + "the same window: the service totals are assembled there)");
    public static final ConfigKey<Integer> INSTANCES = ConfigKey.integer("capacity.<service>.instances", 0, 0, 1_000_000)
        .doc("Instances the service runs when its events carry no instance (the advice's 'now' is otherwise measured: "
            + "distinct instance values per window), and the count capacity.<service>.rate was measured at; 0: "
            + "capacity.instances");
    public static final ConfigKey<Integer> DEFAULT_INSTANCES = ConfigKey.integer("capacity.instances", 0, 0, 1_000_000)
        .doc("Instances of every service without capacity.<service>.instances whose events carry no instance; 0: "
            + "unknown, those services get advice UNKNOWN");
    public static final ConfigKey<Double> PRICE = ConfigKey.decimal("capacity.<service>.price", Double.NaN, 0,
        Double.MAX_VALUE).doc("Price of one instance of the service for an hour; unset: capacity.price");
    public static final ConfigKey<Double> DEFAULT_PRICE = ConfigKey.decimal("capacity.price", Double.NaN, 0,
        Double.MAX_VALUE)
        .doc("Price of one instance for an hour (any currency) for every service without capacity.<service>.price; "
            + "unset: the advice carries no cost");
    public static final ConfigKey<Duration> SUSTAIN = ConfigKey.duration("capacity.scale-in.sustain", Duration.ofMinutes(15))
        .doc("Scale-in is advised only after fewer instances sufficed (forecast included) this long");
    public static final ConfigKey<Duration> LOOKAHEAD = ConfigKey.duration("capacity.lookahead", Duration.ofMinutes(5))
        .doc("Forecast horizons up to this decide a scale-out (about an instance's start-up plus a margin)");
    public static final ConfigKey<Duration> STARTUP = ConfigKey.duration("capacity.startup", Duration.ofMinutes(3))
        .doc("Time a new instance takes to serve: a steep recent trend is carried this plus one window ahead");
    public static final ConfigKey<Double> RAMP_MIN_T = ConfigKey.decimal("capacity.ramp.min.t", 3, 0, 1e9)
        .doc("t statistic the rate's recent upward trend needs to count as a forecast (0: never)");
    public static final ConfigKey<Double> KPI_P95 = ConfigKey.decimal("capacity.kpi.p95", 200, 0.001, 1e9).unit("ms")
        .doc("p95 latency KPI the capacity per instance keeps (the request metric's windows, count-weighted over routes)");
    public static final ConfigKey<Double> KPI_CPU = ConfigKey.decimal("capacity.kpi.cpu", Double.NaN, 0.001, 1e9)
        .doc("CPU KPI (in the CPU metric's unit) the capacity also keeps; unset: latency only");
    public static final ConfigKey<Integer> MIN_SAMPLES = ConfigKey.integer("capacity.min.samples", 60, 10, 1_000_000)
        .doc("Windows a service needs before its capacity is fitted");
    public static final ConfigKey<Integer> MIN_INSTANCES = ConfigKey.integer("capacity.instances.min", 1, 1, 1_000_000)
        .doc("Never advise fewer instances");
    public static final ConfigKey<Integer> MAX_INSTANCES = ConfigKey.integer("capacity.instances.max", 1000, 1, 1_000_000)
        .doc("Never advise more instances");
    public static final ConfigKey<Duration> HISTORY = ConfigKey.duration("capacity.history", Duration.ofDays(2))
        .doc("Windows kept per service for the capacity fit (24 bytes each: 2d of 1m windows is 69 KB per service)");
    public static final ConfigKey<Duration> REFIT = ConfigKey.duration("capacity.refit.every", Duration.ofHours(1))
        .doc("How often a service's capacity is refitted on its history (an unknown one every 10 windows at most)");

    /** Reads the {@code capacity.*} keys; problems are collected in {@code s}. */
    public static CapacityConfig from(Settings s, Duration window) {
        long w = Math.max(1, window.toMillis());
        int min = s.get(MIN_INSTANCES);
        int max = s.get(MAX_INSTANCES);
        if (max < min) {
            s.problem(MAX_INSTANCES.name() + ": " + max + " is below " + MIN_INSTANCES.name() + " " + min);
        }
        Duration history = s.get(HISTORY);
        int minSamples = s.get(MIN_SAMPLES);
        if (history.toMillis() / w < minSamples) {
            s.problem(HISTORY.name() + ": " + history + " holds fewer than " + MIN_SAMPLES.name() + " = " + minSamples
                + " windows of " + window);
        }
        if (history.toMillis() / w > 100_000) {
            s.problem(HISTORY.name() + ": " + history + " is more than 100,000 windows of " + window);
        }
        Duration refit = s.get(REFIT);
        Duration sustain = s.get(SUSTAIN);
        Duration lookahead = s.get(LOOKAHEAD);
        if (lookahead.isZero() || lookahead.isNegative()) {
            s.problem(LOOKAHEAD.name() + ": must be positive, got " + lookahead);
        }
        CapacityModel.Config base = CapacityModel.Config.latency(s.get(KPI_P95));
        double cpu = s.get(KPI_CPU);
        CapacityModel.Config model = new CapacityModel.Config(base.p95KpiMs(), cpu, base.z(), minSamples, base.fitShare(),
            base.minSpread(), base.maxExtrapolation(), base.seed());
        return new CapacityConfig(s.get(ENABLED), s.get(TopicKeys.RECOMMENDATIONS), Map.copyOf(s.getAll(INSTANCES)),
            s.get(DEFAULT_INSTANCES), Map.copyOf(s.getAll(PRICE)), s.get(DEFAULT_PRICE),
            Map.copyOf(s.getAll(ForecastConfig.CAPACITY_RATE)), model, sustain, lookahead, s.get(STARTUP),
            s.get(RAMP_MIN_T), min, Math.max(min, max), (int) Math.max(minSamples, Math.min(100_000, history.toMillis() / w)),
            (int) Math.max(1, refit.toMillis() / w));
    }

    /** The configured instance count of a service; 0 when unknown. */
    int instancesOf(String service) {
        return instances.getOrDefault(service, defaultInstances);
    }

    /** The price per instance-hour of a service; NaN when unset. */
    double priceOf(String service) {
        return price.getOrDefault(service, defaultPrice);
    }

    /**
     * The manual capacity per instance: {@code capacity.<service>.rate} over the configured instance count; NaN
     * without either.
     */
    double overridePerInstance(String service) {
        Double rate = overrideRate.get(service);
        int n = instancesOf(service);
        return rate == null || n < 1 || !(rate > 0) ? Double.NaN : rate / n;
    }

    /** The same configuration, disabled (the output topic is missing and cannot be created). */
    public CapacityConfig disabled() {
        return new CapacityConfig(false, topic, instances, defaultInstances, price, defaultPrice, overrideRate, model,
            sustain, lookahead, startup, rampMinT, minInstances, maxInstances, historyWindows, refitWindows);
    }

    ScalingAdvisor.Policy policy(double price) {
        return new ScalingAdvisor.Policy(minInstances, maxInstances, sustain.toMillis(), lookahead.toMillis(), 1.0,
            Double.isNaN(price) ? 0 : price);
    }
}
