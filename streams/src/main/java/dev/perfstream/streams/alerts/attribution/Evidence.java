package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.streams.alerts.attribution.Candidate.Kind;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The windows one attribution reads, by event time, and whether they are all in. For an alert that fired on the window
 * ending {@code E} whose breach started at {@code S} (window size {@code W}): the <em>alert windows</em> end in
 * {@code (max(S, E - maxAlertWindows W), E]}, the <em>baseline windows</em> in {@code (S - baseline W, S]}. Nothing
 * else is read, whatever else has arrived, so the attribution is a function of these windows' records.
 *
 * <p>They are all in ({@link #missing} is empty) when, for each feed the attribution reads, the feed's time for the
 * service (the newest window end seen from it, {@link Feed}) is past {@code E}, or is {@code E} and every series of
 * that feed that had the window before has {@code E} too (the stats stage emits a window's records together, so this is
 * normally the case a few ms after the route's window). perf.stats is always read; perf.queries when the route has DB
 * time in these windows and the stage reads the topic; perf.cache likewise for cache time.
 *
 * @param breachStart     start of the first breaching window (the alert's startedAt), epoch ms
 * @param windowEnd       end of the window that fired
 * @param sizeMs          window size
 * @param baselineWindows baseline windows
 * @param maxAlertWindows alert windows at most (the most recent)
 */
record Evidence(long breachStart, long windowEnd, long sizeMs, int baselineWindows, int maxAlertWindows) {
    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    static Evidence of(Alert a, long sizeMs, AttributionConfig c) {
        return new Evidence(a.getStartedAt().toEpochMilli(), a.getWindowEnd().toEpochMilli(), sizeMs, c.baselineWindows(),
            c.maxAlertWindows());
    }

    /** True for a window ending at {@code end} that this attribution reads. */
    boolean covers(long end) {
        long alertFrom = Math.max(breachStart, windowEnd - maxAlertWindows * sizeMs);
        return end > alertFrom && end <= windowEnd || end > breachStart - baselineWindows * sizeMs && end <= breachStart;
    }

    /** The window ends read, ascending. */
    List<Long> ends() {
        List<Long> out = new ArrayList<>();
        for (long e = breachStart - (baselineWindows - 1) * sizeMs; e <= windowEnd; e += sizeMs) {
            if (covers(e)) {
                out.add(e);
            }
        }
        return out;
    }

    /** True for the series an attribution of {@code route} reads (and waits for). */
    static boolean reads(Candidate c, Candidate route) {
        return switch (c.kind()) {
            case ROUTE -> c.name().equals(route.name()); // every route of the metric: the service's requests
            case DB, CACHE_TIME, DOWNSTREAM -> c.route().equals(route.route()) || c.route().equals(Candidate.NO_ROUTE);
            default -> true;
        };
    }

    /** The read series of {@code route} with their read windows only. */
    Map<Candidate, Ring> restrict(Map<Candidate, Ring> all, Candidate route) {
        Map<Candidate, Ring> out = new TreeMap<>(Candidate.ORDER);
        for (Map.Entry<Candidate, Ring> e : all.entrySet()) {
            if (!reads(e.getKey(), route)) {
                continue;
            }
            List<Ring.Point> ps = new ArrayList<>();
            for (Ring.Point p : e.getValue().points()) {
                if (covers(p.end())) {
                    ps.add(p);
                }
            }
            if (!ps.isEmpty()) {
                out.put(e.getKey(), new Ring(e.getValue().unit(), ps));
            }
        }
        return out;
    }

    /** The feed's time for the service: the newest window end of its series, MIN_VALUE when none. */
    static long time(Map<Candidate, Ring> all, Feed f) {
        long t = Long.MIN_VALUE;
        for (Map.Entry<Candidate, Ring> e : all.entrySet()) {
            if (Feed.of(e.getKey()) == f) {
                t = Math.max(t, e.getValue().lastEnd());
            }
        }
        return t;
    }

    /** The feeds this attribution reads: perf.stats; perf.queries and perf.cache when read and the route has such time. */
    static List<Feed> needed(Map<Candidate, Ring> snapshot, Set<Feed> read) {
        List<Feed> out = new ArrayList<>(List.of(Feed.STATS));
        boolean db = false;
        boolean cache = false;
        for (Map.Entry<Candidate, Ring> e : snapshot.entrySet()) {
            db |= e.getKey().kind() == Kind.DB && !e.getValue().points().isEmpty();
            cache |= e.getKey().kind() == Kind.CACHE_TIME && !e.getValue().points().isEmpty();
        }
        if (db && read.contains(Feed.QUERIES)) {
            out.add(Feed.QUERIES);
        }
        if (cache && read.contains(Feed.CACHE)) {
            out.add(Feed.CACHE);
        }
        return out;
    }

    /**
     * What is not in yet, one phrase per feed ({@code perf.queries window 12:05 not seen}); empty when every window read
     * is in.
     *
     * @param snapshot the read windows collected so far ({@link #restrict})
     * @param all      every series of the service (for the feeds' times)
     * @param read     the feeds the stage reads
     * @param bySource the feeds' times from their sources where known (see {@code Attributor}): they replace the newest
     *                 window of the service, which one partition can bring windows ahead of another
     */
    List<String> missing(Map<Candidate, Ring> snapshot, Map<Candidate, Ring> all, Set<Feed> read, Map<Feed, Long> bySource) {
        List<String> out = new ArrayList<>();
        for (Feed f : needed(snapshot, read)) {
            long t = bySource.containsKey(f) ? bySource.get(f) : time(all, f);
            if (t > windowEnd) {
                continue;
            }
            if (t < windowEnd) {
                List<Long> unseen = ends().stream().filter(e -> e > t).toList();
                out.add(f.topic() + (unseen.size() == 1 ? " window " + start(unseen.get(0))
                    : " windows " + start(unseen.get(0)) + " to " + start(unseen.get(unseen.size() - 1))) + " not seen");
                continue;
            }
            int absent = 0;
            for (Map.Entry<Candidate, Ring> e : snapshot.entrySet()) {
                if (Feed.of(e.getKey()) == f && e.getValue().at(windowEnd - sizeMs) != null && e.getValue().at(windowEnd) == null) {
                    absent++;
                }
            }
            if (absent > 0) {
                out.add(f.topic() + " window " + start(windowEnd) + " incomplete (" + absent
                    + " series of the window before not seen)");
            }
        }
        return out;
    }

    /**
     * Read windows that the history no longer held when the alert was held: a feed that ran more than the rings' span
     * ahead of the alert's window (not the case when the stage keeps up). Null when none.
     */
    String dropped(Map<Candidate, Ring> all, int capacity) {
        long oldest = ends().get(0);
        List<String> out = new ArrayList<>();
        for (Feed f : Feed.values()) {
            long t = time(all, f);
            if (t != Long.MIN_VALUE && oldest <= t - capacity * sizeMs) {
                out.add(f.topic() + " windows before " + start(t - (capacity - 1) * sizeMs) + " no longer kept");
            }
        }
        return out.isEmpty() ? null : String.join(", ", out);
    }

    /** The start of the window ending at {@code end}, as the notes say it (UTC). */
    private String start(long end) {
        Instant s = Instant.ofEpochMilli(end - sizeMs);
        return (s.getEpochSecond() % 60 == 0 ? MINUTES : SECONDS).format(s);
    }
}
