package dev.perfstream.streams.scoring.anomaly;

import dev.perfstream.models.anomaly.DetectorStateCodec;
import dev.perfstream.models.anomaly.LinearExpectation;
import dev.perfstream.models.anomaly.Score;
import dev.perfstream.models.anomaly.SeriesDetector;
import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.models.anomaly.WindowScoring;
import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.scoring.ScoringTopology;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores each closed window the stage's decode node forwards (keyed by series id, decoded and validated; see
 * {@link ScoringTopology}): one {@link SeriesDetector} per (series, window size, statistic) in the
 * {@value ScoringTopology#DETECTOR_STORE} store, one {@code Anomaly} per scored statistic, and ANOMALY alerts
 * through {@link AnomalyAlerts}. Detectors are cached decoded per task (bounded, least recently used) and written
 * through to the store after every window. A wall-clock punctuation looks in the {@link ModelStore} for newer model
 * versions of the cached detectors and swaps them in: a model retrained elsewhere (another instance, an offline
 * job) is used without a restart.
 */
public final class AnomalyProcessor implements Processor<String, WindowStats, Object, Object> {
    /** The model store kind of the per-series detectors' models. */
    public static final String MODEL_KIND = "anomaly";
    private static final Logger LOG = LoggerFactory.getLogger(AnomalyProcessor.class);

    private final ScoringConfig cfg;
    private final ModelStore models;
    private final Clock clock;
    private final RecordCodec<Anomaly> anomalyCodec;
    private final RecordCodec<Alert> alertCodec;
    private final Map<String, SeriesDetector> cache;
    private final SeriesDetector.ModelPublisher publisher;
    private AnomalyAlerts alerts;
    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, byte[]> store;
    private CounterDataPoint anomaliesOut;

    /** @param settings for the codecs: wire format and schema registry, as the other stages read them */
    public AnomalyProcessor(ScoringConfig cfg, Settings settings, ModelStore models, Clock clock) {
        this.cfg = cfg;
        this.models = models;
        this.clock = clock;
        this.anomalyCodec = Codecs.create(Anomaly.getClassSchema(), settings);
        this.alertCodec = Codecs.create(Alert.getClassSchema(), settings);
        this.cache = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, SeriesDetector> e) {
                return size() > cfg.cacheMax();
            }
        };
        this.publisher = this::publish;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.anomaliesOut = PerfstreamMetrics.RESULTS_OUT.labelValues("scoring", cfg.anomaliesTopic());
        this.store = context.getStateStore(ScoringTopology.DETECTOR_STORE);
        this.alerts = new AnomalyAlerts(cfg, context.getStateStore(ScoringTopology.ALERT_STORE));
        cache.clear();
        context.schedule(cfg.reloadInterval(), PunctuationType.WALL_CLOCK_TIME, now -> reloadModels());
    }

    @Override
    public void process(Record<String, WindowStats> r) {
        String series = r.key();
        WindowStats w = r.value();
        long sizeMs = w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli();
        List<Statistic> stats = w.getKind() == SeriesKind.RUM ? cfg.rumStatistics() : cfg.metricStatistics();
        for (Statistic st : stats) {
            String key = series + "|" + sizeMs + "ms|" + st.label();
            SeriesDetector d = detector(key);
            Score s = WindowScoring.score(d, st, w, publisher);
            store.put(key, DetectorStateCodec.encode(d));
            double observed = WindowScoring.observed(st, w);
            if (!Double.isFinite(observed) || !Double.isFinite(s.expected())) {
                continue; // a percentile of an empty window: nothing to score
            }
            Anomaly a = Anomaly.newBuilder().setSeries(series).setStatistic(st.label())
                .setWindowStart(w.getWindowStart()).setWindowEnd(w.getWindowEnd())
                .setObserved(observed).setExpected(s.expected()).setScore(s.score())
                .setModelVersion(s.modelVersion()).build();
            context.forward(new Record<>(series, anomalyCodec.encode(cfg.anomaliesTopic(), a), r.timestamp()),
                ScoringTopology.ANOMALIES_SINK);
            anomaliesOut.inc();
            Alert alert = alerts.onScore(series, st, w, observed, s.expected(), s.score(), clock.instant());
            if (alert != null) {
                PerfstreamMetrics.ALERT_TRANSITIONS.labelValues("scoring", alert.getRule(), alert.getState().name()).inc();
                context.forward(new Record<>(alert.getFingerprint(), alertCodec.encode(cfg.alertsTopic(), alert),
                    r.timestamp()), ScoringTopology.ALERTS_SINK);
            }
        }
    }
    private SeriesDetector detector(String key) {
        SeriesDetector d = cache.get(key);
        if (d != null) {
            return d;
        }
        byte[] bytes = store.get(key);
        if (bytes != null) {
            try {
                d = DetectorStateCodec.decode(bytes, cfg.detector());
            } catch (IllegalArgumentException e) {
                LOG.warn("detector state of {} unreadable ({}); starting it afresh", key, e.getMessage());
            }
        }
        if (d == null) {
            d = new SeriesDetector(key, cfg.detector());
            adoptStoredModel(d);
        }
        cache.put(key, d);
        return d;
    }

    private String publish(String key, org.tribuo.regression.sgd.linear.LinearSGDModel model) {
        try {
            return "lsgd-v" + models.save(MODEL_KIND, key, model);
        } catch (UncheckedIOException e) {
            LOG.warn("cannot store the retrained model of {}: {}; using it unstored", key, e.getMessage());
            return "lsgd-unstored";
        }
    }

    /** Swaps in a stored model newer than the detector's; true if it did. */
    @SuppressWarnings("unchecked")
    private boolean adoptStoredModel(SeriesDetector d) {
        try {
            OptionalInt latest = models.latestVersion(MODEL_KIND, d.key());
            if (latest.isEmpty() || latest.getAsInt() <= versionOf(d.modelVersion())) {
                return false;
            }
            var stored = models.load(MODEL_KIND, d.key(), latest.getAsInt()).orElseThrow();
            d.useModel(LinearExpectation.of((org.tribuo.Model<org.tribuo.regression.Regressor>) stored.model(),
                "lsgd-v" + stored.version()));
            return true;
        } catch (RuntimeException e) {
            LOG.warn("cannot load a stored model for {}: {}", d.key(), e.toString());
            return false;
        }
    }

    private void reloadModels() {
        int swapped = 0;
        for (SeriesDetector d : cache.values()) {
            if (adoptStoredModel(d)) {
                store.put(d.key(), DetectorStateCodec.encode(d));
                swapped++;
            }
        }
        if (swapped > 0) {
            LOG.info("picked up {} newer model version(s) from {}", swapped, models.root());
        }
    }

    static int versionOf(String label) {
        int i = label.lastIndexOf("-v");
        if (i < 0) {
            return 0;
        }
        try {
            return Integer.parseInt(label.substring(i + 2));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
