package dev.perfstream.streams.alerts.attribution;

import static dev.perfstream.streams.alerts.attribution.AttributionText.ms;
import static dev.perfstream.streams.alerts.attribution.AttributionText.pct;
import static dev.perfstream.streams.alerts.attribution.RouteWindows.count;
import static dev.perfstream.streams.alerts.attribution.RouteWindows.sum;

import dev.perfstream.streams.alerts.attribution.Candidate.Kind;
import dev.perfstream.streams.alerts.attribution.Ring.Point;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Step 3 of {@link Bottlenecks}: the DB share split over the statements, the cache share over the caches, in
 * proportion to their rise per request of the service; among them, the route's own when their counts tie
 * ({@link #tied}).
 */
final class DetailShares {
    /** Statements (caches) per service considered for tying at most, and the largest set tried. */
    static final int TIE_CANDIDATES = 16;
    static final int TIE_SET = 4;
    /** Windows whose counts must agree before statements (caches) count as the route's own. */
    static final int TIE_WINDOWS = 3;

    private DetailShares() {
    }

    /**
     * Replaces the share of each {@code metricKind} candidate by shares of the {@code detailKind} candidates (statements,
     * caches) that rose, in proportion to their rise per request of the service; unchanged when none rose.
     */
    static List<Share> split(List<Share> shares, Kind metricKind, Kind detailKind, Map<Candidate, Ring> history,
                             Bottlenecks.Target t, RouteWindows a, RouteWindows b, double meanDelta, List<String> notes) {
        double total = 0;
        List<Share> rest = new ArrayList<>();
        List<Candidate> metrics = new ArrayList<>();
        for (Share s : shares) {
            if (s.candidate().kind() == metricKind && s.share() > 0) {
                total += s.share();
                metrics.add(s.candidate());
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
            double part = total * d.share() / rises;
            rest.add(new Share(d.candidate(), part, part * meanDelta, null, null, "ms", d.detail()));
        }
        return rest;
    }

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

    private static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }
}
