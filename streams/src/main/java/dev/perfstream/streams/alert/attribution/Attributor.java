package dev.perfstream.streams.alert.attribution;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.alert.attribution.Candidate.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Bottleneck attribution inside the alerts stage's processor: keeps the history ({@link AttributionHistory}) from
 * every window and statement / cache view of a service, holds a FIRING route latency alert until the dependency
 * windows of its window are in ({@link HeldAlerts}), then attributes it ({@link Bottlenecks}) and gives it back with
 * the attribution and its text in the summary.
 *
 * <p>An alert is released as soon as every candidate that had a window in the window before has one in the alert's
 * window, or its feed (perf.stats, or the perf.queries / perf.cache views) has moved past it; at the latest after
 * {@link AttributionConfig#holdFor()} (wall clock), and always before any other notification of the same alert.
 */
public final class Attributor {
    private final AttributionConfig config;
    private final AttributionHistory history;
    private final HeldAlerts held;
    /** Per service: the newest window end seen from perf.stats [0] and from the views [1] (in memory: only speeds up). */
    private final Map<String, long[]> latest = new HashMap<>();

    public Attributor(AttributionConfig config, KeyValueStore<String, byte[]> historyStore,
                      KeyValueStore<String, byte[]> heldStore) {
        this.config = config;
        this.history = new AttributionHistory(historyStore, config);
        this.held = new HeldAlerts(heldStore);
    }

    /** Keeps the window (or view) in the history. */
    public void observe(WindowStats s, boolean view) {
        if (history.observe(s, view) != null) {
            long[] l = latest.computeIfAbsent(s.getService(), k -> new long[] {Long.MIN_VALUE, Long.MIN_VALUE});
            int feed = view ? 1 : 0;
            l[feed] = Math.max(l[feed], s.getWindowEnd().toEpochMilli());
        }
    }

    /** True for a window a FIRING of a high-latency rule on it gets attributed: a route series. */
    public static boolean attributable(WindowStats s) {
        Candidate c = Candidate.of(s, false);
        return c != null && c.kind() == Kind.ROUTE;
    }

    /** Holds a FIRING of a route latency alert ({@link #attributable}) on window {@code s}. */
    public void hold(String fingerprint, Alert a, WindowStats s, long wallNow, long timestamp) {
        long size = s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli();
        held.put(new HeldAlerts.Held(fingerprint, s.getService(), Candidate.of(s, false), size, wallNow, timestamp, a));
    }

    public boolean holding(String fingerprint) {
        return held.contains(fingerprint);
    }

    public boolean holdingAny() {
        return !held.isEmpty();
    }

    /** The held alerts of {@code service} whose window's dependency records are all in, removed from the store. */
    public List<HeldAlerts.Held> ready(String service) {
        List<HeldAlerts.Held> out = new ArrayList<>();
        if (held.isEmpty()) {
            return out;
        }
        for (HeldAlerts.Held h : held.all()) {
            if (h.service().equals(service) && complete(h)) {
                held.remove(h.fingerprint());
                out.add(h);
            }
        }
        return out;
    }

    /** The held alerts that waited {@link AttributionConfig#holdFor()} or longer, removed from the store. */
    public List<HeldAlerts.Held> overdue(long wallNow) {
        List<HeldAlerts.Held> out = new ArrayList<>();
        if (held.isEmpty()) {
            return out;
        }
        for (HeldAlerts.Held h : held.all()) {
            if (wallNow - h.heldAt() >= config.holdFor().toMillis()) {
                held.remove(h.fingerprint());
                out.add(h);
            }
        }
        return out;
    }

    /** The held alert {@code fingerprint}, removed from the store, or null. */
    public HeldAlerts.Held take(String fingerprint) {
        HeldAlerts.Held h = held.get(fingerprint);
        if (h != null) {
            held.remove(fingerprint);
        }
        return h;
    }

    private boolean complete(HeldAlerts.Held h) {
        long end = h.alert().getWindowEnd().toEpochMilli();
        long previous = end - h.sizeMs();
        long[] l = latest.getOrDefault(h.service(), new long[] {Long.MIN_VALUE, Long.MIN_VALUE});
        for (Map.Entry<Candidate, Ring> e : history.load(h.service(), h.sizeMs()).entrySet()) {
            Candidate c = e.getKey();
            if (!relevant(c, h.route()) || e.getValue().at(previous) == null || e.getValue().at(end) != null) {
                continue;
            }
            boolean view = c.kind() == Kind.STATEMENT || c.kind() == Kind.CACHE;
            if (l[view ? 1 : 0] <= end) {
                return false; // expected, and its feed has not moved past the alert's window yet
            }
        }
        return true;
    }

    /** The candidates an attribution of {@code route} reads. */
    private static boolean relevant(Candidate c, Candidate route) {
        return switch (c.kind()) {
            case ROUTE -> c.equals(route);
            case DB, CACHE_TIME, DOWNSTREAM -> c.route().equals(route.route()) || c.route().equals(Candidate.NO_ROUTE);
            default -> true;
        };
    }

    /** The attribution of a held alert from the history now. */
    public Attribution attribute(HeldAlerts.Held h) {
        Alert a = h.alert();
        return Bottlenecks.attribute(new Bottlenecks.Target(h.route(), a.getStatistic(), a.getValue(),
            a.getWindowEnd().toEpochMilli(), a.getStartedAt().toEpochMilli()), history.load(h.service(), h.sizeMs()), config);
    }

    /** The held alert with its attribution, the attribution's text appended to the summary, notified {@code now}. */
    public Alert release(HeldAlerts.Held h, long now) {
        Attribution att = attribute(h);
        String text = Bottlenecks.text(att);
        Alert a = Alert.newBuilder(h.alert()).setAttribution(att).setNotifiedAt(Instant.ofEpochMilli(now)).build();
        if (text != null) {
            a.setSummary(a.getSummary() + "; " + text);
        }
        return a;
    }

    /** Drops series that stopped; see {@link AttributionHistory#sweep()}. */
    public int sweep() {
        return history.sweep();
    }
}
