package dev.perfstream.bench.eval;

import dev.perfstream.models.anomaly.DetectorConfig;
import dev.perfstream.models.anomaly.SeriesDetector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Scores the {@link Corpus} series with {@link SeriesDetector} exactly as {@code perfstream backtest anomalies}
 * does (one value per point, no statistic-specific noise floor) and measures:
 * <ul>
 *   <li>per series kind and cadence, the share of calm points scoring at or above the threshold after the
 *       warm-up ({@link Corpus#warmup}); calm = present, and outside every anomaly and the
 *       {@link #RECOVERY} points after it (after its transition for a persistent one);</li>
 *   <li>per anomaly kind, recall within {@link AnomalyEval#WITHIN} points of the start and recall at any point
 *       before its end (for a 1-point anomaly: the same point);</li>
 *   <li>per persistent anomaly, the points to acceptance: from its start to the last point at or above the
 *       threshold before the next anomaly (at most {@link #ACCEPT_MAX} points later), 0 if none.</li>
 * </ul>
 */
public final class AnomalyCorpusEval {
    /** Points after an anomaly (after the transition of a persistent one) that are not calm. */
    public static final int RECOVERY = 30;
    /** Longest span looked at for acceptance. */
    public static final int ACCEPT_MAX = 2000;

    /** Counts per series kind and cadence. */
    public static final class Calm {
        public long points;
        public long high;

        public double share() {
            return points == 0 ? Double.NaN : (double) high / points;
        }
    }

    /** Counts per anomaly kind. */
    public static final class Detection {
        public int anomalies;
        public int within;
        public int during;

        public double recallWithin() {
            return anomalies == 0 ? Double.NaN : (double) within / anomalies;
        }

        public double recallDuring() {
            return anomalies == 0 ? Double.NaN : (double) during / anomalies;
        }
    }

    /** Totals over the corpus. */
    public static final class Result {
        public final Map<Corpus.Kind, Map<Long, Calm>> calm = new EnumMap<>(Corpus.Kind.class);
        public final Map<Corpus.AnomalyKind, Detection> detection = new EnumMap<>(Corpus.AnomalyKind.class);
        /** The same per series kind and cadence ("KIND@step"), for {@code --per-kind}. */
        public final Map<String, Map<Corpus.AnomalyKind, Detection>> detectionBySeries = new java.util.TreeMap<>();
        /** Points to acceptance of every persistent anomaly, per series kind. */
        public final Map<Corpus.Kind, List<Integer>> acceptance = new EnumMap<>(Corpus.Kind.class);
        public long observations;
        public double seconds;

        public Calm calm(Corpus.Kind k, long step) {
            return calm.computeIfAbsent(k, x -> new java.util.TreeMap<>()).computeIfAbsent(step, x -> new Calm());
        }

        public Calm calmOf(Corpus.Kind k) {
            Calm c = new Calm();
            calm.getOrDefault(k, Map.of()).values().forEach(x -> {
                c.points += x.points;
                c.high += x.high;
            });
            return c;
        }
    }

    private final DetectorConfig cfg;
    private final double threshold;

    public AnomalyCorpusEval(DetectorConfig cfg, double threshold) {
        this.cfg = cfg;
        this.threshold = threshold;
    }

    /** Scores one series online and adds its counts to {@code r}. */
    public void evaluate(Corpus.Series s, Result r) {
        long t0 = System.nanoTime();
        double[] v = s.values();
        int n = v.length;
        SeriesDetector d = new SeriesDetector(s.label(), cfg);
        double[] score = new double[n];
        for (int i = 0; i < n; i++) {
            score[i] = d.observe(s.t0() + i * s.stepMs(), v[i]).score();
        }
        r.observations += n;
        r.seconds += (System.nanoTime() - t0) / 1e9;
        count(s, score, r);
    }

    /** Counts calm high scores, detections and acceptance of one scored series. */
    public void count(Corpus.Series s, double[] score, Result r) {
        double[] v = s.values();
        int n = v.length;
        boolean[] notCalm = new boolean[n];
        List<Corpus.Anomaly> as = s.anomalies();
        for (int a = 0; a < as.size(); a++) {
            Corpus.Anomaly an = as.get(a);
            Arrays.fill(notCalm, an.start(), Math.min(n, an.end() + RECOVERY), true);
            Detection det = r.detection.computeIfAbsent(an.kind(), x -> new Detection());
            Detection bySeries = r.detectionBySeries
                .computeIfAbsent(s.kind() + "@" + Corpus.cadence(s.stepMs()), x -> new EnumMap<>(Corpus.AnomalyKind.class))
                .computeIfAbsent(an.kind(), x -> new Detection());
            det.anomalies++;
            bySeries.anomalies++;
            for (int i = an.start(); i < Math.min(n, Math.max(an.end(), an.start() + AnomalyEval.WITHIN)); i++) {
                if (score[i] >= threshold) {
                    if (i - an.start() < AnomalyEval.WITHIN) {
                        det.within++;
                        bySeries.within++;
                    }
                    if (i < Math.max(an.end(), an.start() + 1)) {
                        det.during++;
                        bySeries.during++;
                    }
                    break;
                }
            }
            if (an.persistent()) {
                int next = a + 1 < as.size() ? as.get(a + 1).start() : n;
                int to = Math.min(Math.min(next, n), an.start() + ACCEPT_MAX);
                int last = -1;
                for (int i = an.start(); i < to; i++) {
                    if (score[i] >= threshold) {
                        last = i;
                    }
                }
                r.acceptance.computeIfAbsent(s.kind(), x -> new ArrayList<>()).add(last < 0 ? 0 : last - an.start() + 1);
            }
        }
        Calm c = r.calm(s.kind(), s.stepMs());
        for (int i = Corpus.warmup(s.stepMs()); i < n; i++) {
            if (notCalm[i] || Double.isNaN(v[i])) {
                continue;
            }
            c.points++;
            if (score[i] >= threshold) {
                c.high++;
            }
        }
    }

    /** Recall within 3 points per series kind and cadence (rows) and anomaly kind (columns): detected / labelled. */
    public static void printPerKind(Result r, java.io.PrintStream out) {
        out.printf("%nrecall within %d points per series kind and cadence: detected/labelled%n%-20s", AnomalyEval.WITHIN, "series");
        for (Corpus.AnomalyKind k : Corpus.AnomalyKind.values()) {
            out.printf(" %16s", k);
        }
        out.println();
        for (var e : r.detectionBySeries.entrySet()) {
            out.printf("%-20s", e.getKey());
            for (Corpus.AnomalyKind k : Corpus.AnomalyKind.values()) {
                Detection d = e.getValue().get(k);
                out.printf(" %16s", d == null ? "-" : d.within + "/" + d.anomalies);
            }
            out.println();
        }
    }

    /** The three tables: calm high-score share per kind and cadence, recall per anomaly kind, acceptance. */
    public static void print(Result r, double threshold, java.io.PrintStream out) {
        out.printf("calm points scoring >= %.2f after the warm-up (2 days, at least 300 points), per series kind and cadence%n",
            threshold);
        out.printf("%-16s", "kind");
        for (long step : Corpus.ANOMALY_CADENCES) {
            out.printf(" %10s", Corpus.cadence(step));
        }
        out.printf(" %10s %10s%n", "all", "calm pts");
        for (Corpus.Kind k : r.calm.keySet()) {
            out.printf("%-16s", k);
            for (long step : Corpus.ANOMALY_CADENCES) {
                out.printf(" %9.3f%%", 100 * r.calm(k, step).share());
            }
            Calm c = r.calmOf(k);
            out.printf(" %9.3f%% %10d%n", 100 * c.share(), c.points);
        }
        Calm all = new Calm();
        r.calm.keySet().forEach(k -> {
            all.points += r.calmOf(k).points;
            all.high += r.calmOf(k).high;
        });
        out.printf("%-16s %54s %9.3f%% %10d%n", "ALL", "", 100 * all.share(), all.points);
        out.printf("%nrecall per anomaly kind (all series kinds and cadences)%n%-16s %9s %14s %14s%n", "anomaly",
            "labelled", "recall<=3 pts", "recall during");
        int n = 0;
        int w = 0;
        for (var e : r.detection.entrySet()) {
            Detection d = e.getValue();
            n += d.anomalies;
            w += d.within;
            out.printf("%-16s %9d %14.3f %14.3f%n", e.getKey(), d.anomalies, d.recallWithin(), d.recallDuring());
        }
        out.printf("%-16s %9d %14.3f%n", "ALL", n, (double) w / Math.max(1, n));
        out.printf("%npoints to acceptance after a persistent change (last score >= %.2f after its start, before the next"
            + " anomaly, at most %d)%n%-16s %6s %8s %8s %8s%n", threshold, ACCEPT_MAX, "kind", "count", "median", "p90", "max");
        for (var e : r.acceptance.entrySet()) {
            int[] a = e.getValue().stream().mapToInt(Integer::intValue).sorted().toArray();
            out.printf("%-16s %6d %8d %8d %8d%n", e.getKey(), a.length, a[a.length / 2], a[(int) Math.floor(0.9 * (a.length - 1))],
                a[a.length - 1]);
        }
        out.printf("%nscoring: %d points in %.2f s (%.0f per second, single thread)%n", r.observations, r.seconds,
            r.observations / Math.max(r.seconds, 1e-9));
    }
}
