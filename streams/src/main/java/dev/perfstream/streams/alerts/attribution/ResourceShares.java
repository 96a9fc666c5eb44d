package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.streams.alerts.attribution.Ring.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Step 5 of {@link Bottlenecks}: resources (cpu.*, memory.* of the service) take no time of their own; the ones
 * that moved share what the timed candidates leave, by their relative rise.
 */
final class ResourceShares {
    /** Z-score and relative change a resource must pass to count as moved. */
    static final double RESOURCE_Z = 3;
    static final double RESOURCE_MIN_RISE = 0.05;

    private ResourceShares() {
    }

    /** A resource's window means over the two sides: baseline mean, alert mean, baseline standard deviation. */
    record Move(double before, double after, double sd) {
        double rise() {
            return after - before;
        }

        /** Above 3 baseline standard deviations and 5 % of the baseline. */
        boolean moved() {
            double rise = rise();
            return rise > RESOURCE_Z * Math.max(sd, 1e-9) && rise > RESOURCE_MIN_RISE * Math.abs(before);
        }
    }

    /** Shares of {@code left} (at least {@code minShare} each) for the resources that moved. */
    static List<Share> shares(Map<Candidate, Ring> history, RouteWindows a, RouteWindows b, double left, double minShare) {
        List<Share> moved = new ArrayList<>();
        double rises = 0;
        for (Map.Entry<Candidate, Ring> e : history.entrySet()) {
            if (!e.getKey().kind().resource()) {
                continue;
            }
            Move m = move(e.getValue(), a.ends, b.ends);
            if (m == null) {
                continue;
            }
            if (m.moved()) {
                double rel = m.before() == 0 ? 1 : m.rise() / Math.abs(m.before());
                rises += rel;
                moved.add(new Share(e.getKey(), rel, null, m.before(), m.after(), e.getValue().unit(),
                    fmt(m.before()) + " -> " + fmt(m.after()) + unitSuffix(e.getValue().unit())));
            }
        }
        List<Share> listed = new ArrayList<>();
        for (Share m : moved) {
            Share s = m.withShare(left * m.share() / rises);
            if (s.share() >= minShare) {
                listed.add(s);
            }
        }
        return listed;
    }

    /** The resource's move between the two sides, or null when a side has no finite window mean. */
    static Move move(Ring r, Set<Long> alertEnds, Set<Long> baseEnds) {
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
        return new Move(mb, ma, sd);
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
