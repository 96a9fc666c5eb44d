package dev.perfstream.bench.eval;

import dev.perfstream.models.anomaly.DetectorConfig;
import dev.perfstream.models.anomaly.SeriesDetector;
import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.models.anomaly.WindowScoring;
import dev.perfstream.schemas.avro.WindowStats;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Scores labelled series window by window with the scoring topology's code and measures, per incident
 * kind, recall within {@link #WITHIN} windows of the start, recall during the incident, detection delay,
 * and false alarms on calm traffic. A series' window score is the highest score of its statistics; an
 * alarm is a window at or above the threshold; an alarm episode starts at an alarm whose previous window
 * was below it (what an alert state machine turns into one notification). Calm windows are those outside
 * every incident and outside {@link #RECOVERY} windows after one.
 */
public final class AnomalyEval {
    /** Detection counts when the first alarm comes at most this many windows from the start, minus one. */
    public static final int WITHIN = 3;
    /** Windows after an incident's end that are neither incident nor calm (the return to normal). */
    public static final int RECOVERY = 15;

    /** Per incident kind. */
    public static final class KindResult {
        public int incidents;
        public int detectedWithin;
        public int detectedDuring;
        public long delaySum;

        public double recallWithin() {
            return incidents == 0 ? Double.NaN : (double) detectedWithin / incidents;
        }

        public double recallDuring() {
            return incidents == 0 ? Double.NaN : (double) detectedDuring / incidents;
        }

        public double meanDelay() {
            return detectedDuring == 0 ? Double.NaN : (double) delaySum / detectedDuring;
        }
    }

    /** Totals. */
    public static final class Result {
        public final Map<SyntheticTraffic.Kind, KindResult> byKind = new EnumMap<>(SyntheticTraffic.Kind.class);
        public long calmWindows;
        public long calmAlarmWindows;
        public long calmEpisodes;
        public int series;
        public long observations;
        public double seconds;

        public double falseEpisodesPerSeriesDay() {
            return calmWindows == 0 ? Double.NaN : calmEpisodes / (calmWindows / 1440.0);
        }
    }

    private final DetectorConfig cfg;
    private final List<Statistic> statistics;
    private final double threshold;

    public AnomalyEval(DetectorConfig cfg, List<Statistic> statistics, double threshold) {
        this.cfg = cfg;
        this.statistics = statistics;
        this.threshold = threshold;
    }

    public void evaluate(SyntheticTraffic.Series s, Result r) {
        long t0 = System.nanoTime();
        List<WindowStats> ws = s.windows();
        int n = ws.size();
        double[] score = new double[n];
        for (Statistic st : statistics) {
            SeriesDetector d = new SeriesDetector(s.key() + "|" + st.label(), cfg);
            for (int i = 0; i < n; i++) {
                score[i] = Math.max(score[i], WindowScoring.score(d, st, ws.get(i), null).score());
            }
            r.observations += n;
        }
        count(score, s.incidents(), r);
        r.series++;
        r.seconds += (System.nanoTime() - t0) / 1e9;
    }

    /**
     * Counts detections and false alarms of one series' window scores against its incidents.
     *
     * @return the calm windows and alarm episodes of this series (for per-series reports): {calm, episodes}
     */
    public long[] count(double[] score, List<SyntheticTraffic.Incident> incidents, Result r) {
        int n = score.length;
        long calm = 0;
        long episodes = 0;
        boolean[] notCalm = new boolean[n];
        for (SyntheticTraffic.Incident inc : incidents) {
            KindResult k = r.byKind.computeIfAbsent(inc.kind(), x -> new KindResult());
            k.incidents++;
            for (int w = inc.startWindow(); w < Math.min(n, inc.endWindow() + RECOVERY); w++) {
                notCalm[w] = true;
            }
            for (int w = inc.startWindow(); w < Math.min(n, inc.endWindow()); w++) {
                if (score[w] >= threshold) {
                    int delay = w - inc.startWindow();
                    k.detectedDuring++;
                    k.delaySum += delay;
                    if (delay < WITHIN) {
                        k.detectedWithin++;
                    }
                    break;
                }
            }
        }
        for (int w = 0; w < n; w++) {
            if (notCalm[w]) {
                continue;
            }
            r.calmWindows++;
            calm++;
            if (score[w] >= threshold) {
                r.calmAlarmWindows++;
                if (w == 0 || score[w - 1] < threshold) {
                    r.calmEpisodes++;
                    episodes++;
                }
            }
        }
        return new long[] {calm, episodes};
    }
}
