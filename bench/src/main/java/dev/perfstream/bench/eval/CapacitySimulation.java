package dev.perfstream.bench.eval;

import dev.perfstream.ingest.loadgen.TrafficModel;
import dev.perfstream.models.capacity.Advice;
import dev.perfstream.models.capacity.CapacityEstimate;
import dev.perfstream.models.capacity.CapacityModel;
import dev.perfstream.models.capacity.CapacitySample;
import dev.perfstream.models.capacity.RateForecast;
import dev.perfstream.models.capacity.ScalingAdvisor;
import dev.perfstream.models.forecast.SeriesForecaster;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A simulated service for {@code perfstream eval capacity}, a pure function of (settings, seed). Traffic: the load
 * generator's shape ({@link TrafficModel#seasonality}: daily cosine peaking at 14:00 UTC, weekdays 1.08, weekends
 * 0.8) times a base rate, 3 % multiplicative noise per step, and a surge ({@link Settings#surge} times for 2-4 h,
 * 15-min ramps, starting between 10:00 and 16:00 of day 5, a Friday). Each instance serves at most {@code mu}
 * req/s (hidden, drawn per seed in 40..60); the window p95 is the multi-server queue curve
 * {@code 60 ms x (1 + rho^(sqrt 10 - 1) / (1 - rho))} (Sakasegawa's approximation for 4 workers per instance)
 * times lognormal noise (sd 0.05), 10x the KPI when {@code rho >= 0.99}; CPU is {@code 90 x rho} % plus noise.
 *
 * <p>The first {@link Settings#historyDays} run on a static count sized for the history's peak at utilisation 0.7
 * (what an operator chose). Then each method decides a count after every step from the past only, new instances
 * serve {@link Settings#startupMs} after the decision (they are paid from the decision), removed ones stop at once.
 * Every method sees the same traffic and noise.
 */
final class CapacitySimulation {
    static final double BASE_MS = 60;
    private static final double EXPONENT = Math.sqrt(10) - 1;
    private static final long DAY = 86_400_000L;
    static final Instant START = Instant.parse("2026-01-05T00:00:00Z"); // a Monday

    /** What the evaluation varies; every duration in ms. */
    record Settings(int days, int historyDays, long stepMs, long startupMs, double surge, double kpiMs, long holdMs,
                    long lookaheadMs, long[] horizonsMs, double price, long refitMs, double rampT) {
        int steps() {
            return (int) (days * DAY / stepMs);
        }

        int firstOnline() {
            return (int) (historyDays * DAY / stepMs);
        }
    }

    /** The methods compared. */
    enum Method { ADVISOR, REACTIVE, REACTIVE_HEADROOM, STATIC_PEAK, STATIC_MEAN }

    /** Headroom of {@link Method#REACTIVE_HEADROOM}: an HPA-style target of 1 / 1.2 = 83 % of the learned capacity. */
    static final double REACTIVE_HEADROOM = 1.2;
    /** Scale-down stabilisation of {@link Method#REACTIVE_HEADROOM}: the HPA's default, 5 min. */
    static final long HPA_STABILISATION_MS = 300_000L;

    /** One method's outcome on one seed: over the online steps. */
    record Result(Method method, long seed, int steps, int covered, double instanceHours, int surgeSteps, int surgeCovered,
                  int changes, double meanInstances) {
        double coverage() {
            return (double) covered / steps;
        }
    }

    /** The seed's hidden truth and what the model learned from the history. */
    record Truth(long seed, double mu, double trueCapacity, CapacityEstimate firstEstimate, CapacityEstimate lastEstimate,
                 int historyInstances, int surgeFrom, int surgeTo, List<String> sampleAdvice) {
    }

    record Outcome(Truth truth, List<Result> results) {
    }

    /** p95 of an instance at utilisation rho, without noise. */
    static double p95(double rho) {
        return rho >= 0.99 ? Double.POSITIVE_INFINITY : BASE_MS * (1 + Math.pow(rho, EXPONENT) / (1 - rho));
    }

    /** Load per instance (req/s) at which the noise-free p95 reaches the KPI. */
    static double trueCapacity(double mu, double kpiMs) {
        double lo = 0;
        double hi = 0.99;
        for (int i = 0; i < 100; i++) {
            double mid = (lo + hi) / 2;
            if (p95(mid) < kpiMs) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo * mu;
    }

    private final Settings s;
    private final long seed;
    private final double mu;
    private final double[] rate;
    private final double[] latNoise;
    private final double[] cpuNoise;
    private final int surgeFrom;
    private final int surgeTo;

    CapacitySimulation(Settings s, long seed) {
        this.s = s;
        this.seed = seed;
        SplittableRandom rnd = new SplittableRandom(seed * 7919 + 13);
        this.mu = 40 + 20 * rnd.nextDouble();
        double baseRate = 200 + 400 * rnd.nextDouble();
        int n = s.steps();
        long from = 4 * DAY + (long) ((10 + 6 * rnd.nextDouble()) * 3_600_000L);
        long len = (long) ((2 + 2 * rnd.nextDouble()) * 3_600_000L);
        this.surgeFrom = (int) (from / s.stepMs());
        this.surgeTo = (int) ((from + len) / s.stepMs());
        TrafficModel m = TrafficModel.standard();
        rate = new double[n];
        latNoise = new double[n];
        cpuNoise = new double[n];
        for (int i = 0; i < n; i++) {
            long t = (long) i * s.stepMs();
            double f = surgeFactor(t, from, from + len);
            rate[i] = baseRate * m.seasonality(START.plusMillis(t + s.stepMs() / 2)) * f * Math.exp(0.03 * rnd.nextGaussian());
            latNoise[i] = Math.exp(0.05 * rnd.nextGaussian());
            cpuNoise[i] = 2 * rnd.nextGaussian();
        }
    }

    private double surgeFactor(long t, long from, long to) {
        long ramp = 15 * 60_000L;
        if (t < from || t >= to) {
            return 1;
        }
        double up = Math.min(1, (t - from) / (double) ramp);
        double down = Math.min(1, (to - t) / (double) ramp);
        return 1 + (s.surge() - 1) * Math.min(up, down);
    }

    /** Runs every method; {@code progress} gets the share of steps done. */
    Outcome run(java.util.function.DoubleConsumer progress) {
        int first = s.firstOnline();
        double peakHistory = 0;
        for (int i = 0; i < first; i++) {
            peakHistory = Math.max(peakHistory, rate[i]);
        }
        int n0 = (int) Math.ceil(peakHistory / (0.7 * mu));
        CapacityModel model = new CapacityModel(CapacityModel.Config.latency(s.kpiMs()));
        List<CapacitySample> history = new ArrayList<>();
        int stepsPerHorizon = 0;
        int[] hs = new int[s.horizonsMs().length];
        for (int j = 0; j < hs.length; j++) {
            hs[j] = (int) (s.horizonsMs()[j] / s.stepMs());
            stepsPerHorizon = Math.max(stepsPerHorizon, hs[j]);
        }
        int perDay = (int) (DAY / s.stepMs());
        SeriesForecaster fc = new SeriesForecaster(s.stepMs(), hs,
            SeriesForecaster.Tiers.needed(s.stepMs(), stepsPerHorizon, 4000, SeriesForecaster.Tiers.DEFAULT_BLOCK_MS), perDay,
            4000);
        List<RateForecast> forecasts = List.of();
        for (int i = 0; i < first; i++) {
            history.add(sample(i, n0));
            forecasts = RateForecast.of(fc.observe(START.toEpochMilli() + (long) i * s.stepMs(), rate[i], null), s.stepMs());
        }
        CapacityEstimate firstEst = model.fit(history);
        double maxRate = 0;
        double sumRate = 0;
        for (int i = first; i < rate.length; i++) {
            maxRate = Math.max(maxRate, rate[i]);
            sumRate += rate[i];
        }
        double capAtStart = firstEst.known() ? firstEst.perInstance() : n0 == 0 ? 1 : peakHistory / n0;
        Sim[] sims = new Sim[Method.values().length];
        for (Method m : Method.values()) {
            int fixed = switch (m) {
                case STATIC_PEAK -> (int) Math.ceil(maxRate / capAtStart);
                case STATIC_MEAN -> (int) Math.ceil(sumRate / (rate.length - first) / capAtStart);
                default -> n0;
            };
            sims[m.ordinal()] = new Sim(m, fixed, new ArrayList<>(history), firstEst);
        }
        ScalingAdvisor advisor = new ScalingAdvisor(new ScalingAdvisor.Policy(1, 10_000, s.holdMs(), s.lookaheadMs(), 1.0,
            s.price()));
        List<String> sampleAdvice = new ArrayList<>();
        int refitEvery = (int) Math.max(1, s.refitMs() / s.stepMs());
        for (int i = first; i < rate.length; i++) {
            long now = START.toEpochMilli() + (long) i * s.stepMs();
            boolean refit = (i - first) % refitEvery == 0 && i > first;
            for (Sim sim : sims) {
                sim.serve(i);
                if (refit && sim.method != Method.STATIC_PEAK && sim.method != Method.STATIC_MEAN) {
                    sim.estimate = model.fit(sim.samples);
                }
            }
            forecasts = RateForecast.of(fc.observe(now, rate[i], null), s.stepMs());
            RateForecast ramp = s.rampT() > 0 ? RateForecast.ramp(fc.trend(), s.stepMs(), s.startupMs() + s.stepMs(),
                s.rampT()) : null;
            if (ramp != null) {
                forecasts = new ArrayList<>(forecasts);
                forecasts.add(ramp);
            }
            for (Sim sim : sims) {
                int target = sim.fixed;
                double cap = sim.estimate.known() ? sim.estimate.perInstance() : Double.NaN;
                boolean reactive = sim.method == Method.REACTIVE || sim.method == Method.REACTIVE_HEADROOM;
                double headroom = sim.method == Method.REACTIVE_HEADROOM ? REACTIVE_HEADROOM : 1;
                if (reactive && !Double.isNaN(cap)) {
                    target = Math.max(1, (int) Math.ceil(headroom * rate[i] / cap - 1e-9));
                    if (sim.method == Method.REACTIVE_HEADROOM) { // the HPA: the highest desired count of the last 5 min
                        target = sim.stabilised(i, target);
                    }
                } else if (reactive) {
                    target = sim.paid();
                } else if (sim.method == Method.ADVISOR) {
                    ScalingAdvisor.Step st = advisor.advise("sim", now, sim.paid(), rate[i], forecasts, sim.estimate,
                        sim.state);
                    if (st.state().advised() > sim.state.advised() && sampleAdvice.size() < 3 && i >= surgeFrom - 30) {
                        sampleAdvice.add(st.advice().summary()); // the first scale-outs of the surge
                    }
                    sim.state = st.state();
                    target = st.advice().action() == Advice.Action.UNKNOWN ? sim.paid() : st.advice().advised();
                }
                sim.decide(i, target);
            }
            if ((i - first) % perDay == 0) {
                progress.accept((i - first) / (double) (rate.length - first));
            }
        }
        List<Result> results = new ArrayList<>();
        for (Sim sim : sims) {
            results.add(sim.result());
        }
        return new Outcome(new Truth(seed, mu, trueCapacity(mu, s.kpiMs()), firstEst, sims[0].estimate, n0, surgeFrom,
            surgeTo, sampleAdvice), results);
    }

    private CapacitySample sample(int i, int instances) {
        double rho = rate[i] / (instances * mu);
        double p = p95(rho);
        double p95 = Double.isInfinite(p) ? 10 * s.kpiMs() : p * latNoise[i];
        double cpu = Math.max(0, Math.min(100, 90 * Math.min(rho, 1.1) + cpuNoise[i]));
        return new CapacitySample(START.toEpochMilli() + (long) i * s.stepMs(), rate[i], instances, cpu, p95);
    }

    /** One method's simulated instances. */
    private final class Sim {
        final Method method;
        final int fixed;
        final List<CapacitySample> samples;
        CapacityEstimate estimate;
        ScalingAdvisor.State state;
        int running;
        /** Step at which each pending instance starts serving. */
        final java.util.ArrayDeque<Integer> pending = new java.util.ArrayDeque<>();
        int steps;
        int covered;
        long paidSteps;
        int surgeSteps;
        int surgeCovered;
        int changes;

        Sim(Method method, int fixed, List<CapacitySample> samples, CapacityEstimate estimate) {
            this.method = method;
            this.fixed = fixed;
            this.samples = samples;
            this.estimate = estimate;
            this.running = fixed; // a static count is in place from the start; the others start at the history's count
            this.state = ScalingAdvisor.State.initial(running);
        }

        int paid() {
            return running + pending.size();
        }

        /** The highest desired count over the scale-down stabilisation window ending at step i. */
        int stabilised(int i, int desired) {
            int w = (int) Math.max(1, HPA_STABILISATION_MS / s.stepMs());
            recent.addLast(new int[] {i, desired});
            while (recent.peekFirst()[0] <= i - w) {
                recent.pollFirst();
            }
            int max = 0;
            for (int[] r : recent) {
                max = Math.max(max, r[1]);
            }
            return max;
        }

        private final java.util.ArrayDeque<int[]> recent = new java.util.ArrayDeque<>();

        void serve(int i) {
            while (!pending.isEmpty() && pending.peekFirst() <= i) {
                pending.pollFirst();
                running++;
            }
            CapacitySample x = sample(i, running);
            samples.add(x);
            steps++;
            paidSteps += paid();
            boolean ok = x.p95Ms() <= s.kpiMs();
            covered += ok ? 1 : 0;
            if (i >= surgeFrom && i < surgeTo) {
                surgeSteps++;
                surgeCovered += ok ? 1 : 0;
            }
        }

        void decide(int i, int target) {
            int ready = i + 1 + (int) Math.ceil((double) s.startupMs() / s.stepMs());
            if (target != paid()) {
                changes++;
            }
            while (paid() < target) {
                pending.addLast(ready);
            }
            while (paid() > target && !pending.isEmpty()) {
                pending.pollLast();
            }
            while (paid() > target && running > 1) {
                running--;
            }
        }

        Result result() {
            return new Result(method, seed, steps, covered, paidSteps * (double) s.stepMs() / 3_600_000L, surgeSteps,
                surgeCovered, changes, (double) paidSteps / steps);
        }
    }
}
