package dev.perfstream.bench.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A generated corpus of labelled series of many shapes and cadences, for {@code eval anomalies --corpus} and
 * {@code eval forecast --corpus}: the failure modes real series showed (noise-free periodic shapes, flat
 * series with rare steps, slow drift, sparse and bursty counts, lognormal latencies, persistent level and
 * variance changes, missing data, holidays), not the load generator's traffic. Everything comes from the
 * seed; nothing is read from disk.
 *
 * <p>For the anomaly evaluation each series carries labelled anomalies: the persistent changes that define
 * its kind (the steps of {@link Kind#FLAT_STEPS}, the shift of {@link Kind#LEVEL_SHIFT}, the change of
 * {@link Kind#VARIANCE_CHANGE}) plus injected ones of every {@link AnomalyKind} that makes sense on that
 * kind (no dip on counts that are mostly zero, no flatline on a flat series). Magnitudes are in units of
 * the series' own scale: its noise where it has noise, 5 % of its daily range where it has none. For the
 * forecast evaluation series carry no injected anomaly, and the noise-free periodic kinds get 3 % noise
 * (a seasonal-naive forecast of a noise-free periodic series is exact, so no ratio to it is meaningful).
 */
public final class Corpus {
    /** Series shapes. */
    public enum Kind {
        SINE(true), SQUARE(true), SAWTOOTH(true), FLAT_STEPS(false), DRIFT(false), POISSON_LOW(true),
        BURSTY(false), LOGNORMAL(true), LEVEL_SHIFT(true), VARIANCE_CHANGE(true), GAP(true), HOLIDAYS(true);

        /** Whether the series has a daily pattern (the forecast target of <= 0.8 x seasonal-naive applies). */
        public final boolean seasonal;

        Kind(boolean seasonal) {
            this.seasonal = seasonal;
        }
    }

    /** Labelled anomaly kinds. */
    public enum AnomalyKind { SPIKE, DIP, LEVEL_SHIFT, TREND_CHANGE, FLATLINE, VARIANCE_CHANGE }

    /**
     * A labelled anomaly, points [start, end); a persistent one (level shift, trend change to a new level,
     * lasting variance change) does not end: {@code end} is where its transition is complete.
     */
    public record Anomaly(AnomalyKind kind, int start, int end, boolean persistent) {
    }

    /**
     * One generated series: values (NaN = missing) on a grid of {@code stepMs} from {@code t0}, and what they were
     * drawn around: {@code level}, the noise-free level with the kind's changes (a shift, steps, the drift's walk,
     * holidays), and {@code shape}, the noise-free daily shape without them.
     */
    public record Series(Kind kind, long stepMs, long seed, long t0, double[] values, List<Anomaly> anomalies,
                         double[] level, double[] shape) {
        public String label() {
            return kind + "@" + Corpus.cadence(stepMs) + "#" + seed;
        }

        /**
         * The oracle's forecast of point {@code target} made at {@code origin}: the mean of the distribution the point
         * is drawn from, with each of the kind's changes known only once it has begun by the origin (a shift, a step
         * or the drift's walk so far holds; a holiday is known from its midnight). It knows the generator's shape
         * and noise, so no forecaster can expect a lower error; the one thing it does not know, the random timing of
         * changes, no forecaster can know either. Its error is the floor the evaluation measures perfstream against:
         * a ratio to seasonal-naive no forecaster can expect to beat. (The drift's slope, at most 0.4 units over 24
         * steps against noise of sd 3, is left out: the walk so far holds.)
         */
        public double oracle(int origin, int target) {
            double at = switch (kind) {
                case FLAT_STEPS, DRIFT, LEVEL_SHIFT -> shape[target] + level[origin] - shape[origin];
                case HOLIDAYS -> {
                    long perDay = Math.max(1, DAY / stepMs);
                    boolean unknown = level[target] != shape[target] && target / perDay * perDay > origin;
                    yield unknown ? shape[target] : level[target];
                }
                default -> level[target];
            };
            return switch (kind) {
                case LOGNORMAL -> at * Math.exp(0.5 * 0.5 / 2); // the mean of base * exp(N(0, 0.5^2))
                case BURSTY -> BURSTY_MEAN;
                default -> at; // Gaussian noise around the level, or Poisson counts of that mean
            };
        }
    }

    /** Mean of a {@link Kind#BURSTY} count: rate 20, times a Pareto(1.5) factor of mean 3 on 5 % of points. */
    private static final double BURSTY_MEAN = 20 * (0.95 + 0.05 * 3);

    /** Cadences of the anomaly corpus. */
    public static final long[] ANOMALY_CADENCES = {60_000L, 300_000L, 1_800_000L, 3_600_000L};
    /** Cadences of the forecast corpus (10 s is the costliest: fewer days, see {@link #forecastDays}). */
    public static final long[] FORECAST_CADENCES = {10_000L, 60_000L, 300_000L, 1_800_000L, 3_600_000L};
    /** 2026-01-05, a Monday. */
    public static final long T0 = 1_767_571_200_000L;
    private static final long DAY = 86_400_000L;
    private static final double BASE = 100;

    private Corpus() {
    }

    /** "10s", "1m", "5m", "30m", "1h". */
    public static String cadence(long stepMs) {
        return stepMs % 3_600_000L == 0 ? stepMs / 3_600_000L + "h" : stepMs % 60_000L == 0 ? stepMs / 60_000L + "m"
            : stepMs / 1000 + "s";
    }

    /** Days of an anomaly series at this step: about 10,000 points at 1 min, more days at coarser steps. */
    public static int anomalyDays(long stepMs) {
        return stepMs <= 60_000L ? 10 : stepMs <= 300_000L ? 30 : stepMs <= 1_800_000L ? 60 : 90;
    }

    /** Days of a forecast series: at least 9 (the last-week baseline needs a week before scoring starts). */
    public static int forecastDays(long stepMs) {
        return stepMs <= 10_000L ? 9 : stepMs <= 60_000L ? 10 : stepMs <= 300_000L ? 21 : stepMs <= 1_800_000L ? 42 : 63;
    }

    /** Points at the start of an anomaly series that are the detector's warm-up: 2 days, at least 300 points. */
    public static int warmup(long stepMs) {
        return (int) Math.max(300, 2 * DAY / stepMs);
    }

    /** Every kind at every anomaly cadence for one seed. */
    public static List<Series> anomalySeries(long seed) {
        List<Series> out = new ArrayList<>();
        for (Kind k : Kind.values()) {
            for (long step : ANOMALY_CADENCES) {
                out.add(generate(k, step, seed, anomalyDays(step), true));
            }
        }
        return out;
    }

    /**
     * One series. {@code anomalies}: inject labelled anomalies (anomaly corpus) or not (forecast corpus, where
     * noise-free kinds also get 3 % noise).
     */
    public static Series generate(Kind kind, long stepMs, long seed, int days, boolean anomalies) {
        SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + kind.ordinal() * 7919L + stepMs / 1000);
        int n = (int) (days * DAY / stepMs);
        double phase = rnd.nextDouble();
        double noise = switch (kind) {
            case SINE, SQUARE, SAWTOOTH -> anomalies ? 0 : 0.03 * BASE;
            case FLAT_STEPS -> 0;
            default -> 0.03 * BASE;
        };
        double[] base = new double[n];     // noise-free level the noise scatters around
        double[] sd = new double[n];       // noise sd per point
        List<Anomaly> labels = new ArrayList<>();
        int warm = warmup(stepMs);
        for (int i = 0; i < n; i++) {
            double d = (double) (i * stepMs) / DAY;
            base[i] = shape(kind, d, phase);
            sd[i] = noise;
        }
        double[] shape = base.clone();
        structure(kind, base, sd, rnd, stepMs, warm, labels, anomalies);
        double scale = noise > 0 ? noise : 0.05 * 80; // 5 % of the 80-unit daily range of the noise-free shapes
        List<Anomaly> injected = anomalies ? inject(kind, n, warm, stepMs, rnd, labels) : List.of();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = draw(kind, base[i], sd[i], rnd);
        }
        boolean shifted = false; // persistent changes toggle: away from the base level, then back to it
        for (Anomaly a : injected) {
            apply(a, kind, v, base, scale, rnd, a.persistent() && shifted);
            shifted ^= a.persistent();
            labels.add(a);
        }
        if (kind == Kind.GAP) {
            int from = n / 2;
            int len = (int) Math.max(20, DAY / 2 / stepMs);
            for (int i = from; i < Math.min(n, from + len); i++) {
                v[i] = Double.NaN;
            }
        }
        labels.sort(java.util.Comparator.comparingInt(Anomaly::start));
        return new Series(kind, stepMs, seed, T0, v, List.copyOf(labels), base, shape);
    }

    /** The noise-free daily shape at day position d (days since T0). */
    private static double shape(Kind kind, double d, double phase) {
        double x = d + phase;
        double sin = Math.sin(2 * Math.PI * x);
        return switch (kind) {
            case SINE, LEVEL_SHIFT, VARIANCE_CHANGE, GAP -> BASE + 40 * sin;
            case SQUARE -> BASE + 40 * Math.signum(sin == 0 ? 1 : sin);
            case SAWTOOTH -> BASE - 40 + 80 * (x - Math.floor(x));
            case FLAT_STEPS, DRIFT, BURSTY -> BASE;
            case POISSON_LOW -> 0.15 * (1 + 0.6 * sin); // mean count per point
            case LOGNORMAL -> BASE * Math.exp(0.2 * sin); // median latency
            case HOLIDAYS -> {
                int dow = (int) Math.floorMod((long) Math.floor(d), 7); // 0 = Monday (T0)
                yield BASE * (1 + 0.5 * Math.sin(2 * Math.PI * (d + phase))) * (dow >= 5 ? 0.6 : 1);
            }
        };
    }

    /** The changes that make a kind what it is (drift, steps, a shift, holidays), labelled where they are anomalies. */
    private static void structure(Kind kind, double[] base, double[] sd, SplittableRandom rnd, long stepMs, int warm,
                                  List<Anomaly> labels, boolean label) {
        int n = base.length;
        int perDay = (int) Math.max(1, DAY / stepMs);
        switch (kind) {
            case DRIFT -> {
                double level = 0;
                double slope = 20.0 / n * (rnd.nextBoolean() ? 1 : -1); // 20 % over the series
                for (int i = 0; i < n; i++) {
                    level += slope + 0.002 * BASE * rnd.nextGaussian() * Math.sqrt(stepMs / 60_000.0) / 4;
                    base[i] += level;
                }
            }
            case FLAT_STEPS -> {
                int i = warm + perDay + rnd.nextInt(Math.max(1, 2 * perDay));
                double add = 0;
                int[] at = new int[n + 1];
                int m = 0;
                while (i < n - 50) {
                    at[m++] = i;
                    i += Math.max(200, 3 * perDay + rnd.nextInt(Math.max(1, 3 * perDay)));
                }
                for (int s = 0, j = 0; j < n; j++) {
                    while (s < m && at[s] == j) {
                        add += (rnd.nextBoolean() ? 1 : -1) * BASE * (0.05 + 0.15 * rnd.nextDouble());
                        if (label) {
                            labels.add(new Anomaly(AnomalyKind.LEVEL_SHIFT, j, j + 1, true));
                        }
                        s++;
                    }
                    base[j] += add;
                }
            }
            case LEVEL_SHIFT -> {
                int at = (int) (0.6 * n);
                for (int j = at; j < n; j++) {
                    base[j] += 0.3 * BASE;
                }
                if (label) {
                    labels.add(new Anomaly(AnomalyKind.LEVEL_SHIFT, at, at + 1, true));
                }
            }
            case VARIANCE_CHANGE -> {
                int at = (int) (0.6 * n);
                for (int j = at; j < n; j++) {
                    sd[j] *= 3;
                }
                if (label) {
                    labels.add(new Anomaly(AnomalyKind.VARIANCE_CHANGE, at, at + 1, true));
                }
            }
            case HOLIDAYS -> {
                int days = n / perDay;
                for (int h = 0; h < Math.max(2, days / 12); h++) {
                    int day = 3 + rnd.nextInt(Math.max(1, days - 3));
                    if ((day % 7) >= 5) {
                        continue; // already a weekend day
                    }
                    for (int j = day * perDay; j < Math.min(n, (day + 1) * perDay); j++) {
                        base[j] *= 0.6;
                    }
                }
            }
            default -> {
            }
        }
    }

    private static double draw(Kind kind, double base, double sd, SplittableRandom rnd) {
        return switch (kind) {
            case POISSON_LOW -> SyntheticTraffic.poisson(rnd, base);
            case BURSTY -> {
                // Counts with heavy-tailed bursts: 5 % of points multiply the rate by a Pareto(1.5) factor.
                double rate = 20;
                if (rnd.nextDouble() < 0.05) {
                    rate *= Math.pow(1 - rnd.nextDouble(), -1 / 1.5);
                }
                yield SyntheticTraffic.poisson(rnd, rate);
            }
            case LOGNORMAL -> base * Math.exp(0.5 * rnd.nextGaussian());
            default -> base + sd * rnd.nextGaussian();
        };
    }

    /** Anomaly kinds that make sense on a series kind. */
    static List<AnomalyKind> applicable(Kind kind) {
        return switch (kind) {
            case POISSON_LOW, BURSTY -> List.of(AnomalyKind.SPIKE, AnomalyKind.LEVEL_SHIFT);
            case FLAT_STEPS -> List.of(AnomalyKind.SPIKE, AnomalyKind.DIP, AnomalyKind.TREND_CHANGE,
                AnomalyKind.VARIANCE_CHANGE);
            case LOGNORMAL -> List.of(AnomalyKind.SPIKE, AnomalyKind.DIP, AnomalyKind.LEVEL_SHIFT, AnomalyKind.FLATLINE,
                AnomalyKind.VARIANCE_CHANGE);
            default -> List.of(AnomalyKind.values());
        };
    }

    /** Places injected anomalies after the warm-up and a day, at least a day (and 200 points) apart. */
    private static List<Anomaly> inject(Kind kind, int n, int warm, long stepMs, SplittableRandom rnd,
                                        List<Anomaly> existing) {
        int perDay = (int) Math.max(1, DAY / stepMs);
        int gap = Math.max(200, perDay);
        List<AnomalyKind> kinds = applicable(kind);
        List<Anomaly> out = new ArrayList<>();
        int k = rnd.nextInt(kinds.size());
        int i = warm + perDay / 2 + rnd.nextInt(Math.max(1, perDay / 2));
        while (i < n - gap) {
            int start = i;
            boolean clash = existing.stream().anyMatch(a -> Math.abs(a.start() - start) < gap / 2);
            if (!clash) {
                AnomalyKind ak = kinds.get(k++ % kinds.size());
                int len = switch (ak) {
                    case SPIKE, DIP -> 1;
                    case LEVEL_SHIFT -> 1;
                    case TREND_CHANGE -> 30;
                    case FLATLINE -> 30;
                    case VARIANCE_CHANGE -> 60;
                };
                out.add(new Anomaly(ak, start, start + len, ak == AnomalyKind.LEVEL_SHIFT || ak == AnomalyKind.TREND_CHANGE));
            }
            i += gap + rnd.nextInt(gap);
        }
        return out;
    }

    /**
     * Applies an injected anomaly to the drawn values. A persistent one lasts to the end of the series; when
     * {@code back}, it is the return from the previous one (the same change, inverted), so levels do not pile up.
     */
    private static void apply(Anomaly a, Kind kind, double[] v, double[] base, double scale, SplittableRandom rnd,
                              boolean back) {
        int n = v.length;
        boolean counts = kind == Kind.POISSON_LOW || kind == Kind.BURSTY;
        boolean lognormal = kind == Kind.LOGNORMAL;
        double sign = back ? -1 : 1;
        switch (a.kind()) {
            case SPIKE -> v[a.start()] = counts ? v[a.start()] + Math.max(10, 8 * Math.sqrt(base[a.start()] + 1))
                : lognormal ? v[a.start()] * 10 : v[a.start()] + 8 * scale;
            case DIP -> v[a.start()] = lognormal ? v[a.start()] / 10 : v[a.start()] - 8 * scale;
            case LEVEL_SHIFT -> {
                for (int j = a.start(); j < n; j++) {
                    if (counts) {
                        // back: remove the added events again (thinning to a quarter keeps the counts integer)
                        v[j] = back ? Math.round(v[j] / 5.0)
                            : v[j] + SyntheticTraffic.poisson(rnd, 4 * (kind == Kind.BURSTY ? 20 : base[j]) + 1);
                    } else {
                        v[j] = lognormal ? (back ? v[j] / 3 : v[j] * 3) : v[j] + sign * 6 * scale;
                    }
                }
            }
            case TREND_CHANGE -> {
                int len = a.end() - a.start();
                for (int j = a.start(); j < n; j++) {
                    v[j] += sign * 8 * scale * Math.min(1.0, (j - a.start() + 1.0) / len);
                }
            }
            case FLATLINE -> {
                double stuck = v[a.start() - 1];
                for (int j = a.start(); j < a.end(); j++) {
                    v[j] = stuck;
                }
            }
            case VARIANCE_CHANGE -> {
                for (int j = a.start(); j < a.end(); j++) {
                    v[j] = lognormal ? base[j] * Math.exp(2.0 * rnd.nextGaussian())
                        : v[j] + 4 * scale * rnd.nextGaussian();
                }
            }
        }
    }
}
