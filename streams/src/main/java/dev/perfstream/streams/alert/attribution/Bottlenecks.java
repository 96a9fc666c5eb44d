package dev.perfstream.streams.alert.attribution;

import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.AttributionCause;
import dev.perfstream.streams.alert.attribution.Candidate.Kind;
import dev.perfstream.streams.alert.attribution.Ring.Point;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Bottleneck attribution of a route's latency change: which of the service's dependencies moved with it over the
 * same windows, ranked by their share of the change. A pure function of the recent windows of the route and its
 * candidates (one service, one window size), so that tests can give it known inputs.
 *
 * <p>The method, on the windows of the breach (from the first breaching window to the one that fired: the
 * <em>alert windows</em>) against the {@code baseline} windows just before it:
 * <ol>
 *   <li>The route's change is that of its <b>mean</b> latency, ms per request: {@code d = L_alert - L_base} with
 *       {@code L = sum of (count x mean) / sum of count} over the windows. Time adds up in means (a request's
 *       latency includes its DB, cache and downstream time), not in percentiles; the alert's own statistic (p95)
 *       and its change are reported beside it.</li>
 *   <li>Each <b>timed</b> candidate of the route (its {@code db.*}, {@code cache.lookup} and {@code *.client.*}
 *       windows of the same route) gets its time per request of the route over the same windows,
 *       {@code T = sum of its (count x mean) / sum of the route's count}, and its share {@code (T_alert - T_base) / d}.
 *       When the service's DB time carries no route, the service-level DB series counts as if all of it were
 *       the route's: an upper bound, said in the note.</li>
 *   <li>The DB share is split over the route's statements (perf.queries is per service, not per route) in
 *       proportion to the rise of each statement's time per request of the service; the cache share over its caches
 *       in proportion to the rise of their misses per request. The route's own statements are the smallest set whose
 *       execution counts add up to the route's DB calls in every window ({@link #tied}); when none does, every
 *       statement of the service that rose shares it (said in the note). With no statement or cache that rose, the
 *       share stays on the metric.</li>
 *   <li>Shares over 100 % in sum (candidates that overlap, or other parts of the request that got faster) are scaled
 *       down to 100 %; negative ones (a dependency that got faster) are left out.</li>
 *   <li><b>Resources</b> (cpu.*, memory.* of the service) take no time of their own: one that moved (alert mean over
 *       its baseline mean by more than 3 baseline standard deviations and more than 5 %) takes the share the timed
 *       candidates leave, split between moved resources by their relative rise.</li>
 *   <li>Causes under {@code minShare} are not listed; whatever the listed causes do not explain is
 *       {@code unexplained}: a slowdown in the route's own code (or anything not measured) shows as mostly
 *       unexplained.</li>
 * </ol>
 */
public final class Bottlenecks {
    /** Z-score and relative change a resource must pass to count as moved. */
    static final double RESOURCE_Z = 3;
    static final double RESOURCE_MIN_RISE = 0.05;

    private Bottlenecks() {
    }

    /**
     * The latency alert to attribute.
     *
     * @param route       the alert's series (a {@link Kind#ROUTE} candidate)
     * @param statistic   the alert's statistic label (p95, ...)
     * @param value       its value in the window that fired
     * @param windowEnd   end of the window that fired
     * @param breachStart start of the first breaching window (the alert's startedAt)
     */
    public record Target(Candidate route, String statistic, double value, long windowEnd, long breachStart) {
    }

    /** Attribution of {@code t} from the recent windows of its service (one window size). */
    public static Attribution attribute(Target t, Map<Candidate, Ring> history, AttributionConfig c) {
        Ring routeRing = history.get(t.route());
        List<Point> alert = new ArrayList<>();
        List<Point> base = new ArrayList<>();
        if (routeRing != null) {
            for (Point p : routeRing.points()) {
                if (p.end() > t.breachStart() && p.end() <= t.windowEnd()) {
                    alert.add(p);
                } else if (p.end() <= t.breachStart()) {
                    base.add(p);
                }
            }
        }
        if (alert.size() > c.maxAlertWindows()) {
            alert = alert.subList(alert.size() - c.maxAlertWindows(), alert.size());
        }
        if (base.size() > c.baselineWindows()) {
            base = base.subList(base.size() - c.baselineWindows(), base.size());
        }
        String stat = Arrays.asList("p50", "p90", "p95", "p99", "mean").contains(t.statistic()) ? t.statistic() : "mean";
        Attribution.Builder out = Attribution.newBuilder().setStatistic(stat).setAlertWindows(alert.size())
            .setBaselineWindows(base.size()).setCauses(List.of()).setUnexplained(1.0).setStatisticDelta(Double.NaN)
            .setMeanDelta(Double.NaN);
        if (alert.isEmpty() || base.isEmpty()) {
            return out.setBaselineWindows(alert.isEmpty() ? 0 : base.size())
                .setNote(alert.isEmpty() ? "the alert's window is not in the history (the route's windows were not kept)"
                    : "no baseline yet: no window of the route before the breach").build();
        }
        Windows a = new Windows(alert);
        Windows b = new Windows(base);
        double meanDelta = a.mean() - b.mean();
        double statNow = stat.equals("mean") ? a.mean() : Double.isFinite(t.value()) ? t.value() : alert.get(alert.size() - 1).statistic(stat);
        out.setMeanDelta(meanDelta).setStatisticDelta(statNow - median(base, stat));
        if (!(meanDelta > 0) || a.requests == 0 || b.requests == 0) {
            return out.setNote("the route's mean latency did not rise (" + ms(b.mean()) + " -> " + ms(a.mean())
                + "): no time to attribute").build();
        }

        List<Share> shares = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        // Timed candidates of the route; the service-level DB series when the DB time carries no route.
        boolean routeDb = false;
        for (Candidate k : history.keySet()) {
            if (k.kind() == Kind.DB && k.route().equals(t.route().route())) {
                routeDb = true;
            }
        }
        for (Map.Entry<Candidate, Ring> e : history.entrySet()) {
            Candidate k = e.getKey();
            boolean own = k.kind().timed() && k.route().equals(t.route().route());
            boolean serviceDb = !routeDb && k.kind() == Kind.DB && k.route().equals(Candidate.NO_ROUTE);
            if (!own && !serviceDb) {
                continue;
            }
            double before = b.timePerRequest(e.getValue());
            double after = a.timePerRequest(e.getValue());
            if (serviceDb && after - before > 0) {
                notes.add("DB time carries no route: its share is an upper bound");
            }
            shares.add(new Share(k, (after - before) / meanDelta, after - before, before, after, e.getValue().unit(), null));
        }
        // Name the statements behind the DB share and the caches behind the cache share.
        shares = split(shares, Kind.DB, Kind.STATEMENT, history, t, a, b, meanDelta, notes);
        shares = split(shares, Kind.CACHE_TIME, Kind.CACHE, history, t, a, b, meanDelta, notes);

        double positive = shares.stream().mapToDouble(s -> Math.max(0, s.share)).sum();
        double scale = positive > 1 ? 1 / positive : 1;
        if (positive > 1.005) {
            notes.add(String.format(Locale.ROOT, "timed causes came to %.0f %% of the change, scaled to 100 %%", positive * 100));
        }
        List<Share> listed = new ArrayList<>();
        for (Share s : shares) {
            if (s.share * scale >= c.minShare()) {
                listed.add(s.scaled(scale));
            }
        }
        double explained = listed.stream().mapToDouble(s -> s.share).sum();
        // Resources that moved take what the timed candidates leave.
        double left = 1 - explained;
        if (left >= c.minShare()) {
            List<Share> moved = new ArrayList<>();
            double rises = 0;
            for (Map.Entry<Candidate, Ring> e : history.entrySet()) {
                if (!e.getKey().kind().resource()) {
                    continue;
                }
                double[] ba = resource(e.getValue(), a.ends, b.ends);
                if (ba == null) {
                    continue;
                }
                double rise = ba[1] - ba[0];
                double sd = ba[2];
                if (rise > RESOURCE_Z * Math.max(sd, 1e-9) && rise > RESOURCE_MIN_RISE * Math.abs(ba[0])) {
                    double rel = ba[0] == 0 ? 1 : rise / Math.abs(ba[0]);
                    rises += rel;
                    moved.add(new Share(e.getKey(), rel, null, ba[0], ba[1], e.getValue().unit(),
                        fmt(ba[0]) + " -> " + fmt(ba[1]) + unitSuffix(e.getValue().unit())));
                }
            }
            for (Share m : moved) {
                Share s = m.withShare(left * m.share / rises);
                if (s.share >= c.minShare()) {
                    listed.add(s);
                }
            }
        }
        listed.sort(Comparator.comparingDouble((Share s) -> s.share).reversed());
        if (listed.size() > c.maxCauses()) {
            listed = new ArrayList<>(listed.subList(0, c.maxCauses()));
        }
        double sum = listed.stream().mapToDouble(s -> s.share).sum();
        List<AttributionCause> causes = new ArrayList<>();
        for (Share s : listed) {
            causes.add(s.toCause());
        }
        if (causes.isEmpty()) {
            notes.add("no DB, cache, downstream or resource series of the service moved with it");
        }
        return out.setCauses(causes).setUnexplained(Math.max(0, 1 - sum))
            .setNote(notes.isEmpty() ? null : String.join("; ", new LinkedHashSet<>(notes))).build();
    }

    /**
     * Replaces the share of each {@code metricKind} candidate by shares of the {@code detailKind} candidates (statements,
     * caches) that rose, in proportion to their rise per request of the service; unchanged when none rose.
     */
    private static List<Share> split(List<Share> shares, Kind metricKind, Kind detailKind, Map<Candidate, Ring> history,
                                     Target t, Windows a, Windows b, double meanDelta, List<String> notes) {
        double total = 0;
        List<Share> rest = new ArrayList<>();
        List<Candidate> metrics = new ArrayList<>();
        for (Share s : shares) {
            if (s.candidate.kind() == metricKind && s.share > 0) {
                total += s.share;
                metrics.add(s.candidate);
            } else {
                rest.add(s);
            }
        }
        if (total <= 0) {
            return shares;
        }
        Set<Candidate> tied = tied(metrics, detailKind, history);
        // Requests of the service per window: every route of the alert's metric.
        Map<Long, Long> requests = new java.util.HashMap<>();
        for (Map.Entry<Candidate, Ring> e : history.entrySet()) {
            Candidate k = e.getKey();
            if (k.kind() == Kind.ROUTE && k.name().equals(t.route().name())) {
                for (Point p : e.getValue().points()) {
                    requests.merge(p.end(), p.count(), Long::sum);
                }
            }
        }
        long reqA = a.ends.stream().mapToLong(end -> requests.getOrDefault(end, 0L)).sum();
        long reqB = b.ends.stream().mapToLong(end -> requests.getOrDefault(end, 0L)).sum();
        if (reqA == 0 || reqB == 0) {
            return shares;
        }
        List<Share> details = new ArrayList<>();
        double rises = 0;
        for (Map.Entry<Candidate, Ring> e : history.entrySet()) {
            Candidate k = e.getKey();
            if (k.kind() != detailKind || tied != null && !tied.contains(k)) {
                continue;
            }
            Ring r = e.getValue();
            double rise;
            String detail;
            if (detailKind == Kind.STATEMENT) {
                rise = sum(r, a.ends, true) / reqA - sum(r, b.ends, true) / reqB;
                detail = "mean " + ms(ratio(sum(r, b.ends, true), count(r, b.ends))) + " -> "
                    + ms(ratio(sum(r, a.ends, true), count(r, a.ends)));
            } else {
                rise = sum(r, a.ends, false) / reqA - sum(r, b.ends, false) / reqB;
                detail = "hit ratio " + pct(1 - ratio(sum(r, b.ends, false), count(r, b.ends))) + " -> "
                    + pct(1 - ratio(sum(r, a.ends, false), count(r, a.ends)));
            }
            if (rise > 0) {
                rises += rise;
                details.add(new Share(k, rise, null, null, null, "ms", detail));
            }
        }
        if (details.isEmpty()) {
            return shares;
        }
        if (tied == null && details.size() > 1) {
            notes.add((detailKind == Kind.STATEMENT ? "statements" : "caches") + " not tied to the route by their counts:"
                + " split by their rise over the whole service");
        }
        // The statements (caches) are per service: their part of the route's time is the split share, no before/after.
        for (Share d : details) {
            double part = total * d.share / rises;
            rest.add(new Share(d.candidate, part, part * meanDelta, null, null, "ms", d.detail));
        }
        return rest;
    }

    /** Statements (caches) per service considered for tying at most, and the largest set tried. */
    static final int TIE_CANDIDATES = 16;
    static final int TIE_SET = 4;
    /** Windows whose counts must agree before statements (caches) count as the route's own. */
    static final int TIE_WINDOWS = 3;

    /**
     * The statements (caches) that are the route's own: the smallest set (up to {@value #TIE_SET}) whose execution
     * (lookup) counts add up, in every window of the history, exactly to the route's DB calls (cache lookups); null when
     * none does (a statement shared with other routes, one outside the top N in some window) or the history is short.
     * Counts of independent traffic agree window after window only by design: a route that runs these statements and
     * no others, and no other route that runs them.
     */
    private static Set<Candidate> tied(List<Candidate> metrics, Kind detailKind, Map<Candidate, Ring> history) {
        Map<Long, Long> calls = new java.util.TreeMap<>();
        for (Candidate m : metrics) {
            if (m.route().equals(Candidate.NO_ROUTE)) {
                return null; // service-level DB time: nothing to tie to
            }
            for (Point p : history.get(m).points()) {
                calls.merge(p.end(), p.count(), Long::sum);
            }
        }
        if (calls.size() < TIE_WINDOWS) {
            return null;
        }
        long[] route = calls.values().stream().mapToLong(Long::longValue).toArray();
        List<Candidate> ks = new ArrayList<>();
        List<long[]> counts = new ArrayList<>();
        for (Map.Entry<Candidate, Ring> e : history.entrySet()) {
            if (e.getKey().kind() != detailKind) {
                continue;
            }
            long[] c = new long[route.length];
            int i = 0;
            boolean fits = true;
            for (long end : calls.keySet()) {
                Point p = e.getValue().at(end);
                c[i] = p == null ? 0 : p.count();
                fits &= c[i] <= route[i];
                i++;
            }
            if (fits) { // a statement with more executions than the route's calls in some window is not only the route's
                ks.add(e.getKey());
                counts.add(c);
            }
        }
        if (ks.isEmpty() || ks.size() > TIE_CANDIDATES) {
            return null;
        }
        for (int size = 1; size <= Math.min(TIE_SET, ks.size()); size++) {
            Set<Candidate> found = tie(ks, counts, route, new int[size], 0, 0);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The first set of {@code pick.length} candidates (from index {@code from}) whose counts add up to the route's. */
    private static Set<Candidate> tie(List<Candidate> ks, List<long[]> counts, long[] route, int[] pick, int depth, int from) {
        if (depth == pick.length) {
            for (int w = 0; w < route.length; w++) {
                long sum = 0;
                for (int i : pick) {
                    sum += counts.get(i)[w];
                }
                if (sum != route[w]) {
                    return null;
                }
            }
            Set<Candidate> out = new HashSet<>();
            for (int i : pick) {
                out.add(ks.get(i));
            }
            return out;
        }
        for (int i = from; i < ks.size(); i++) {
            pick[depth] = i;
            Set<Candidate> found = tie(ks, counts, route, pick, depth + 1, i + 1);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** Baseline mean, alert mean and baseline standard deviation of a resource's window means, or null. */
    private static double[] resource(Ring r, Set<Long> alertEnds, Set<Long> baseEnds) {
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (Point p : r.points()) {
            double m = p.mean();
            if (!Double.isFinite(m)) {
                continue;
            }
            if (alertEnds.contains(p.end())) {
                a.add(m);
            } else if (baseEnds.contains(p.end())) {
                b.add(m);
            }
        }
        if (a.isEmpty() || b.isEmpty()) {
            return null;
        }
        double mb = b.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double ma = a.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double var = 0;
        for (double v : b) {
            var += (v - mb) * (v - mb);
        }
        double sd = b.size() > 1 ? Math.sqrt(var / (b.size() - 1)) : 0;
        return new double[] {mb, ma, sd};
    }

    private static double sum(Ring r, Set<Long> ends, boolean time) {
        double s = 0;
        for (Point p : r.points()) {
            if (ends.contains(p.end())) {
                s += time ? p.sum() : p.errors();
            }
        }
        return s;
    }

    private static long count(Ring r, Set<Long> ends) {
        long n = 0;
        for (Point p : r.points()) {
            if (ends.contains(p.end())) {
                n += p.count();
            }
        }
        return n;
    }

    private static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }

    private static double median(List<Point> ps, String stat) {
        double[] v = ps.stream().mapToDouble(p -> p.statistic(stat)).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The route's windows of one side: their ends, requests and total time. */
    private static final class Windows {
        final Set<Long> ends = new HashSet<>();
        long requests;
        double time;

        Windows(List<Point> ps) {
            for (Point p : ps) {
                ends.add(p.end());
                requests += p.count();
                time += p.sum();
            }
        }

        double mean() {
            return requests == 0 ? Double.NaN : time / requests;
        }

        /** A timed candidate's time over these windows per request of the route (a window it lacks adds 0). */
        double timePerRequest(Ring r) {
            return requests == 0 ? Double.NaN : sum(r, ends, true) / requests;
        }
    }

    private record Share(Candidate candidate, double share, Double delta, Double before, Double after, String unit,
                         String detail) {
        Share scaled(double f) {
            return new Share(candidate, share * f, delta, before, after, unit, detail);
        }

        Share withShare(double s) {
            return new Share(candidate, s, delta, before, after, unit, detail);
        }

        AttributionCause toCause() {
            return AttributionCause.newBuilder().setKind(candidate.kind().label()).setName(candidate.name())
                .setShare(share).setDeltaMs(delta).setBefore(before).setAfter(after).setUnit(unit == null ? "" : unit)
                .setDetail(detail).build();
        }
    }

    /**
     * The attribution in words, for the alert's summary: {@code p95 +240 ms (mean +180 ms per request) against the 5
     * windows before: 80 % of it in DB statement `SELECT ...`, 12 % cache cart-cache (hit ratio 90 % -> 40 %), 8 %
     * unexplained}. Null when there is nothing to say (no baseline yet).
     */
    public static String text(Attribution a) {
        if (a == null) {
            return null;
        }
        String partial = partial(a.getNote());
        if (a.getBaselineWindows() == 0 || !Double.isFinite(a.getMeanDelta())) {
            if (partial == null) {
                return null;
            }
            return "attribution (" + partial + "): "
                + (a.getNote().length() > partial.length() ? a.getNote().substring(partial.length() + 2) : "nothing to compare");
        }
        StringBuilder b = new StringBuilder(partial == null ? "attribution: " : "attribution (" + partial + "): ");
        if (Double.isFinite(a.getStatisticDelta()) && !a.getStatistic().equals("mean")) {
            b.append(a.getStatistic()).append(' ').append(signed(a.getStatisticDelta())).append(", mean ");
        } else {
            b.append("mean ");
        }
        b.append(signed(a.getMeanDelta())).append(" per request against the ").append(a.getBaselineWindows())
            .append(a.getBaselineWindows() == 1 ? " window" : " windows").append(" before");
        if (!(a.getMeanDelta() > 0)) {
            return b.append(": the mean did not rise, nothing to attribute").toString();
        }
        List<AttributionCause> cs = a.getCauses();
        if (cs.isEmpty()) {
            String note = a.getNote() == null || a.getNote().equals(partial) ? null
                : partial == null ? a.getNote() : a.getNote().substring(partial.length() + 2);
            return b.append(": unexplained (").append(note == null ? "no dependency moved with it" : note)
                .append(')').toString();
        }
        b.append(": ");
        for (int i = 0; i < cs.size(); i++) {
            AttributionCause c = cs.get(i);
            b.append(i == 0 ? "" : ", ").append(pct(c.getShare())).append(i == 0 ? " of it in " : " ").append(describe(c));
        }
        if (a.getUnexplained() >= 0.005) {
            b.append(", ").append(pct(a.getUnexplained())).append(" unexplained");
        }
        return b.toString();
    }

    /** How a note starts when the attribution was released before every window it reads was in. */
    public static final String PARTIAL = "partial: ";

    /** The {@code partial: ...} part of a note (up to its first {@code "; "}), or null. */
    static String partial(String note) {
        if (note == null || !note.startsWith(PARTIAL)) {
            return null;
        }
        int end = note.indexOf("; ");
        return end < 0 ? note : note.substring(0, end);
    }

    /** One cause in words: {@code DB statement `SELECT ...` (mean 4 ms -> 61 ms)}. */
    public static String describe(AttributionCause c) {
        String what = switch (c.getKind()) {
            case "db_statement" -> "DB statement `" + shorten(c.getName(), 120) + "`";
            case "db" -> "DB time (" + c.getName() + ")";
            case "cache" -> c.getName().equals("cache.lookup") ? "cache lookups" : "cache " + c.getName();
            case "downstream" -> "downstream calls (" + c.getName() + ")";
            default -> c.getName();
        };
        return c.getDetail() == null ? what : what + " (" + c.getDetail() + ")";
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    static String pct(double share) {
        return Double.isFinite(share) ? String.format(Locale.ROOT, "%.0f %%", share * 100) : "n/a";
    }

    private static String signed(double ms) {
        return (ms >= 0 ? "+" : "-") + ms(Math.abs(ms));
    }

    static String ms(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        return (Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v)) + " ms";
    }

    private static String fmt(double v) {
        if (Math.abs(v) >= 1e6) {
            return String.format(Locale.ROOT, "%.3g", v);
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String unitSuffix(String unit) {
        return unit == null || unit.isEmpty() ? "" : unit.equals("percent") ? " %" : " " + unit;
    }
}
