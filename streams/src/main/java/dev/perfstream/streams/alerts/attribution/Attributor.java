package dev.perfstream.streams.alerts.attribution;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.alerts.attribution.Candidate.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bottleneck attribution inside the alerts stage's processor: keeps the history ({@link AttributionHistory}) from
 * every window and statement / cache view of a service, holds a FIRING route latency alert until the windows its
 * attribution reads are in ({@link Evidence}, {@link HeldAlerts}), then attributes it ({@link Bottlenecks}) and gives
 * it back with the attribution and its text in the summary.
 *
 * <p>The attribution is a function of the event-time windows it reads (the alert windows and the baseline windows
 * before the breach), not of the order in which perf.stats, perf.queries and perf.cache records arrive: an alert is
 * released when each feed it reads has been seen past its window (or at its window with every series of the window
 * before). At the latest after {@link AttributionConfig#holdFor()} (wall clock) it is released with what came, and its
 * note then starts with {@code partial:} and names what was not seen. Later notifications of a held alert wait behind
 * it and go out after it, in order.
 */
public final class Attributor {
    private static final Logger LOG = LoggerFactory.getLogger(Attributor.class);
    private final AttributionConfig config;
    private final AttributionHistory history;
    private final HeldAlerts held;
    private final Set<Feed> feeds;
    /**
     * Per service, window size and feed, for records without a source: the newest window end seen, for the order check
     * ({@link #checkOrder}; in memory only: after a restart the first window of each starts it afresh).
     */
    private final Map<String, Long> feedTimes = new HashMap<>();
    /** Per source ({@link Feed#SOURCE_HEADER}), window size and feed: the newest window end it brought, any service. */
    private final Map<String, Long> sourceTimes = new HashMap<>();
    /** Per service, window size and feed: the sources that brought its windows, with the newest end of it each brought. */
    private final Map<String, Map<String, Long>> serviceSources = new HashMap<>();
    private long outOfOrder;

    /** A held alert let go, and what its attribution did not see ({@link Evidence#missing}; empty when complete). */
    public record Released(HeldAlerts.Held held, List<String> missing) {
    }

    /** @param feeds the feeds the stage reads (perf.stats, and perf.queries, perf.cache when it reads them) */
    public Attributor(AttributionConfig config, KeyValueStore<String, byte[]> historyStore,
                      KeyValueStore<String, byte[]> heldStore, Set<Feed> feeds) {
        this.config = config;
        this.history = new AttributionHistory(historyStore, config);
        this.held = new HeldAlerts(heldStore);
        this.feeds = Set.copyOf(feeds);
    }

    /**
     * Keeps the window (or view) in the history, and in the held alerts that read it.
     *
     * @param source where it came from ({@link Feed#SOURCE_HEADER}: the stats task and partition), or null when not known
     */
    public void observe(WindowStats s, boolean view, String source) {
        Candidate kind = Candidate.of(s, view);
        if (kind == null) {
            return;
        }
        long size = s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli();
        long end = s.getWindowEnd().toEpochMilli();
        Feed feed = Feed.of(kind);
        checkOrder(s, kind, size, feed, source);
        if (source != null) {
            sourceTimes.merge(key(source, size, feed), end, Math::max);
            serviceSources.computeIfAbsent(key(s.getService(), size, feed), k -> new HashMap<>()).merge(source, end, Math::max);
        }
        Candidate c = history.observe(s, view);
        if (c == null || held.isEmpty()) {
            return;
        }
        Ring.Point p = Ring.Point.of(s);
        for (HeldAlerts.Held h : held.all()) {
            if (h.windows() != null && h.service().equals(s.getService()) && h.sizeMs() == size
                && Evidence.reads(c, h.route()) && Evidence.of(h.alert(), size, config).covers(p.end())) {
                held.put(h.withPoint(c, p, Ring.unitOf(s), config.capacity()));
            }
        }
    }

    private static String key(String a, long size, Feed feed) {
        return a + '\u0000' + size + '\u0000' + feed;
    }

    /**
     * A window that comes after a later one of its service from the same source (sources unknown: on the same topic)
     * breaks the order the release rule trusts; so does the first window of a source new to the service that comes after
     * the service's windows from the others (its source was not waited for). Either is said in the log (sampled: a
     * producer that breaks the order breaks it often).
     */
    private void checkOrder(WindowStats s, Candidate c, long size, Feed feed, String source) {
        String k = key(s.getService(), size, feed);
        long end = s.getWindowEnd().toEpochMilli();
        Long before;
        String how = "";
        if (source == null) {
            before = feedTimes.put(k, Math.max(end, feedTimes.getOrDefault(k, Long.MIN_VALUE)));
        } else {
            Map<String, Long> known = serviceSources.getOrDefault(k, Map.of());
            before = known.get(source);
            how = " from the same source " + source;
            if (before == null && !known.isEmpty()) {
                before = known.values().stream().mapToLong(Long::longValue).max().orElseThrow();
                how = " from other sources (" + source + " is new to the service)";
            }
        }
        if (before != null && end < before && outOfOrder++ % 1000 == 0) {
            LOG.warn("attribution: {} window {} to {} of service {} ({}) came after its window ending {}{}: the feed is not "
                + "in the order of window end, and an alert of the service released in between may have been attributed "
                + "without it (#{} such window)", feed.topic(), s.getWindowStart(), s.getWindowEnd(), s.getService(), c,
                Instant.ofEpochMilli(before), how, outOfOrder);
        }
    }

    /**
     * The feed's time for the service from its sources, or null when none is known (records without
     * {@link Feed#TASK_HEADER}: the newest window of the service is then the feed's time). Each source (one stats task's
     * records in one partition) brings its windows in the order of their end, whatever the other sources do, and
     * carries windows of all that task's services: every window of the service that ends before the oldest time of the
     * service's sources is in, also when its series are spread over partitions and one partition's come windows after
     * another's. A source that brought none of the service's windows within the rings' span of the newest no longer
     * counts (its series of the service stopped).
     */
    private Long sourceTime(String service, long size, Feed feed) {
        Map<String, Long> sources = serviceSources.get(key(service, size, feed));
        if (sources == null || sources.isEmpty()) {
            return null;
        }
        long newest = sources.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        long span = (long) config.capacity() * size;
        sources.values().removeIf(e -> e < newest - span);
        long t = Long.MAX_VALUE;
        for (String source : sources.keySet()) {
            t = Math.min(t, sourceTimes.get(key(source, size, feed)));
        }
        return t;
    }

    /** True for a window a FIRING of a high-latency rule on it gets attributed: a route series. */
    public static boolean attributable(WindowStats s) {
        Candidate c = Candidate.of(s, false);
        return c != null && c.kind() == Kind.ROUTE;
    }

    /**
     * Holds a FIRING of a route latency alert ({@link #attributable}) on window {@code s}, with the windows it reads that
     * are in already. A FIRING of an alert that is held already waits behind it, unattributed.
     */
    public void hold(String fingerprint, Alert a, WindowStats s, long wallNow, long timestamp) {
        if (held.contains(fingerprint)) {
            queue(fingerprint, a, timestamp);
            return;
        }
        long size = s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli();
        Candidate route = Candidate.of(s, false);
        Evidence ev = Evidence.of(a, size, config);
        Map<Candidate, Ring> all = history.load(s.getService(), size);
        held.put(new HeldAlerts.Held(fingerprint, s.getService(), route, size, wallNow, timestamp, a,
            ev.dropped(all, config.capacity()), ev.restrict(all, route), List.of()));
    }

    public boolean holding(String fingerprint) {
        return held.contains(fingerprint);
    }

    public boolean holdingAny() {
        return !held.isEmpty();
    }

    /** A later notification of the held alert {@code fingerprint}: it goes out after the held one. */
    public void queue(String fingerprint, Alert a, long timestamp) {
        held.put(held.get(fingerprint).withQueued(a, timestamp));
    }

    /** The held alerts of {@code service} whose windows are all in, removed from the store. */
    public List<Released> ready(String service) {
        List<Released> out = new ArrayList<>();
        for (HeldAlerts.Held h : held.all()) {
            if (h.service().equals(service)) {
                List<String> missing = missing(h);
                if (missing.isEmpty()) {
                    held.remove(h.fingerprint());
                    out.add(new Released(h, missing));
                }
            }
        }
        return out;
    }

    /** The held alerts that waited {@link AttributionConfig#holdFor()} or longer, removed from the store. */
    public List<Released> overdue(long wallNow) {
        List<Released> out = new ArrayList<>();
        for (HeldAlerts.Held h : held.all()) {
            if (wallNow - h.heldAt() >= config.holdFor().toMillis()) {
                held.remove(h.fingerprint());
                out.add(new Released(h, missing(h)));
            }
        }
        return out;
    }

    private List<String> missing(HeldAlerts.Held h) {
        Evidence ev = Evidence.of(h.alert(), h.sizeMs(), config);
        Map<Candidate, Ring> all = history.load(h.service(), h.sizeMs());
        List<String> missing = new ArrayList<>();
        if (h.dropped() != null) {
            missing.add(h.dropped());
        }
        Map<Feed, Long> bySource = new EnumMap<>(Feed.class);
        for (Feed f : feeds) {
            Long t = sourceTime(h.service(), h.sizeMs(), f);
            if (t != null) {
                bySource.put(f, t);
            }
        }
        missing.addAll(ev.missing(windows(h, ev, all), all, feeds, bySource));
        return missing;
    }

    /** The windows the held alert reads: its own copy, or (held by an earlier version) the history's. */
    private static Map<Candidate, Ring> windows(HeldAlerts.Held h, Evidence ev, Map<Candidate, Ring> all) {
        return h.windows() != null ? h.windows() : ev.restrict(all, h.route());
    }

    /** The attribution of a released alert from the windows it read; {@code partial:} first when some were missing. */
    public Attribution attribute(Released r) {
        HeldAlerts.Held h = r.held();
        Alert a = h.alert();
        Evidence ev = Evidence.of(a, h.sizeMs(), config);
        Map<Candidate, Ring> windows = h.windows() != null ? h.windows() : ev.restrict(history.load(h.service(), h.sizeMs()), h.route());
        Attribution att = Bottlenecks.attribute(new Bottlenecks.Target(h.route(), a.getStatistic(), a.getValue(),
            a.getWindowEnd().toEpochMilli(), a.getStartedAt().toEpochMilli()), windows, config);
        if (!r.missing().isEmpty()) {
            String partial = Bottlenecks.PARTIAL + String.join(", ", r.missing());
            att.setNote(att.getNote() == null ? partial : partial + "; " + att.getNote());
        }
        return att;
    }

    /** The held alert with its attribution, the attribution's text appended to the summary, notified {@code now}. */
    public Alert release(Released r, long now) {
        Attribution att = attribute(r);
        String text = Bottlenecks.text(att);
        Alert a = Alert.newBuilder(r.held().alert()).setAttribution(att).setNotifiedAt(Instant.ofEpochMilli(now)).build();
        if (text != null) {
            a.setSummary(a.getSummary() + "; " + text);
        }
        return a;
    }

    /** Drops series that stopped; see {@link AttributionHistory#sweep()}. */
    public int sweep() {
        feedTimes.clear(); // bounded by the services seen since the last sweep (records without a source only)
        // The sources stay (forgetting one would let the others' time pass windows still on their way): a service
        // without a window for a day is forgotten, then the sources no service refers to.
        long newest = serviceSources.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue)
            .max().orElse(Long.MIN_VALUE);
        serviceSources.values().removeIf(m -> m.values().stream()
            .allMatch(e -> e < newest - AttributionHistory.SERVICE_IDLE_MS));
        Set<String> used = new HashSet<>();
        serviceSources.forEach((k, m) -> {
            String sizeAndFeed = k.substring(k.indexOf('\u0000'));
            m.keySet().forEach(source -> used.add(source + sizeAndFeed));
        });
        sourceTimes.keySet().retainAll(used);
        return history.sweep();
    }
}
