package dev.perfstream.streams.impact;

import dev.perfstream.schemas.avro.UxImpact;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.validate.WebVitals;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@link UxImpact} records of one app and one closed window, from its sessions ({@link SessionState}, each
 * handed over once): per page, goal (every goal a session of the app reached in the window) and vital (LCP, INP),
 * the sessions that reported the vital on the page, by the bucket of their worst value there, how many of them
 * reached the goal, the p75 and the {@link ImpactEstimate}. The same code runs in the stats stage and in the
 * offline evaluation. Not thread-safe.
 */
public final class ImpactAssembler {
    private static final Vital[] VITALS = {Vital.LCP, Vital.INP};

    private final String app;
    private final long start;
    private final long end;
    private final double confidence;
    /** page -> per vital: the sessions' values and their goals. */
    private final Map<String, Column[]> pages = new TreeMap<>();
    private final Set<String> goals = new LinkedHashSet<>();

    /** One vital of one page: a value and the goals of each session that reported it. */
    private static final class Column {
        double[] values = new double[16];
        final List<List<String>> goals = new ArrayList<>();
        int n;

        void add(double v, List<String> g) {
            if (n == values.length) {
                values = Arrays.copyOf(values, n * 2);
            }
            values[n++] = v;
            goals.add(g);
        }
    }

    public ImpactAssembler(String app, long start, long end, double confidence) {
        this.app = app;
        this.start = start;
        this.end = end;
        this.confidence = confidence;
    }

    public void add(SessionState s) {
        List<String> g = List.copyOf(s.goals());
        goals.addAll(g);
        for (Map.Entry<String, double[]> e : s.pages().entrySet()) {
            Column[] cols = pages.computeIfAbsent(e.getKey(), p -> new Column[] {new Column(), new Column()});
            for (int v = 0; v < VITALS.length; v++) {
                double value = e.getValue()[v];
                if (!Double.isNaN(value)) {
                    cols[v].add(value, g);
                }
            }
        }
    }

    /** Every record of the window: none when no session of the app reached a goal (nothing to compare). */
    public List<UxImpact> results() {
        List<UxImpact> out = new ArrayList<>();
        for (Map.Entry<String, Column[]> e : pages.entrySet()) {
            for (int v = 0; v < VITALS.length; v++) {
                Column c = e.getValue()[v];
                if (c.n == 0) {
                    continue;
                }
                for (String goal : goals) {
                    out.add(record(e.getKey(), goal, VITALS[v], c));
                }
            }
        }
        return out;
    }

    private UxImpact record(String page, String goal, Vital vital, Column c) {
        long[] n = new long[3];
        long[] x = new long[3];
        for (int i = 0; i < c.n; i++) {
            int b = WebVitals.rate(vital, c.values[i]).ordinal();
            n[b]++;
            if (c.goals.get(i).contains(goal)) {
                x[b]++;
            }
        }
        long sessions = n[0] + n[1] + n[2];
        long conversions = x[0] + x[1] + x[2];
        double p75 = p75(c);
        ImpactEstimate est = ImpactEstimate.of(n, x, confidence);
        Double gain = est.gain();
        return UxImpact.newBuilder()
            .setApp(app).setPage(page).setGoal(goal).setVital(vital.name())
            .setWindowStart(Instant.ofEpochMilli(start)).setWindowEnd(Instant.ofEpochMilli(end))
            .setSessions(sessions).setConverted(conversions).setConversionRate((double) conversions / sessions)
            .setGoodSessions(n[0]).setGoodConverted(x[0]).setGoodRate(rate(x[0], n[0]))
            .setNeedsImprovementSessions(n[1]).setNeedsImprovementConverted(x[1]).setNeedsImprovementRate(rate(x[1], n[1]))
            .setPoorSessions(n[2]).setPoorConverted(x[2]).setPoorRate(rate(x[2], n[2]))
            .setP75(p75).setP75Rating(est.p75Rating().name())
            .setTarget(est.target() == null ? null : est.target().name())
            .setMovedShare(est.movedShare())
            .setRateDifference(est.difference()).setRateDifferenceLower(est.differenceLower())
            .setRateDifferenceUpper(est.differenceUpper())
            .setGain(gain).setGainLower(est.gainLower()).setGainUpper(est.gainUpper())
            .setExtraConversions(gain == null ? null : gain * sessions)
            .setExtraConversionsLower(est.gainLower() == null ? null : est.gainLower() * sessions)
            .setExtraConversionsUpper(est.gainUpper() == null ? null : est.gainUpper() * sessions)
            .setConfidence(confidence).setNote(est.note())
            .build();
    }

    /** Nearest-rank p75 of the column's values: the value at rank ceil(0.75 n). */
    private static double p75(Column c) {
        double[] v = Arrays.copyOf(c.values, c.n);
        Arrays.sort(v);
        return v[(int) Math.ceil(0.75 * c.n) - 1];
    }

    private static Double rate(long x, long n) {
        return n == 0 ? null : (double) x / n;
    }
}
