package dev.perfstream.streams.scoring.multivariate;

import dev.perfstream.models.anomaly.MultivariateDetector;
import dev.perfstream.models.anomaly.ServiceVitals;
import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.series.SeriesKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.scoring.ScoringTopology;
import dev.perfstream.streams.scoring.anomaly.AnomalyAlerts;

/**
 * The multivariate detector per service, after the repartition by service (see {@link ScoringTopology}).
 * Each arriving window is added to its (service, window) vector in the {@value ScoringTopology#MULTIVARIATE_STORE}
 * store. A vector is closed as soon as every series expected for the service has arrived (the series of its
 * closed vectors among the last {@code scoring.multivariate.expect.windows} windows; a new service always
 * waits), else once both stream time has passed the window end and wall-clock time the window's first
 * arrival by {@code scoring.multivariate.deadline} (see {@link #closeDue()}). A series missing at the
 * deadline counts as a window without events (what the stats stage's silence means), so the vector is scored
 * as long as every dimension of the service's detector has a value. A vector lacking a dimension (no request
 * windows, or no CPU / memory windows for a service whose detector has them) is <em>incomplete</em>: not
 * scored, not learned, logged at WARN and counted ({@code incomplete-vector-total} in the
 * {@code perfstream-multivariate} metrics). A window arriving after its vector closed is counted
 * ({@code late-series-total}) and logged, not re-scored.
 */
public final class MultivariateProcessor implements Processor<String, byte[], Object, Object> {
    static final String STATISTIC = "multivariate";
    private static final Logger LOG = LoggerFactory.getLogger(MultivariateProcessor.class);

    private final ScoringConfig cfg;
    private final MultivariateScoringConfig mv;
    private final Clock clock;
    private final RecordCodec<WindowStats> statsCodec;
    private final RecordCodec<Anomaly> anomalyCodec;
    private final RecordCodec<Alert> alertCodec;
    private final MultivariateDetectors detectors;
    /** Whether service totals go to the service forecaster (see {@link ScoringTopology#forecastsServices}). */
    private final boolean forecastServices;
    private ProcessorContext<Object, Object> context;
    private MultivariateStore store;
    private AnomalyAlerts alerts;
    private Sensor incomplete;
    private Sensor late;

    public MultivariateProcessor(ScoringConfig cfg, Settings settings, ModelStore modelStore, Clock clock) {
        this.cfg = cfg;
        this.forecastServices = ScoringTopology.forecastsServices(cfg);
        this.mv = cfg.multivariate();
        this.clock = clock;
        this.statsCodec = Codecs.create(WindowStats.getClassSchema(), settings);
        this.anomalyCodec = Codecs.create(Anomaly.getClassSchema(), settings);
        this.alertCodec = Codecs.create(Alert.getClassSchema(), settings);
        this.detectors = new MultivariateDetectors(cfg, modelStore);
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.store = new MultivariateStore(context.getStateStore(ScoringTopology.MULTIVARIATE_STORE));
        detectors.attach(store);
        this.alerts = new AnomalyAlerts(cfg, context.getStateStore(ScoringTopology.MULTIVARIATE_ALERT_STORE));
        String task = context.taskId().toString();
        this.incomplete = context.metrics().addRateTotalSensor("perfstream-multivariate", task, "incomplete-vector",
            Sensor.RecordingLevel.INFO);
        this.late = context.metrics().addRateTotalSensor("perfstream-multivariate", task, "late-series",
            Sensor.RecordingLevel.INFO);
        Duration sixth = mv.deadline().dividedBy(6);
        Duration tick = sixth.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : sixth;
        context.schedule(tick, PunctuationType.STREAM_TIME, t -> closeDue());
        context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, t -> closeDue());
        context.schedule(cfg.reloadInterval(), PunctuationType.WALL_CLOCK_TIME, now -> detectors.reload());
    }

    @Override
    public void process(Record<String, byte[]> r) {
        WindowStats w;
        try {
            w = statsCodec.decode(cfg.statsTopic(), r.value());
        } catch (DecodeException e) {
            LOG.warn("undecodable window on the multivariate repartition topic (already dead-lettered): {}", e.getMessage());
            return;
        }
        String service = r.key();
        long start = w.getWindowStart().toEpochMilli();
        String series = SeriesKey.of(w).id();
        MultivariatePending.Window p = store.pending(service, start);
        if (p == null && start <= store.closedUpTo(service)) {
            late.record();
            LOG.warn("{} window {} arrived after the joint vector of {} closed; not in its multivariate score "
                + "(raise scoring.multivariate.deadline if this is frequent)", series, w.getWindowStart(), service);
            return;
        }
        if (p == null) {
            p = new MultivariatePending.Window(service, start, w.getWindowEnd().toEpochMilli(),
                context.currentSystemTimeMs(), new ServiceVitals(), new java.util.LinkedHashSet<>());
        }
        if (!p.series.add(series)) {
            LOG.warn("duplicate {} window {} for the joint vector of {}; ignored", series, w.getWindowStart(), service);
            return;
        }
        p.vitals.add(mv.metrics(), w);
        MultivariatePending.Known known = store.known(service);
        if (complete(p, known)) {
            store.deletePending(p);
            close(p, known);
        } else {
            store.putPending(p);
        }
    }

    /** Every expected series arrived; a new service (nothing expected yet) always waits for the deadline. */
    private boolean complete(MultivariatePending.Window p, MultivariatePending.Known known) {
        Set<String> expected = known.expected(p.start, horizon());
        return !expected.isEmpty() && p.series.containsAll(expected);
    }

    /**
     * Closes, in window order, the vectors that became complete (the expected series are learned from closed
     * vectors) or whose deadline passed in both stream time and wall-clock time since the window's first
     * series arrived. Both, because when the stage catches up on a backlog the partitions of perf.stats are
     * read at different speeds: stream time (driven by the fastest) may be hours ahead of a slower partition
     * that still holds this window's other series, while wall-clock time is not.
     */
    private void closeDue() {
        long streamTime = context.currentStreamTimeMs();
        long now = context.currentSystemTimeMs();
        long deadline = mv.deadline().toMillis();
        for (MultivariatePending.Window p : store.allPending()) {
            MultivariatePending.Known known = store.known(p.service);
            boolean due = p.end + deadline <= streamTime && p.opened + deadline <= now;
            if (due || complete(p, known)) {
                store.deletePending(p);
                close(p, known);
            }
        }
    }

    private long horizon() {
        return mv.expectWindows() * mv.window().toMillis();
    }

    private void close(MultivariatePending.Window p, MultivariatePending.Known known) {
        forwardServiceTotal(p);
        int expected = known.expected(p.start, horizon()).size();
        if (p.start > store.closedUpTo(p.service)) {
            store.putClosedUpTo(p.service, p.start);
        }
        for (String series : p.series) {
            known.saw(series, p.start);
        }
        known.prune(p.start - 2 * horizon());
        store.putKnown(p.service, known);
        List<String> available = p.vitals.available();
        MultivariateDetector d = detectors.get(p.service);
        List<String> missing = new ArrayList<>(d == null ? List.of(ServiceVitals.LATENCY, ServiceVitals.ERROR_RATE,
            ServiceVitals.THROUGHPUT) : d.names());
        missing.removeAll(available);
        if (d == null && missing.isEmpty()) {
            d = detectors.probation(p.service, available);
            if (d == null) {
                emit(p, null, null, new MultivariateDetector.Result(0, Double.NEGATIVE_INFINITY, new double[0],
                    "none", false), expected);
                return;
            }
        }
        if (!missing.isEmpty()) {
            incomplete.record();
            LOG.warn("joint vector of {} for window {} is incomplete: no {} ({} series arrived, {} expected); "
                + "not scored, not learned", p.service, Instant.ofEpochMilli(p.start), missing, p.series.size(), expected);
            return;
        }
        d = detectors.widenIfNeeded(p.service, d, available);
        double[] vector = p.vitals.vector(d.names());
        MultivariateDetector.Result res = detectors.observe(p.service, d, vector);
        emit(p, d, vector, res, expected);
    }

    /**
     * The service's request throughput over all its routes in this window, as a window of the series
     * {@code METRIC|<request metric>|<service>|*}, to the service forecaster (capacity is a property of the
     * service, not of one route). Only the count, errors and rate are meaningful; the distribution fields are
     * NaN. Not written to perf.stats: it lives only in the forecasts, their alerts and the scaling advice, which
     * also gets the service's p95 and CPU ({@link ServiceWindow}).
     */
    private void forwardServiceTotal(MultivariatePending.Window p) {
        // the vector's window is the forecast window: forecastsServices requires it
        if (!forecastServices || p.vitals.requests() == 0) {
            return;
        }
        long n = p.vitals.requests();
        double nan = Double.NaN;
        WindowStats total = new WindowStats(SeriesKind.METRIC, mv.metrics().request(), p.service, SeriesKey.ALL_ROUTES,
            null, Instant.ofEpochMilli(p.start), Instant.ofEpochMilli(p.end), n, p.vitals.errors(),
            (double) p.vitals.errors() / n, p.vitals.value(ServiceVitals.THROUGHPUT), nan, nan, nan, nan, nan, nan, nan,
            nan, nan, null, null, null, "ms", 0L, null, null, null, p.vitals.instances() > 0 ? p.vitals.instances() : null,
            p.vitals.instancesOverflowed() ? Boolean.TRUE : null);
        String series = SeriesKey.metric(mv.metrics().request(), p.service, SeriesKey.ALL_ROUTES).id();
        context.forward(new Record<>(series, new ServiceWindow(total, p.vitals.value(ServiceVitals.LATENCY),
            p.vitals.value(ServiceVitals.CPU), p.vitals.instances()), p.end), ScoringTopology.SERVICE_FORECAST_PROCESSOR);
    }

    private void emit(MultivariatePending.Window p, MultivariateDetector d, double[] vector,
                      MultivariateDetector.Result res, int expected) {
        String series = SeriesKey.multivariate(p.service).id();
        Instant start = Instant.ofEpochMilli(p.start);
        Instant end = Instant.ofEpochMilli(p.end);
        double distance = Double.isFinite(res.distance()) ? res.distance() : 0;
        Anomaly a = Anomaly.newBuilder().setSeries(series).setStatistic(STATISTIC).setWindowStart(start)
            .setWindowEnd(end).setObserved(distance).setExpected(0).setScore(res.score())
            .setModelVersion(res.modelVersion()).build();
        context.forward(new Record<>(series, anomalyCodec.encode(cfg.anomaliesTopic(), a), p.end),
            ScoringTopology.ANOMALIES_SINK);
        if (!mv.alerts()) {
            return; // scores only (scoring.multivariate.alerts=false)
        }
        AnomalyAlerts.Step step = alerts.step("anomaly|" + series + "|" + STATISTIC, series, start, end, res.score());
        if (step != null && d != null) {
            Alert alert = MultivariateAlerts.alert(cfg, p, d.names(), vector, res, step, expected, clock.instant());
            context.forward(new Record<>(alert.getFingerprint(), alertCodec.encode(cfg.alertsTopic(), alert), p.end),
                ScoringTopology.ALERTS_SINK);
        }
    }
}
