package dev.perfstream.bench.eval;

import dev.perfstream.ingest.loadgen.ConversionModel;
import dev.perfstream.ingest.loadgen.LoadGenerator;
import dev.perfstream.ingest.loadgen.TrafficModel;
import dev.perfstream.schemas.avro.Rating;
import dev.perfstream.schemas.avro.UxImpact;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.streams.impact.ImpactAssembler;
import dev.perfstream.streams.impact.SessionState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Does the speed vs conversion estimate recover the load generator's true conversion effect? Per seed, one window
 * of the standard traffic (its conversion model: {@link ConversionModel#CHECKOUT}, conversions by LCP bucket only)
 * goes through the stats stage's own join and estimate ({@link SessionState}, {@link ImpactAssembler}), in
 * process; the LCP row of the conversion page is compared with the truth: the configured rate of the target bucket
 * minus that of the p75's bucket, times the same moved share. Counts the windows whose interval holds the truth.
 */
public final class ImpactEval {
    /**
     * One seed's window.
     *
     * @param truth the true gain (moved share x the true rate difference); NaN when the p75 was good (no estimate)
     */
    public record Run(long seed, long sessions, long converted, String p75Rating, String target, double truth,
                      double gain, double lower, double upper) {
        public boolean estimated() {
            return !Double.isNaN(truth) && !Double.isNaN(gain);
        }

        public boolean covered() {
            return estimated() && lower <= truth && truth <= upper;
        }
    }

    /** The runs of several seeds. */
    public record Report(List<Run> runs, double confidence) {
        public long estimated() {
            return runs.stream().filter(Run::estimated).count();
        }

        public long covered() {
            return runs.stream().filter(Run::covered).count();
        }

        /** Share of the estimated windows whose interval holds the truth. */
        public double coverage() {
            return (double) covered() / estimated();
        }

        public String format() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%6s %8s %9s %-18s %-6s %9s %9s %9s %9s  %s%n", "seed", "sessions",
                "converted", "p75 bucket", "target", "truth", "gain", "lower", "upper", "covered"));
            for (Run r : runs) {
                sb.append(String.format(Locale.ROOT, "%6d %8d %9d %-18s %-6s %+8.3f%% %+8.3f%% %+8.3f%% %+8.3f%%  %s%n", r.seed,
                    r.sessions, r.converted, r.p75Rating, r.target == null ? "-" : r.target, 100 * r.truth, 100 * r.gain,
                    100 * r.lower, 100 * r.upper, r.estimated() ? (r.covered() ? "yes" : "NO") : "-"));
            }
            double width = runs.stream().filter(Run::estimated).mapToDouble(r -> r.upper - r.lower).average().orElse(Double.NaN);
            double mean = runs.stream().filter(Run::estimated).mapToDouble(Run::gain).average().orElse(Double.NaN);
            double truth = runs.stream().filter(Run::estimated).mapToDouble(Run::truth).average().orElse(Double.NaN);
            sb.append(String.format(Locale.ROOT, "coverage of the %.0f %% intervals: %d of %d windows (%.1f %%); mean gain"
                + " %+.3f %% (truth %+.3f %%), mean interval width %.3f %% points%n", 100 * confidence, covered(), estimated(),
                100 * coverage(), 100 * mean, 100 * truth, 100 * width));
            return sb.toString();
        }
    }

    private ImpactEval() {
    }

    /**
     * @param from   start of each seed's window (the traffic's seasonality depends on it)
     * @param window the stage's impact window
     * @param rate   the load generator's events per simulated second (all traffic)
     */
    public static Report run(List<Long> seeds, Instant from, Duration window, double rate, double confidence) {
        List<Run> runs = new ArrayList<>();
        for (long seed : seeds) {
            runs.add(run(seed, from, window, rate, confidence));
        }
        return new Report(runs, confidence);
    }

    static Run run(long seed, Instant from, Duration window, double rate, double confidence) {
        TrafficModel model = TrafficModel.standard().withRate(rate);
        ConversionModel truth = model.conversion();
        Map<String, SessionState> sessions = new HashMap<>();
        new LoadGenerator(model, List.of(), seed).generate(from, from.plus(window), 0, m -> { }, r -> {
            if (!r.getApp().equals(truth.app()) || r.getSessionHash() == null) {
                return;
            }
            if (r.getConversion() != null) {
                sessions.computeIfAbsent(r.getSessionHash(), k -> new SessionState()).goal(r.getConversion());
            } else if (r.getVital() == Vital.LCP || r.getVital() == Vital.INP) {
                sessions.computeIfAbsent(r.getSessionHash(), k -> new SessionState())
                    .vital(r.getPage(), r.getVital() == Vital.LCP ? SessionState.LCP : SessionState.INP, r.getValue());
            }
        });
        ImpactAssembler a = new ImpactAssembler(truth.app(), from.toEpochMilli(), from.plus(window).toEpochMilli(), confidence);
        sessions.values().forEach(a::add);
        UxImpact row = a.results().stream()
            .filter(u -> u.getPage().equals(truth.page()) && u.getGoal().equals(truth.goal()) && u.getVital().equals("LCP"))
            .findFirst().orElseThrow(() -> new IllegalStateException("seed " + seed + ": no LCP row for " + truth.page()));
        double trueGain = Double.NaN;
        if (row.getTarget() != null) {
            trueGain = row.getMovedShare() * (truth.rate(Rating.valueOf(row.getTarget()))
                - truth.rate(Rating.valueOf(row.getP75Rating())));
        }
        return new Run(seed, row.getSessions(), row.getConverted(), row.getP75Rating(), row.getTarget(), trueGain,
            nan(row.getGain()), nan(row.getGainLower()), nan(row.getGainUpper()));
    }

    private static double nan(Double d) {
        return d == null ? Double.NaN : d;
    }
}
