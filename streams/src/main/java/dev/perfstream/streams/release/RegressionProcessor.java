package dev.perfstream.streams.release;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.alerts.rule.AlertClass;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * REGRESSION alerts of the alerts stage: per-version windows (perf.stats records with {@code serviceVersion}
 * and {@code sketch}, all of a service on this task) are kept for {@code release.horizon}; each one that
 * arrives re-tests its route: the newest version of the route (the one that appeared last) against the
 * previous one (the other version that took traffic last), over the windows both have
 * ({@link ReleaseComparison}). A version with at least one regressed route has one alert, fingerprint
 * {@code regression|service|version}: FIRING when the first route regresses, naming the routes, the p95
 * shift and the error rates; RESOLVED when the version has had no events for {@code release.rollback.after}
 * (rolled back, or replaced) or when no route of it is found regressed any more. Everything lives in one
 * changelogged store, so a restart neither forgets nor repeats an alert. Event time throughout.
 *
 * <p>Store layout (string keys, parts separated by U+0000, which no validated name contains):
 * {@code w service route version start} a window, {@code s service version} first and last window end
 * seen, {@code v service version route} a regressed route's verdict, {@code a service version} an open alert.
 */
public final class RegressionProcessor extends ContextualProcessor<String, WindowStats, String, Alert> {
    /** The changelogged store of windows, versions, verdicts and open alerts. */
    public static final String STORE = "alerts-release";
    static final String RULE = "release-regression";
    private static final char SEP = '\u0000';

    private final ReleaseConfig cfg;
    private final Clock clock;
    private KeyValueStore<String, byte[]> store;
    /** Per service, the event time of the last sweep of expired windows and versions (in memory: a restart sweeps early). */
    private final Map<String, Long> swept = new HashMap<>();

    public RegressionProcessor(ReleaseConfig cfg, Clock clock) {
        this.cfg = cfg;
        this.clock = clock;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        super.init(context);
        store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, WindowStats> r) {
        WindowStats w = r.value();
        String version = w.getServiceVersion();
        if (version == null || w.getSketch() == null || version.equals(ReleaseConfig.FOLDED)) {
            return; // folded versions are no release: shown by perfstream compare, never tested
        }
        String s = w.getService();
        long start = w.getWindowStart().toEpochMilli();
        long end = w.getWindowEnd().toEpochMilli();
        byte[] sketch = new byte[w.getSketch().remaining()];
        w.getSketch().duplicate().get(sketch);
        store.put(key("w", s, w.getRoute(), version, String.format(Locale.ROOT, "%020d", start)),
            new ReleaseComparison.Window(w.getCount(), w.getErrors(), sketch).encode());
        seen(s, version, start, end);
        long now = now(s);
        evaluate(s, w.getRoute(), now, w);
        resolveRolledBack(s, now, w);
        if (now - swept.getOrDefault(s, Long.MIN_VALUE / 2) >= SWEEP_EVERY_MS) {
            swept.put(s, now);
            sweep(s, now);
        }
    }

    private static final long SWEEP_EVERY_MS = 60_000;

    /**
     * Deletes the service's windows older than the horizon on every route (a route re-tests only its own when a window
     * of it arrives, so a route that stopped would keep them), and the first/last-seen entries of versions gone for
     * longer than the horizon whose alert (if any) has been resolved.
     */
    private void sweep(String s, long now) {
        long horizon = now - cfg.horizon().toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(key("w", s, ""), new StringSerializer())) {
            while (it.hasNext()) {
                String k = it.next().key;
                if (Long.parseLong(k.substring(k.lastIndexOf(SEP) + 1)) < horizon) {
                    expired.add(k);
                }
            }
        }
        String seenPrefix = key("s", s, "");
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(seenPrefix, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                String version = kv.key.substring(seenPrefix.length());
                if (ByteBuffer.wrap(kv.value).getLong(8) < horizon && store.get(key("a", s, version)) == null) {
                    expired.add(kv.key);
                }
            }
        }
        expired.forEach(store::delete);
    }

    /** Re-tests one route: its newest version against the previous one, over their common windows. */
    private void evaluate(String s, String route, long now, WindowStats w) {
        Map<String, NavigableMap<Long, ReleaseComparison.Window>> byVersion = new HashMap<>();
        List<String> expired = new ArrayList<>();
        String prefix = key("w", s, route, "");
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                String rest = kv.key.substring(prefix.length());
                int sep = rest.indexOf(SEP);
                long start = Long.parseLong(rest.substring(sep + 1));
                if (start < now - cfg.horizon().toMillis()) {
                    expired.add(kv.key);
                } else {
                    byVersion.computeIfAbsent(rest.substring(0, sep), v -> new TreeMap<>())
                        .put(start, ReleaseComparison.Window.decode(kv.value));
                }
            }
        }
        expired.forEach(store::delete);
        if (byVersion.size() < 2) {
            return;
        }
        String candidate = null;
        String baseline = null;
        for (String v : byVersion.keySet()) {
            if (candidate == null || first(s, v) > first(s, candidate)) {
                candidate = v;
            }
        }
        for (String v : byVersion.keySet()) {
            if (!v.equals(candidate) && (baseline == null || last(s, v) > last(s, baseline))) {
                baseline = v;
            }
        }
        if (last(s, candidate) < now - cfg.rollbackAfter().toMillis()) {
            return; // rolled back: resolveRolledBack closes its alert
        }
        ReleaseComparison.Result res = ReleaseComparison.compareSameWindows(route, byVersion.get(baseline),
            byVersion.get(candidate), cfg);
        if (!res.tested()) {
            return;
        }
        String verdictKey = key("v", s, candidate, route);
        if (res.regressed()) {
            store.put(verdictKey, Verdict.of(res, baseline).encode());
        } else {
            store.delete(verdictKey);
        }
        List<Verdict> regressed = verdicts(s, candidate);
        String alertKey = key("a", s, candidate);
        byte[] open = store.get(alertKey);
        if (open == null && !regressed.isEmpty()) {
            String summary = summary(s, candidate, baseline, regressed);
            Alert a = alert(s, candidate, baseline, regressed, AlertState.FIRING, w.getWindowStart(), w, summary);
            store.put(alertKey, ByteBuffer.allocate(8).putLong(w.getWindowStart().toEpochMilli()).array());
            context().forward(new Record<>(a.getFingerprint(), a, w.getWindowEnd().toEpochMilli()));
        } else if (open != null && regressed.isEmpty()) {
            resolve(s, candidate, baseline, open, w, "Release " + s + " " + candidate
                + " no longer regressed: every tested route is within the bounds against " + baseline);
        }
    }

    /** Resolves the open alerts of versions of {@code s} without events for {@code release.rollback.after}. */
    private void resolveRolledBack(String s, long now, WindowStats w) {
        List<KeyValue<String, byte[]>> open = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(key("a", s, ""), new StringSerializer())) {
            it.forEachRemaining(open::add);
        }
        for (KeyValue<String, byte[]> kv : open) {
            String version = kv.key.substring(key("a", s, "").length());
            long last = last(s, version);
            if (last < now - cfg.rollbackAfter().toMillis()) {
                resolve(s, version, null, kv.value, w, "Release " + s + " " + version + " rolled back: no events since "
                    + Instant.ofEpochMilli(last));
            }
        }
    }

    private void resolve(String s, String version, String baseline, byte[] open, WindowStats w, String summary) {
        List<Verdict> regressed = verdicts(s, version);
        for (Verdict v : regressed) {
            store.delete(key("v", s, version, v.route()));
        }
        store.delete(key("a", s, version));
        Instant startedAt = Instant.ofEpochMilli(ByteBuffer.wrap(open).getLong());
        Alert a = alert(s, version, baseline != null ? baseline : regressed.isEmpty() ? "" : regressed.get(0).baseline(),
            regressed, AlertState.RESOLVED, startedAt, w, summary);
        context().forward(new Record<>(a.getFingerprint(), a, w.getWindowEnd().toEpochMilli()));
    }

    private List<Verdict> verdicts(String s, String version) {
        List<Verdict> out = new ArrayList<>();
        String prefix = key("v", s, version, "");
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, new StringSerializer())) {
            it.forEachRemaining(kv -> out.add(Verdict.decode(kv.key.substring(prefix.length()), kv.value)));
        }
        return out;
    }

    static String summary(String s, String version, String baseline, List<Verdict> regressed) {
        StringBuilder b = new StringBuilder("Release regression: ").append(s).append(' ').append(version)
            .append(" against ").append(baseline).append(':');
        String sep = " ";
        for (Verdict v : regressed) {
            b.append(sep).append(v.route()).append(String.format(Locale.ROOT,
                " p95 %+.0f %% (%.4g -> %.4g ms, lower bound %+.0f %%), errors %.2f %% -> %.2f %%",
                v.shift() * 100, v.p95Base(), v.p95New(), v.shiftLower() * 100, v.errorsBase() * 100, v.errorsNew() * 100));
            sep = "; ";
        }
        return b.toString();
    }

    private Alert alert(String s, String version, String baseline, List<Verdict> regressed, AlertState state,
                        Instant startedAt, WindowStats w, String summary) {
        double shift = 0;
        List<String> routes = new ArrayList<>();
        boolean latency = false;
        for (Verdict v : regressed) {
            shift = Math.max(shift, v.shift());
            routes.add(v.route());
            latency |= v.latency();
        }
        Map<String, String> labels = new HashMap<>();
        labels.put("class", AlertClass.REGRESSION.label());
        labels.put("version", version);
        labels.put("baseline_version", baseline);
        return Alert.newBuilder().setFingerprint("regression|" + s + "|" + version).setRule(RULE)
            .setSource(AlertSource.RULE).setSeverity(Severity.WARNING).setState(state)
            .setSeries(SeriesKey.serviceVersion(s, version).display())
            .setStatistic(latency || regressed.isEmpty() ? "p95_shift" : "error_rate")
            .setValue(shift).setThreshold(cfg.minShift())
            .setWindowStart(w.getWindowStart()).setWindowEnd(w.getWindowEnd()).setStartedAt(startedAt)
            .setNotifiedAt(clock.instant()).setSummary(summary).setPlaybook(AlertClass.REGRESSION.playbook())
            .setLabels(routes.isEmpty() ? labels : with(labels, "routes", String.join(",", routes)))
            .build();
    }

    private static Map<String, String> with(Map<String, String> m, String k, String v) {
        m.put(k, v);
        return m;
    }

    private void seen(String s, String version, long start, long end) {
        String k = key("s", s, version);
        byte[] b = store.get(k);
        long first = b == null ? start : Math.min(start, ByteBuffer.wrap(b).getLong(0));
        long last = b == null ? end : Math.max(end, ByteBuffer.wrap(b).getLong(8));
        store.put(k, ByteBuffer.allocate(16).putLong(first).putLong(last).array());
    }

    private long first(String s, String version) {
        byte[] b = store.get(key("s", s, version));
        return b == null ? Long.MIN_VALUE : ByteBuffer.wrap(b).getLong(0);
    }

    private long last(String s, String version) {
        byte[] b = store.get(key("s", s, version));
        return b == null ? Long.MIN_VALUE : ByteBuffer.wrap(b).getLong(8);
    }

    /** The newest window end seen of any version of the service: its event-time now. */
    private long now(String s) {
        long now = Long.MIN_VALUE;
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(key("s", s, ""), new StringSerializer())) {
            while (it.hasNext()) {
                now = Math.max(now, ByteBuffer.wrap(it.next().value).getLong(8));
            }
        }
        return now;
    }

    static String key(String kind, String... parts) {
        StringBuilder b = new StringBuilder(kind);
        for (String p : parts) {
            b.append(SEP).append(p);
        }
        return b.toString();
    }
}
