package dev.perfstream.streams.scoring;

import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.streams.retry.ParkedRecords;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * perf.stats -> anomaly scores -> perf.anomalies. One processor decodes each closed window, scores its
 * configured statistics with one {@code SeriesDetector} per (series, window size, statistic) whose state
 * lives in the {@value #DETECTOR_STORE} store, and writes one {@code Anomaly} per scored statistic,
 * keyed by the series id. Undecodable windows go to the dead-letter topic with the reason.
 *
 * <p>perf.stats is keyed by series id, so all windows of a series reach the same task in order; no
 * repartition is needed. Alerts: a score at or above {@code scoring.alert.threshold} on a window of
 * {@code scoring.alert.window} size opens an ANOMALY alert on perf.alerts (keyed by fingerprint), resolved
 * after calm windows ({@link AnomalyAlerts}); the alerts stage does not read perf.anomalies, so the flow
 * stays one-directional: stats -> scoring -> anomalies + alerts.
 *
 * <p>Forecasts: the scoring processor forwards each valid window to {@link ForecastProcessor}, which writes
 * {@code Forecast} records to perf.forecasts and FORECAST (capacity / SLO) alerts to perf.alerts.
 */
public final class ScoringTopology {
    public static final String SOURCE = "scoring-stats-source";
    public static final String PROCESSOR = "scoring-processor";
    public static final String ANOMALIES_SINK = "scoring-anomalies-sink";
    public static final String DEADLETTER_SINK = "scoring-deadletter-sink";
    public static final String ALERTS_SINK = "scoring-alerts-sink";
    /** Open ANOMALY alert episodes per fingerprint. */
    public static final String ALERT_STORE = "scoring-anomaly-alerts";
    /** Detector state per (series, window size, statistic); its changelog makes the stage restartable. */
    public static final String DETECTOR_STORE = "scoring-detectors";
    public static final String FORECAST_PROCESSOR = "scoring-forecast-processor";
    public static final String FORECASTS_SINK = "scoring-forecasts-sink";
    /** Forecaster state (history, learned weights, recent errors) per (series, statistic). */
    public static final String FORECAST_STORE = "scoring-forecasters";
    /** Open FORECAST (capacity / SLO) alert episodes per fingerprint. */
    public static final String FORECAST_ALERT_STORE = "scoring-forecast-alerts";
    /** Windows waiting for an unreachable schema registry (see ParkedRecords). */
    public static final String PARKED_STORE = "scoring-parked";

    private ScoringTopology() {
    }

    /** With JSON in and out (no registry): for tests. */
    public static Topology build(ScoringConfig c, ModelStore models, Clock clock) {
        return build(c, Settings.of(Map.of()), models, clock, new AtomicLong());
    }

    /**
     * @param userSettings for the codecs (wire format, schema registry)
     * @param parkedGauge  counts records parked while the registry is unreachable
     */
    public static Topology build(ScoringConfig c, Settings userSettings, ModelStore models, Clock clock, AtomicLong parkedGauge) {
        Settings settings = ParkedRecords.forStreamThread(userSettings);
        ParkedRecords.Config outage = ParkedRecords.Config.from(settings);
        Topology t = new Topology();
        t.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), c.statsTopic());
        t.addProcessor(PROCESSOR, () -> new ScoringProcessor(c, settings, models, clock, outage, parkedGauge), SOURCE);
        t.addStateStore(ParkedRecords.storeBuilder(PARKED_STORE), PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DETECTOR_STORE),
            Serdes.String(), Serdes.ByteArray()), PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERT_STORE),
            Serdes.String(), Serdes.ByteArray()), PROCESSOR);
        t.addProcessor(FORECAST_PROCESSOR, () -> new ForecastProcessor(c, settings, models, clock), PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FORECAST_STORE),
            Serdes.String(), Serdes.ByteArray()), FORECAST_PROCESSOR);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FORECAST_ALERT_STORE),
            Serdes.String(), Serdes.ByteArray()), FORECAST_PROCESSOR);
        t.addSink(FORECASTS_SINK, c.forecast().topic(), new StringSerializer(), new ByteArraySerializer(),
            FORECAST_PROCESSOR);
        t.addSink(ALERTS_SINK, c.alertsTopic(), new StringSerializer(), new ByteArraySerializer(), PROCESSOR,
            FORECAST_PROCESSOR);
        t.addSink(ANOMALIES_SINK, c.anomaliesTopic(), new StringSerializer(), new ByteArraySerializer(), PROCESSOR);
        t.addSink(DEADLETTER_SINK, c.deadletterTopic(), new ByteArraySerializer(), new ByteArraySerializer(), PROCESSOR);
        return t;
    }
}
