package dev.perfstream.streams.release;

import dev.perfstream.schemas.avro.WindowStats;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The table of {@code perfstream compare}: per route of one service and metric, the two sides' events,
 * p50, p95, the p95 shift with its lower confidence bound, the error rates and the verdict of
 * {@link ReleaseComparison}, the same test the REGRESSION alerts run. Pure: windows in, text out.
 */
public final class ReleaseReport {
    /**
     * What to compare.
     *
     * @param from     the old version, or null for every version (time-range form)
     * @param to       the new version, or null for every version
     * @param baseline window starts of the old side [from, to), or null: every window (version form, same hours)
     * @param window   window starts of the new side, or null
     */
    public record Query(String service, String metric, String from, String to, Instant[] baseline, Instant[] window) {
        boolean sameHours() {
            return baseline == null && window == null;
        }
    }

    private ReleaseReport() {
    }

    /** @param windows per-version windows of the service and metric (others are skipped) */
    public static String render(Query q, List<WindowStats> windows, ReleaseConfig c) {
        StringBuilder out = new StringBuilder();
        Map<String, Map<String, NavigableMap<Long, ReleaseComparison.Window>>> byRoute = new TreeMap<>();
        Map<String, long[]> versions = new TreeMap<>(); // events, first start, last end
        int duplicates = 0;
        for (WindowStats w : windows) {
            if (w.getServiceVersion() == null || w.getSketch() == null || !w.getService().equals(q.service())
                || !w.getName().equals(q.metric())) {
                continue;
            }
            long start = w.getWindowStart().toEpochMilli();
            ByteBuffer b = w.getSketch().duplicate();
            byte[] sketch = new byte[b.remaining()];
            b.get(sketch);
            // each window is in the topic once (the stats stage is exactly-once); a second copy (a replay) is ignored
            if (byRoute.computeIfAbsent(w.getRoute(), r -> new TreeMap<>())
                .computeIfAbsent(w.getServiceVersion(), r -> new TreeMap<>())
                .putIfAbsent(start, new ReleaseComparison.Window(w.getCount(), w.getErrors(), sketch)) != null) {
                duplicates++;
                continue;
            }
            long[] v = versions.computeIfAbsent(w.getServiceVersion(), k -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
            v[0] += w.getCount();
            v[1] = Math.min(v[1], start);
            v[2] = Math.max(v[2], w.getWindowEnd().toEpochMilli());
        }
        out.append(String.format(Locale.ROOT, "versions of %s (%s) in the topic:%n", q.service(), q.metric()));
        versions.forEach((v, a) -> out.append(String.format(Locale.ROOT, "  %-20s %9d events  %s .. %s%n", v, a[0],
            Instant.ofEpochMilli(a[1]), Instant.ofEpochMilli(a[2]))));
        if (versions.isEmpty()) {
            out.append("  none: no per-version windows of this service and metric (do its events carry serviceVersion?)\n");
            return out.toString();
        }
        if (duplicates > 0) {
            out.append(String.format(Locale.ROOT, "note: %d windows were in the topic twice (a replay); each counted once%n",
                duplicates));
        }
        if (versions.containsKey(ReleaseConfig.FOLDED)) {
            out.append(String.format(Locale.ROOT, "note: %d events of versions beyond release.versions.max were folded "
                + "into %s; they are not compared%n", versions.get(ReleaseConfig.FOLDED)[0], ReleaseConfig.FOLDED));
        }
        for (String v : new String[] {q.from(), q.to()}) {
            if (v != null && !versions.containsKey(v)) {
                out.append("version ").append(v).append(" has no windows in the topic\n");
                return out.toString();
            }
        }
        out.append(q.sameHours()
            ? String.format(Locale.ROOT, "%s against %s over the windows both served (same hours)%n", q.to(), q.from())
            : String.format(Locale.ROOT, "%s %s .. %s against %s %s .. %s%n", q.to() == null ? "all versions" : q.to(),
                q.window()[0], q.window()[1], q.from() == null ? "all versions" : q.from(), q.baseline()[0], q.baseline()[1]));
        out.append(String.format(Locale.ROOT, "test: p95 order-statistic bounds, alpha %.2g per side (p95 regressed when the"
            + " lower bound of the shift is above 0 and the shift at least %+.0f %%); errors: two-proportion z >= %.2f and at"
            + " least %+.1f points; both sides need %d events%n", c.alpha(), c.minShift() * 100,
            ReleaseComparison.normalQuantile(1 - c.alpha()), c.minErrorIncrease() * 100, c.minEvents()));
        out.append(String.format(Locale.ROOT, "%-28s %7s %10s %10s %9s %9s %9s %9s %9s %9s %8s %8s  %s%n", "route", "windows",
            "events old", "events new", "p50 old", "p50 new", "p95 old", "p95 new", "p95 shift", "lower bnd", "err old",
            "err new", "verdict"));
        for (Map.Entry<String, Map<String, NavigableMap<Long, ReleaseComparison.Window>>> e : byRoute.entrySet()) {
            ReleaseComparison.Result r = q.sameHours()
                ? ReleaseComparison.compareSameWindows(e.getKey(), e.getValue().getOrDefault(q.from(), new TreeMap<>()),
                    e.getValue().getOrDefault(q.to(), new TreeMap<>()), c)
                : ReleaseComparison.compareAll(e.getKey(), side(e.getValue(), q.from(), q.baseline()),
                    side(e.getValue(), q.to(), q.window()), c);
            if (r.baseCount() == 0 && r.newCount() == 0) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%-28s %7d %10d %10d %9s %9s %9s %9s %9s %9s %8s %8s  %s%n",
                e.getKey(), r.windows(), r.baseCount(), r.newCount(), ms(r.p50Base()), ms(r.p50New()), ms(r.p95Base()),
                ms(r.p95New()), pct(r.shift()), pct(r.shiftLower()), String.format(Locale.ROOT, "%.2f%%", r.errorRateBase() * 100),
                String.format(Locale.ROOT, "%.2f%%", r.errorRateNew() * 100), verdict(r)));
        }
        return out.toString();
    }

    static String verdict(ReleaseComparison.Result r) {
        if (!r.tested()) {
            return "too few events";
        }
        if (r.latencyRegressed() && r.errorsRegressed()) {
            return "REGRESSION (p95, errors)";
        }
        return r.latencyRegressed() ? "REGRESSION (p95)" : r.errorsRegressed() ? "REGRESSION (errors)" : "ok";
    }

    /** The windows of one side: one version (or every version but the folded one), window starts in the range. */
    private static List<ReleaseComparison.Window> side(Map<String, NavigableMap<Long, ReleaseComparison.Window>> byVersion,
                                                       String version, Instant[] range) {
        List<ReleaseComparison.Window> out = new ArrayList<>();
        Predicate<String> takes = v -> version == null ? !v.equals(ReleaseConfig.FOLDED) : v.equals(version);
        byVersion.forEach((v, windows) -> {
            if (takes.test(v)) {
                out.addAll(windows.subMap(range[0].toEpochMilli(), true, range[1].toEpochMilli(), false).values());
            }
        });
        return out;
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%+.1f%%", v * 100);
    }
}
