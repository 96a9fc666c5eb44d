package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.schemas.avro.WindowStats;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The recent windows of one {@link Candidate}, oldest first, at most a fixed number: what the attribution store keeps
 * per (service, window size, candidate). Encoded as bytes: the unit, then 64 bytes per window.
 *
 * @param unit   the series' unit (ms for durations, percent or bytes for resources, ratio for caches)
 * @param points at most the ring's capacity, ascending by window end, one per end
 */
public record Ring(String unit, List<Point> points) {
    /**
     * One window of a candidate.
     *
     * @param end    window end, epoch ms
     * @param count  events (requests, executions, lookups, samples)
     * @param errors errors; a cache's misses
     * @param sum    count x mean: the total time of a duration series
     */
    public record Point(long end, long count, long errors, double sum, double p50, double p90, double p95, double p99) {
        public double mean() {
            return count == 0 ? Double.NaN : sum / count;
        }

        /** The value of a statistic label (p50, p90, p95, p99, mean), NaN for others. */
        public double statistic(String label) {
            return switch (label) {
                case "p50" -> p50;
                case "p90" -> p90;
                case "p95" -> p95;
                case "p99" -> p99;
                case "mean" -> mean();
                default -> Double.NaN;
            };
        }

        static Point of(WindowStats s) {
            double mean = s.getMean();
            return new Point(s.getWindowEnd().toEpochMilli(), s.getCount(), s.getErrors(),
                Double.isFinite(mean) ? mean * s.getCount() : 0, s.getP50(), s.getP90(), s.getP95(), s.getP99());
        }
    }

    private static final int POINT_BYTES = 64;

    public Ring {
        points = List.copyOf(points);
    }

    /** This ring with {@code p} in place (a replayed window replaces its earlier copy), at most {@code capacity} long. */
    Ring with(Point p, String newUnit, int capacity) {
        List<Point> out = new ArrayList<>(points.size() + 1);
        for (Point q : points) {
            if (q.end() != p.end()) {
                out.add(q);
            }
        }
        int at = out.size();
        while (at > 0 && out.get(at - 1).end() > p.end()) {
            at--;
        }
        out.add(at, p);
        List<Point> kept = out.size() > capacity ? out.subList(out.size() - capacity, out.size()) : out;
        return new Ring(newUnit, kept);
    }

    /** The window ending at {@code end}, or null. */
    public Point at(long end) {
        for (Point p : points) {
            if (p.end() == end) {
                return p;
            }
        }
        return null;
    }

    public long lastEnd() {
        return points.isEmpty() ? Long.MIN_VALUE : points.get(points.size() - 1).end();
    }

    byte[] encode() {
        byte[] u = unit.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + u.length + points.size() * POINT_BYTES);
        b.put((byte) u.length).put(u);
        for (Point p : points) {
            b.putLong(p.end()).putLong(p.count()).putLong(p.errors()).putDouble(p.sum()).putDouble(p.p50())
                .putDouble(p.p90()).putDouble(p.p95()).putDouble(p.p99());
        }
        return b.array();
    }

    static Ring decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] u = new byte[b.get() & 0xff];
        b.get(u);
        List<Point> ps = new ArrayList<>(b.remaining() / POINT_BYTES);
        while (b.remaining() >= POINT_BYTES) {
            ps.add(new Point(b.getLong(), b.getLong(), b.getLong(), b.getDouble(), b.getDouble(), b.getDouble(),
                b.getDouble(), b.getDouble()));
        }
        return new Ring(new String(u, StandardCharsets.UTF_8), Collections.unmodifiableList(ps));
    }

    /** Units longer than a byte's length are cut (they never are: units are short words). */
    static String unitOf(WindowStats s) {
        String u = s.getUnit() == null ? "" : s.getUnit();
        return u.length() > 60 ? u.substring(0, 60) : u;
    }
}
