package dev.perfstream.streams.alerts.attribution;

import static dev.perfstream.streams.alerts.attribution.AttributionText.ms;

import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.AttributionCause;
import dev.perfstream.streams.alerts.attribution.Candidate.Kind;
import dev.perfstream.streams.alerts.attribution.Ring.Point;
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
 *       execution counts add up to the route's DB calls in every window ({@link DetailShares}); when none does, every
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
        RouteWindows a = new RouteWindows(alert);
        RouteWindows b = new RouteWindows(base);
        double meanDelta = a.mean() - b.mean();
        double statNow = stat.equals("mean") ? a.mean() : Double.isFinite(t.value()) ? t.value() : alert.get(alert.size() - 1).statistic(stat);
        out.setMeanDelta(meanDelta).setStatisticDelta(statNow - median(base, stat));
        if (!(meanDelta > 0) || a.requests == 0 || b.requests == 0) {
            return out.setNote("the route's mean latency did not rise (" + ms(b.mean()) + " -> " + ms(a.mean())
                + "): no time to attribute").build();
        }

        List<String> notes = new ArrayList<>();
        List<Share> shares = timedShares(t, history, a, b, meanDelta, notes);
        // Name the statements behind the DB share and the caches behind the cache share.
        shares = DetailShares.split(shares, Kind.DB, Kind.STATEMENT, history, t, a, b, meanDelta, notes);
        shares = DetailShares.split(shares, Kind.CACHE_TIME, Kind.CACHE, history, t, a, b, meanDelta, notes);

        List<Share> listed = ranked(shares, history, a, b, c, notes);
        double sum = listed.stream().mapToDouble(Share::share).sum();
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

    /** Step 2: the timed candidates of the route, or the service-level DB series when the DB time carries no route. */
    private static List<Share> timedShares(Target t, Map<Candidate, Ring> history, RouteWindows a, RouteWindows b,
                                           double meanDelta, List<String> notes) {
        List<Share> shares = new ArrayList<>();
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
        return shares;
    }

    /** Steps 4 to 6: shares scaled to 100 % at most, those under {@code minShare} left out, moved resources added, largest first. */
    private static List<Share> ranked(List<Share> shares, Map<Candidate, Ring> history, RouteWindows a, RouteWindows b,
                                      AttributionConfig c, List<String> notes) {
        double positive = shares.stream().mapToDouble(s -> Math.max(0, s.share())).sum();
        double scale = positive > 1 ? 1 / positive : 1;
        if (positive > 1.005) {
            notes.add(String.format(Locale.ROOT, "timed causes came to %.0f %% of the change, scaled to 100 %%", positive * 100));
        }
        List<Share> listed = new ArrayList<>();
        for (Share s : shares) {
            if (s.share() * scale >= c.minShare()) {
                listed.add(s.scaled(scale));
            }
        }
        double explained = listed.stream().mapToDouble(Share::share).sum();
        // Resources that moved take what the timed candidates leave.
        double left = 1 - explained;
        if (left >= c.minShare()) {
            listed.addAll(ResourceShares.shares(history, a, b, left, c.minShare()));
        }
        listed.sort(Comparator.comparingDouble(Share::share).reversed());
        if (listed.size() > c.maxCauses()) {
            listed = new ArrayList<>(listed.subList(0, c.maxCauses()));
        }
        return listed;
    }

    private static double median(List<Point> ps, String stat) {
        double[] v = ps.stream().mapToDouble(p -> p.statistic(stat)).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * The attribution in words, for the alert's summary: {@code p95 +240 ms (mean +180 ms per request) against the 5
     * windows before: 80 % of it in DB statement `SELECT ...`, 12 % cache cart-cache (hit ratio 90 % -> 40 %), 8 %
     * unexplained}. Null when there is nothing to say (no baseline yet).
     */
    public static String text(Attribution a) {
        return AttributionText.text(a);
    }

    /** How a note starts when the attribution was released before every window it reads was in. */
    public static final String PARTIAL = "partial: ";

    /** One cause in words: {@code DB statement `SELECT ...` (mean 4 ms -> 61 ms)}. */
    public static String describe(AttributionCause c) {
        return AttributionText.describe(c);
    }
}
