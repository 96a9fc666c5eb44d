package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.alerts.attribution.AttributionConfig;
import dev.perfstream.streams.alerts.attribution.Attributor;
import dev.perfstream.streams.alerts.attribution.Feed;
import dev.perfstream.streams.alerts.rule.AlertClass;
import dev.perfstream.streams.alerts.rule.Deadman;
import dev.perfstream.streams.alerts.rule.NoData;
import dev.perfstream.streams.alerts.rule.Rule;
import dev.perfstream.streams.alerts.rule.RuleSet;
import dev.perfstream.streams.alerts.slo.Slo;
import dev.perfstream.streams.alerts.slo.SloBuckets;
import dev.perfstream.streams.alerts.state.AlertStatus;
import dev.perfstream.streams.alerts.state.Phase;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
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
 *
 * <p>One collaborator per source of alerts: {@link RuleAlerts} (threshold and baseline rules),
 * {@link SloAlerts} (burn rates), {@link NoDataAlerts} (deadman and no-data rules); all keep their
 * statuses in {@link AlertStatuses} and send through {@link AlertOutput}, which holds alerts behind
 * attribution.
 */
final class AlertProcessor extends ContextualProcessor<String, WindowStats, String, Alert> {
    private static final Logger LOG = LoggerFactory.getLogger(AlertProcessor.class);
    private final Supplier<RuleSet> rules;
    private final Clock clock;
    private final RuleUsage usage;
    private AlertStatuses statuses;
    private AlertOutput out;
    private RuleAlerts ruleAlerts;
    private SloAlerts sloAlerts;
    private NoDataAlerts noDataAlerts;
    private String seenVersion;
    /** How often (wall clock) the statuses are scanned for series that stopped sending. */
    static final long NO_DATA_SCAN_MS = 10_000;
    private long lastNoDataScan;

    private final String statusStore;
    private final String sloStore;

    private final String baselineStore;

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
        if (attributionConfig != null) {
            attribution = new Attributor(attributionConfig, context.getStateStore(AlertsTopology.ATTRIBUTION_STORE),
                context.getStateStore(AlertsTopology.ATTRIBUTION_HELD_STORE), attributionFeeds);
        }
        statuses = new AlertStatuses(context.getStateStore(statusStore));
        out = new AlertOutput(context, attribution, clock);
        ruleAlerts = new RuleAlerts(statuses, context.getStateStore(baselineStore), attribution, out, clock,
            context::currentSystemTimeMs);
        sloAlerts = new SloAlerts(statuses, new SloBuckets(context.getStateStore(sloStore)), out, clock);
        noDataAlerts = new NoDataAlerts(statuses, out, clock);
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
                Header source = r.headers().lastHeader(Feed.SOURCE_HEADER);
                attribution.observe(s, view, source == null ? null : new String(source.value(), StandardCharsets.UTF_8));
            }
            if (view) { // a statement or cache view: history only, its rules run in their own sub-topology
                out.releaseReady(s.getService());
                return;
            }
        }
        for (Rule rule : rs.rules()) {
            if (rule.appliesTo(s)) {
                usage.matched(rs.version(), rule.id());
                ruleAlerts.evaluate(rule, s, r.timestamp());
            }
        }
        for (Deadman d : rs.deadmen()) {
            if (d.appliesTo(s)) {
                usage.matched(rs.version(), d.id());
                noDataAlerts.seen(d, s, r.timestamp());
            }
        }
        long size = s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli();
        for (Slo slo : rs.slos()) {
            if (s.getKind() == SeriesKind.METRIC && slo.metric().equals(s.getName()) && slo.window().toMillis() == size
                && slo.matchesService(s.getService())) {
                usage.matched(rs.version(), slo.id());
                sloAlerts.evaluate(slo, s, r.timestamp());
            }
        }
        if (attribution != null) {
            out.releaseReady(s.getService());
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

    private void housekeeping(long now) {
        RuleSet rs = rules.get();
        if (!rs.version().equals(seenVersion)) {
            onReload(rs);
        }
        if (attribution != null) {
            for (Attributor.Released h : attribution.overdue(now)) {
                out.release(h);
            }
            if (now - lastSweep >= ATTRIBUTION_SWEEP_MS) {
                lastSweep = now;
                attribution.sweep();
            }
        }
        if (now - lastNoDataScan >= NO_DATA_SCAN_MS && (!rs.deadmen().isEmpty()
            || rs.rules().stream().anyMatch(r -> r.noData() != NoData.KEEP))) {
            lastNoDataScan = now;
            noDataAlerts.scan(rs, now);
        }
        usage.check(rs.version(), ids(rs), clock.millis());
    }

    private static List<String> ids(RuleSet rs) {
        List<String> ids = new ArrayList<>();
        rs.rules().forEach(r -> ids.add(r.id()));
        rs.slos().forEach(s -> ids.add(s.id()));
        return ids;
    }

    /** A new rule set: close the alerts of rules that no longer exist. Unchanged rules keep their state. */
    private void onReload(RuleSet rs) {
        LOG.info("alerts: rules version {} -> {}", seenVersion, rs.version());
        seenVersion = rs.version();
        usage.check(rs.version(), ids(rs), clock.millis());
        List<KeyValue<String, AlertStatus>> gone = new ArrayList<>();
        try (KeyValueIterator<String, AlertStatus> it = statuses.store.all()) {
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
            statuses.store.delete(kv.key);
            if (kv.value.phase() == Phase.FIRING) {
                out.forward(kv.key, Notifications.ruleRemoved(kv.value, clock.millis()), kv.value.lastWindowEnd());
            }
        }
    }
}
