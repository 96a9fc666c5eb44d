package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.streams.alerts.attribution.Ring.Point;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The route's windows of one side of an attribution (alert or baseline): their ends, requests and total time. */
final class RouteWindows {
    final Set<Long> ends = new HashSet<>();
    long requests;
    double time;

    RouteWindows(List<Point> ps) {
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

    /** Total time ({@code time}) or errors (a cache's misses) of a ring's windows ending at {@code ends}. */
    static double sum(Ring r, Set<Long> ends, boolean time) {
        double s = 0;
        for (Point p : r.points()) {
            if (ends.contains(p.end())) {
                s += time ? p.sum() : p.errors();
            }
        }
        return s;
    }

    /** Count of a ring's windows ending at {@code ends}. */
    static long count(Ring r, Set<Long> ends) {
        long n = 0;
        for (Point p : r.points()) {
            if (ends.contains(p.end())) {
                n += p.count();
            }
        }
        return n;
    }
}
