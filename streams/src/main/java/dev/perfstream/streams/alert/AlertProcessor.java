package dev.perfstream.streams.alert;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.alert.attribution.AttributionConfig;
import dev.perfstream.streams.alert.attribution.Attributor;
import dev.perfstream.streams.alert.attribution.Feed;
import dev.perfstream.streams.alert.attribution.HeldAlerts;
import dev.perfstream.streams.alert.rule.AlertClass;
import dev.perfstream.streams.alert.rule.Deadman;
import dev.perfstream.streams.alert.rule.NoData;
import dev.perfstream.streams.alert.rule.Rule;
import dev.perfstream.streams.alert.rule.RuleSet;
import dev.perfstream.streams.alert.slo.BurnRate;
import dev.perfstream.streams.alert.slo.Slo;
import dev.perfstream.streams.alert.slo.SloBuckets;
import dev.perfstream.streams.alert.state.AlertStateMachine;
import dev.perfstream.streams.alert.state.AlertStatus;
import dev.perfstream.streams.alert.state.Phase;
import dev.perfstream.streams.alert.state.Transition;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates every rule and SLO on each window of a service and drives the alert state machine.
 * State: {@link AlertsTopology#STATUS_STORE} (alert status by fingerprint) and
 * {@link AlertsTopology#SLO_STORE} (SLO buckets), both changelogged, so with exactly-once a crash
 * rolls state and output back together: no alert is forgotten or sent twice.
 *
 * <p>Rules are read from a {@link Supplier} per record, so a reload applies at once; statuses are
 * keyed by (rule id, series), so alerts of unchanged rules keep running. A punctuator notices reloads
 * and closes alerts whose rule was removed.
 */
final class AlertProcessor extends ContextualProcessor<String, WindowStats, String, Alert> {
    private static final Logger LOG = LoggerFactory.getLogger(AlertProcessor.class);
    private final Supplier<RuleSet> rules;
    private final Clock clock;
    private final RuleUsage usage;
    private KeyValueStore<String, AlertStatus> statuses;
    private SloBuckets buckets;
    private String seenVersion;
    private final Map<String, Long> sloEvaluatedAt = new HashMap<>();
    /** How often (wall clock) the statuses are scanned for series that stopped sending. */
    static final long NO_DATA_SCAN_MS = 10_000;
    private long lastNoDataScan;

    private final String statusStore;
    private final String sloStore;

    private final String baselineStore;
    /** Baseline rules: "windows seen,baseline" by alert fingerprint (changelogged). */
    private KeyValueStore<String, String> baselines;

    /** Bottleneck attribution of route latency alerts; null when off (and in the statement and cache sub-topology). */
    private final AttributionConfig attributionConfig;
    private final Set<Feed> attributionFeeds;
    private Attributor attribution;
    /** Window sizes of the high-latency rules (the only ones attribution keeps), for {@link #sizesVersion}. */
    private java.util.Set<Long> attributedSizes = java.util.Set.of();
    private String sizesVersion;
    /** How often (wall clock) the attribution history drops series that stopped. */
    static final long ATTRIBUTION_SWEEP_MS = 600_000;
    private long lastSweep;

    AlertProcessor(Supplier<RuleSet> rules, Clock clock, RuleUsage usage) {
        this(rules, clock, usage, null, Set.of());
    }

    /**
     * @param attribution null: no bottleneck attribution
     * @param feeds       the feeds attribution reads (perf.stats, and perf.queries, perf.cache when the stage reads them)
     */
    AlertProcessor(Supplier<RuleSet> rules, Clock clock, RuleUsage usage, AttributionConfig attribution, Set<Feed> feeds) {
        this(rules, clock, usage, AlertsTopology.STATUS_STORE, AlertsTopology.SLO_STORE,
            AlertsTopology.BASELINE_STORE, attribution, feeds);
    }

    /** With its own stores: the statement and cache windows are evaluated in a sub-topology of their own. */
    AlertProcessor(Supplier<RuleSet> rules, Clock clock, RuleUsage usage, String statusStore, String sloStore,
                   String baselineStore) {
        this(rules, clock, usage, statusStore, sloStore, baselineStore, null, Set.of());
    }

    private AlertProcessor(Supplier<RuleSet> rules, Clock clock, RuleUsage usage, String statusStore,
                           String sloStore, String baselineStore, AttributionConfig attribution, Set<Feed> feeds) {
        this.attributionConfig = attribution != null && attribution.enabled() ? attribution : null;
        this.attributionFeeds = Set.copyOf(feeds);
        this.baselineStore = baselineStore;
        this.statusStore = statusStore;
        this.sloStore = sloStore;
        this.rules = rules;
        this.clock = clock;
        this.usage = usage;
    }

    @Override
    public void init(ProcessorContext<String, Alert> context) {
        super.init(context);
        statuses = context.getStateStore(statusStore);
        buckets = new SloBuckets(context.getStateStore(sloStore));
        baselines = context.getStateStore(baselineStore);
        if (attributionConfig != null) {
            attribution = new Attributor(attributionConfig, context.getStateStore(AlertsTopology.ATTRIBUTION_STORE),
                context.getStateStore(AlertsTopology.ATTRIBUTION_HELD_STORE), attributionFeeds);
        }
        RuleSet rs = rules.get();
        seenVersion = rs.version();
        usage.check(rs.version(), ids(rs), clock.millis());
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::housekeeping);
    }

    @Override
    public void process(Record<String, WindowStats> r) {
        WindowStats s = r.value();
        RuleSet rs = rules.get();
        if (!rs.version().equals(seenVersion)) {
            onReload(rs);
        }
        if (attribution != null) {
            boolean view = AttributionFeed.isView(s);
            if (attributedSizes(rs).contains(s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli())) {
                attribution.observe(s, view);
            }
            if (view) { // a statement or cache view: history only, its rules run in their own sub-topology
                releaseReady(s.getService(), r.timestamp());
                return;
            }
        }
        for (Rule rule : rs.rules()) {
            if (rule.appliesTo(s)) {
                usage.matched(rs.version(), rule.id());
                evaluate(rule, s, r.timestamp());
            }
        }
        for (Deadman d : rs.deadmen()) {
            if (d.appliesTo(s)) {
                usage.matched(rs.version(), d.id());
                seen(d, s, r.timestamp());
            }
        }
        long size = s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli();
        for (Slo slo : rs.slos()) {
            if (s.getKind() == SeriesKind.METRIC && slo.metric().equals(s.getName()) && slo.window().toMillis() == size
                && slo.matchesService(s.getService())) {
                usage.matched(rs.version(), slo.id());
                evaluate(slo, s, r.timestamp());
            }
        }
        if (attribution != null) {
            releaseReady(s.getService(), r.timestamp());
        }
    }

    /** Window sizes of the rules of class high-latency: the only windows attribution keeps. */
    private java.util.Set<Long> attributedSizes(RuleSet rs) {
        if (!rs.version().equals(sizesVersion)) {
            java.util.Set<Long> sizes = new java.util.HashSet<>();
            for (Rule rule : rs.rules()) {
                if (rule.alertClass() == AlertClass.HIGH_LATENCY) {
                    sizes.add(rule.window().toMillis());
                }
            }
            attributedSizes = java.util.Set.copyOf(sizes);
            sizesVersion = rs.version();
        }
        return attributedSizes;
    }

    /** Forwards the held alerts of the service whose windows (alert and baseline, every feed they read) are all in. */
    private void releaseReady(String service, long ts) {
        if (attribution.holdingAny()) {
            for (Attributor.Released h : attribution.ready(service)) {
                release(h);
            }
        }
    }

    /** The held FIRING with its attribution, then the later notifications of the same alert that waited behind it. */
    private void release(Attributor.Released r) {
        HeldAlerts.Held h = r.held();
        emit(h.fingerprint(), attribution.release(r, clock.millis()), h.timestamp());
        for (HeldAlerts.Queued q : h.queued()) {
            emit(h.fingerprint(), q.alert(), q.timestamp());
        }
    }

    private void evaluate(Rule configured, WindowStats s, long ts) {
        String series = SeriesKey.of(s).display();
        String fp = Series.fingerprint(configured.id(), series);
        AlertStatus before = statuses.get(fp);
        AlertStatus st = current(before, configured.id(), configured.version(), series);
        double v = configured.valueOf(s);
        Rule rule = configured;
        if (configured.baseline() != null) {
            rule = againstBaseline(configured, fp, v, s.getWindowEnd().toEpochMilli());
            if (rule == null) {
                v = Double.NaN; // not enough history yet: no data
                rule = configured;
            }
        }
        boolean known = !Double.isNaN(v);
        long ws = s.getWindowStart().toEpochMilli();
        long we = s.getWindowEnd().toEpochMilli();
        Transition t = AlertStateMachine.step(st, rule.policy(), ws, we, v, known && rule.breached(v),
            known && rule.cleared(v));
        save(fp, before, t.status(), rule.noData() != NoData.KEEP); // kept to notice when the series stops
        if (t.emit() != Transition.Emit.NONE) {
            Alert a = Notifications.forRule(rule, t.status(), t.emit(), ws, we, s.getUnit(), clock.millis());
            if (attribution != null && t.emit() == Transition.Emit.FIRING && rule.alertClass() == AlertClass.HIGH_LATENCY
                && Attributor.attributable(s)) {
                // Held until the dependency windows of this window are in (normally they come with it): see Attributor
                attribution.hold(fp, a, s, context().currentSystemTimeMs(), ts);
            } else {
                forward(fp, a, ts);
            }
        }
    }

    /**
     * A baseline rule for this series and window: its thresholds at {@code factor} times the series' baseline
     * (never under the rule's own floors), or null while the history is shorter than {@code min-windows}. Then
     * the window moves the baseline, unless it breaches. Each window counts once: a replayed one (end not after
     * the last) leaves the baseline alone.
     */
    private Rule againstBaseline(Rule rule, String fp, double v, long windowEnd) {
        String stored = baselines.get(fp);
        long seen = 0;
        double base = Double.NaN;
        long lastEnd = Long.MIN_VALUE;
        if (stored != null) {
            String[] p = stored.split(",");
            seen = Long.parseLong(p[0]);
            base = Double.parseDouble(p[1]);
            lastEnd = Long.parseLong(p[2]);
        }
        Rule effective = seen >= rule.baseline().minWindows()
            ? rule.withThresholds(Math.max(rule.threshold(), rule.baseline().factor() * base),
                Math.max(rule.resolve(), rule.baseline().factor() * base))
            : null;
        if (!Double.isNaN(v) && windowEnd > lastEnd && (effective == null || !effective.breached(v))) {
            baselines.put(fp, (seen + 1) + "," + rule.baseline().next(base, seen, v) + "," + windowEnd);
        }
        return effective;
    }

    /** A window from a deadman's service: remember when, and resolve its alert if it was firing. */
    private void seen(Deadman d, WindowStats s, long ts) {
        String series = Deadman.series(s);
        String fp = Series.fingerprint(d.id(), series);
        AlertStatus before = statuses.get(fp);
        AlertStatus st = before == null ? AlertStatus.initial(d.id(), d.version(), series) : before;
        long end = s.getWindowEnd().toEpochMilli();
        if (st.phase() != Phase.FIRING && end <= st.lastWindowEnd()) {
            return;
        }
        AlertStatus now = new AlertStatus(d.id(), d.version(), series, Phase.INACTIVE, 0, 0, 0, 0, 0, 0,
            Math.max(end, st.lastWindowEnd()), st.starts(), false, 0);
        statuses.put(fp, now);
        if (st.phase() == Phase.FIRING) {
            long silent = end - st.lastWindowEnd();
            AlertStatus closed = new AlertStatus(d.id(), d.version(), series, Phase.INACTIVE, 0, 0, 0, st.startedAt(), 0, 0,
                now.lastWindowEnd(), st.starts(), false, silent / 1000.0);
            forward(fp, Notifications.noData(closed, d.id(), AlertSource.RULE, d.severity(), Transition.Emit.RESOLVED, silent,
                d.after().toMillis(), clock.millis(), "RESOLVED " + d.id() + ": " + s.getService() + " sends again"
                    + " (window ending " + s.getWindowEnd() + ") after " + Notifications.human(silent) + " without data",
                d.playbook(), d.labels()), ts);
        }
    }

    private void evaluate(Slo slo, WindowStats s, long ts) {
        String service = s.getService();
        long win = slo.window().toMillis();
        long bucket = Math.floorDiv(s.getWindowStart().toEpochMilli(), win) * win;
        // Evaluate once per bucket boundary, over the buckets before it (complete by then): the stats
        // stage emits every route's window of a minute together, after its grace period.
        String key = slo.id() + '\u0000' + service;
        Long last = sloEvaluatedAt.get(key);
        if (last == null || bucket > last) {
            sloEvaluatedAt.put(key, bucket);
            evaluateBurnRates(slo, service, bucket, ts);
            buckets.expire(slo.id(), service, bucket - slo.longest().toMillis() - win);
        }
        buckets.add(slo.id(), service, bucket, s.getCount(), s.getErrors());
    }

    private void evaluateBurnRates(Slo slo, String service, long now, long ts) {
        List<BurnRate> brs = slo.burnRates();
        long[] lookbacks = new long[brs.size() * 2];
        for (int i = 0; i < brs.size(); i++) {
            lookbacks[2 * i] = brs.get(i).longWindow().toMillis();
            lookbacks[2 * i + 1] = brs.get(i).shortWindow().toMillis();
        }
        long[][] totals = buckets.totals(slo.id(), service, now, lookbacks);
        double budget = 1 - slo.objective();
        String series = "slo=" + slo.id() + ",service=" + service;
        for (int i = 0; i < brs.size(); i++) {
            BurnRate b = brs.get(i);
            long[] lg = totals[2 * i];
            long[] sh = totals[2 * i + 1];
            double burnLong = lg[0] == 0 ? Double.NaN : (double) lg[1] / lg[0] / budget;
            double burnShort = sh[0] < slo.minEvents() ? Double.NaN : (double) sh[1] / sh[0] / budget;
            long earliest = totals[totals.length - 1][0];
            if (earliest > now - (long) (b.longWindow().toMillis() * slo.minCoverage())) {
                burnLong = Double.NaN; // not enough history for the long window yet
            }
            double v = Double.isNaN(burnLong) || Double.isNaN(burnShort) ? Double.NaN : Math.min(burnLong, burnShort);
            String id = slo.id() + "/" + b.name();
            String fp = Series.fingerprint(id, series);
            AlertStatus before = statuses.get(fp);
            AlertStatus st = current(before, id, slo.version(), series);
            boolean breach = !Double.isNaN(v) && v >= b.factor();
            Transition t = AlertStateMachine.step(st, slo.policy(), now - slo.window().toMillis(), now, v, breach,
                !Double.isNaN(v) && !breach);
            save(fp, before, t.status(), false);
            if (t.emit() != Transition.Emit.NONE) {
                forward(fp, Notifications.forSlo(slo, b, t.status(), t.emit(), service, burnLong, burnShort,
                    now - b.shortWindow().toMillis(), now, clock.millis()), ts);
            }
        }
    }

    /** The stored status, or a fresh one; a changed rule keeps a FIRING alert but restarts pending counts. */
    private static AlertStatus current(AlertStatus stored, String id, String version, String series) {
        if (stored == null) {
            return AlertStatus.initial(id, version, series);
        }
        if (stored.ruleVersion().equals(version)) {
            return stored;
        }
        boolean firing = stored.phase() == Phase.FIRING;
        return new AlertStatus(id, version, series, firing ? Phase.FIRING : Phase.INACTIVE, firing ? stored.breaches() : 0,
            0, firing ? stored.pendingSince() : 0, stored.startedAt(), stored.lastNotified(), stored.repeats(),
            stored.lastWindowEnd(), stored.starts(), stored.flapping(), stored.lastValue());
    }

    private void save(String fp, AlertStatus before, AlertStatus after, boolean keepIdle) {
        if (after.idle() && !keepIdle) {
            if (before != null) {
                statuses.delete(fp);
            }
        } else if (!after.equals(before)) {
            statuses.put(fp, after);
        }
    }

    private void forward(String fp, Alert a, long ts) {
        if (attribution != null && attribution.holding(fp)) {
            attribution.queue(fp, a, ts); // after the held FIRING, when it goes out
            return;
        }
        emit(fp, a, ts);
    }

    private void emit(String fp, Alert a, long ts) {
        LOG.info("{}", a.getSummary());
        PerfstreamMetrics.ALERT_TRANSITIONS.labelValues("alerts", a.getRule(), a.getState().name()).inc();
        context().forward(new Record<>(fp, a, ts));
    }

    private void housekeeping(long now) {
        RuleSet rs = rules.get();
        if (!rs.version().equals(seenVersion)) {
            onReload(rs);
        }
        if (attribution != null) {
            for (Attributor.Released h : attribution.overdue(now)) {
                release(h);
            }
            if (now - lastSweep >= ATTRIBUTION_SWEEP_MS) {
                lastSweep = now;
                attribution.sweep();
            }
        }
        if (now - lastNoDataScan >= NO_DATA_SCAN_MS && (!rs.deadmen().isEmpty()
            || rs.rules().stream().anyMatch(r -> r.noData() != NoData.KEEP))) {
            lastNoDataScan = now;
            noData(rs, now);
        }
        usage.check(rs.version(), ids(rs), clock.millis());
    }

    private static List<String> ids(RuleSet rs) {
        List<String> ids = new ArrayList<>();
        rs.rules().forEach(r -> ids.add(r.id()));
        rs.slos().forEach(s -> ids.add(s.id()));
        return ids;
    }

    /**
     * Series that stopped sending (wall clock against the end of their last window): deadmen fire, and
     * rules with {@code no-data: ok} resolve their firing alerts, {@code no-data: alerting} fire.
     */
    private void noData(RuleSet rs, long now) {
        List<KeyValue<String, AlertStatus>> silent = new ArrayList<>();
        try (KeyValueIterator<String, AlertStatus> it = statuses.all()) {
            while (it.hasNext()) {
                KeyValue<String, AlertStatus> kv = it.next();
                if (kv.value.lastWindowEnd() != Long.MIN_VALUE) {
                    silent.add(kv);
                }
            }
        }
        for (KeyValue<String, AlertStatus> kv : silent) {
            AlertStatus st = kv.value;
            long quiet = now - st.lastWindowEnd();
            Deadman d = rs.deadman(st.ruleId());
            if (d != null) {
                if (st.phase() != Phase.FIRING && quiet >= d.after().toMillis()) {
                    AlertStatus firing = new AlertStatus(st.ruleId(), d.version(), st.series(), Phase.FIRING, 0, 0, now, now, now,
                        0, st.lastWindowEnd(), st.starts(), false, quiet / 1000.0);
                    statuses.put(kv.key, firing);
                    forward(kv.key, Notifications.noData(firing, d.id(), AlertSource.RULE, d.severity(), Transition.Emit.FIRING,
                        quiet, d.after().toMillis(), now, d.severity() + " " + d.id() + ": no data from "
                            + st.series().substring(st.series().indexOf('=') + 1) + " for " + Notifications.human(quiet)
                            + " (last window ended " + java.time.Instant.ofEpochMilli(st.lastWindowEnd()) + "; deadman after "
                            + Notifications.human(d.after().toMillis()) + ")", d.playbook(), d.labels()), now);
                }
                continue;
            }
            Rule r = rs.rule(st.ruleId());
            if (r == null || r.noData() == NoData.KEEP || quiet < r.noDataAfter().toMillis()) {
                continue;
            }
            if (r.noData() == NoData.OK && st.phase() == Phase.FIRING) {
                AlertStatus resolved = new AlertStatus(st.ruleId(), st.ruleVersion(), st.series(), Phase.INACTIVE, 0, 0, 0,
                    st.startedAt(), 0, 0, st.lastWindowEnd(), st.starts(), false, quiet / 1000.0);
                statuses.put(kv.key, resolved);
                forward(kv.key, Notifications.noData(resolved, r.id(), AlertSource.RULE, r.severity(), Transition.Emit.RESOLVED,
                    quiet, r.noDataAfter().toMillis(), now, "RESOLVED " + r.id() + ": no data for " + Notifications.human(quiet)
                        + " on " + st.series() + " (no-data: ok): resolved without a recovered value", r.playbook(), r.labels()), now);
            } else if (r.noData() == NoData.ALERTING && st.phase() != Phase.FIRING) {
                AlertStatus firing = new AlertStatus(st.ruleId(), st.ruleVersion(), st.series(), Phase.FIRING, 0, 0, now, now,
                    now, 0, st.lastWindowEnd(), st.starts(), false, quiet / 1000.0);
                statuses.put(kv.key, firing);
                forward(kv.key, Notifications.noData(firing, r.id(), AlertSource.RULE, r.severity(), Transition.Emit.FIRING, quiet,
                    r.noDataAfter().toMillis(), now, r.severity() + " " + r.id() + ": NO DATA on " + st.series() + " for "
                        + Notifications.human(quiet) + " (no-data: alerting, after " + Notifications.human(r.noDataAfter().toMillis())
                        + ")", r.playbook(), r.labels()), now);
            }
        }
    }

    /** A new rule set: close the alerts of rules that no longer exist. Unchanged rules keep their state. */
    private void onReload(RuleSet rs) {
        LOG.info("alerts: rules version {} -> {}", seenVersion, rs.version());
        seenVersion = rs.version();
        usage.check(rs.version(), ids(rs), clock.millis());
        List<KeyValue<String, AlertStatus>> gone = new ArrayList<>();
        try (KeyValueIterator<String, AlertStatus> it = statuses.all()) {
            while (it.hasNext()) {
                KeyValue<String, AlertStatus> kv = it.next();
                String id = kv.value.ruleId();
                String base = id.contains("/") ? id.substring(0, id.indexOf('/')) : id;
                if (!rs.hasId(base) || (id.contains("/") && rs.slos().stream().noneMatch(
                    s -> s.id().equals(base) && s.burnRates().stream().anyMatch(b -> id.equals(base + "/" + b.name()))))) {
                    gone.add(kv);
                }
            }
        }
        for (KeyValue<String, AlertStatus> kv : gone) {
            statuses.delete(kv.key);
            if (kv.value.phase() == Phase.FIRING) {
                forward(kv.key, Notifications.ruleRemoved(kv.value, clock.millis()), kv.value.lastWindowEnd());
            }
        }
    }
}
