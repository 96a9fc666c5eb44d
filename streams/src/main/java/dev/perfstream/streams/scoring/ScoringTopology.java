package dev.perfstream.streams.scoring;

import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.streams.outage.ParkedRecords;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import dev.perfstream.streams.scoring.anomaly.AnomalyAlerts;
import dev.perfstream.streams.scoring.anomaly.AnomalyProcessor;
import dev.perfstream.streams.scoring.forecast.ForecastProcessor;
import dev.perfstream.streams.scoring.forecast.CapacityProcessor;
import dev.perfstream.streams.scoring.multivariate.MultivariateProcessor;
import dev.perfstream.streams.scoring.multivariate.MultivariateRouter;

/**
 * perf.stats -> anomaly scores -> perf.anomalies. {@link DecodeProcessor} decodes each closed window (undecodable
 * or invalid windows go to the dead-letter topic with the reason) and forwards it, keyed by series id, to the
 * forecasts and then to {@link AnomalyProcessor}, which scores its configured statistics with one
 * {@code SeriesDetector} per (series, window size, statistic) whose state lives in the {@value #DETECTOR_STORE}
 * store, and writes one {@code Anomaly} per scored statistic, keyed by the series id.
 *
 * <p>perf.stats is keyed by series id, so all windows of a series reach the same task in order; no
 * repartition is needed. Alerts: a score at or above {@code scoring.alert.threshold} on a window of
 * {@code scoring.alert.window} size opens an ANOMALY alert on perf.alerts (keyed by fingerprint), resolved
 * after calm windows ({@link AnomalyAlerts}); the alerts stage does not read perf.anomalies, so the flow
 * stays one-directional: stats -> scoring -> anomalies + alerts.
 *
 * <p>Forecasts: the decode node forwards each valid window to {@link ForecastProcessor}, which writes
 * {@code Forecast} records to perf.forecasts and FORECAST (capacity / SLO) alerts to perf.alerts.
 *
 * <p>Multivariate detector per service ({@code scoring.multivariate.enabled}): perf.stats is keyed and
 * partitioned by series id, so the series of one service are spread over partitions and tasks, while the
 * joint vector needs all of them in one place. {@link MultivariateRouter} keeps the windows that feed the
 * vector and re-keys them by service into the internal topic
 * {@code <application.id>-}{@value #MULTIVARIATE_REPARTITION}{@code -repartition}; {@link MultivariateProcessor}
 * reads it, assembles and scores each (service, window) vector and writes {@code Anomaly} records (series
 * {@code MULTIVARIATE|<service>}, statistic {@code multivariate}) and ANOMALY alerts. The rest of the
 * topology is the Processor API; the DSL is used for this branch only because Kafka Streams creates and
 * manages repartition topics for the DSL alone.
 */
public final class ScoringTopology {
    public static final String SOURCE = "scoring-stats-source";
    /** Decodes, validates and dead-letters the stats ({@link DecodeProcessor}); parent of the anomaly and forecast processors. */
    public static final String PROCESSOR = "scoring-processor";
    /** Scores each window per series and statistic ({@link AnomalyProcessor}). */
    public static final String ANOMALY_PROCESSOR = "scoring-anomaly-processor";
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

    /** Forecaster of each service's total throughput, fed by the multivariate branch (capacity alerts). */
    public static final String SERVICE_FORECAST_PROCESSOR = "scoring-service-forecast-processor";
    /** Forecaster state per (service total series, statistic). */
    public static final String SERVICE_FORECAST_STORE = "scoring-service-forecasters";
    /** Open capacity alert episodes of service totals. */
    public static final String SERVICE_FORECAST_ALERT_STORE = "scoring-service-forecast-alerts";

    /** Scaling advice per service from the service forecaster's rate forecasts ({@link CapacityProcessor}). */
    public static final String CAPACITY_PROCESSOR = "scoring-capacity-processor";
    /** Per service: capacity samples, the fitted capacity and the advisor's state. */
    public static final String CAPACITY_STORE = "scoring-capacity";
    public static final String RECOMMENDATIONS_SINK = "scoring-recommendations-sink";

    public static final String MULTIVARIATE_ROUTER = "scoring-multivariate-router";
    /** Internal topic name stem: {@code <application.id>-scoring-multivariate-by-service-repartition}. */
    public static final String MULTIVARIATE_REPARTITION = "scoring-multivariate-by-service";
    public static final String MULTIVARIATE_PROCESSOR = "scoring-multivariate-processor";
    /** Vectors being assembled, known series, detector state, per service. */
    public static final String MULTIVARIATE_STORE = "scoring-multivariate";
    /** Open multivariate ANOMALY alert episodes per fingerprint. */
    public static final String MULTIVARIATE_ALERT_STORE = "scoring-multivariate-alerts";
    /** Windows waiting for an unreachable schema registry (see ParkedRecords). */
    public static final String PARKED_STORE = "scoring-parked";
    /** The same for the multivariate router, which reads the stats on its own. */
    public static final String MULTIVARIATE_PARKED_STORE = "scoring-multivariate-parked";

    private ScoringTopology() {
    }

    /** A persistent, changelogged store of byte values by string key: every store of this topology but the parked ones. */
    private static StoreBuilder<KeyValueStore<String, byte[]>> stringKeyed(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray());
    }

    /**
     * Whether service totals are forecast (for capacity alerts): forecasts on, and the multivariate branch on
     * with the forecast window size, since it is the part of the topology that sees every route of a service.
     */
    public static boolean forecastsServices(ScoringConfig c) {
        return c.forecast().enabled() && c.multivariate().enabled()
            && c.multivariate().window().equals(c.forecast().window());
    }

    /**
     * Whether the scaling advice is in the topology: {@code capacity.advice.enabled} and the service totals
     * forecast ({@link #forecastsServices}), whose rate forecasts it uses.
     */
    public static boolean advisesCapacity(ScoringConfig c) {
        return c.capacity().enabled() && forecastsServices(c);
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
        StreamsBuilder b = new StreamsBuilder();
        KStream<byte[], byte[]> stats = b.stream(c.statsTopic(),
            Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SOURCE));
        if (c.multivariate().enabled()) {
            b.addStateStore(stringKeyed(MULTIVARIATE_STORE));
            b.addStateStore(stringKeyed(MULTIVARIATE_ALERT_STORE));
            b.addStateStore(ParkedRecords.storeBuilder(MULTIVARIATE_PARKED_STORE));
            stats.process(() -> new MultivariateRouter(c, settings, outage, parkedGauge), Named.as(MULTIVARIATE_ROUTER),
                    MULTIVARIATE_PARKED_STORE)
                // Re-key by service: one task must see every series of a service (see the class comment).
                .repartition(Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName(MULTIVARIATE_REPARTITION))
                .process(() -> new MultivariateProcessor(c, settings, models, clock), Named.as(MULTIVARIATE_PROCESSOR),
                    MULTIVARIATE_STORE, MULTIVARIATE_ALERT_STORE);
        }
        // The Processor API part hangs off the DSL source by name.
        Topology t = b.build();
        t.addProcessor(PROCESSOR, () -> new DecodeProcessor(c, settings, clock, outage, parkedGauge), SOURCE);
        t.addStateStore(ParkedRecords.storeBuilder(PARKED_STORE), PROCESSOR);
        // the forecast processor first: each window is forecast, then scored, as when one processor did both
        t.addProcessor(FORECAST_PROCESSOR,
            () -> new ForecastProcessor(c, settings, models, clock, ForecastProcessor.Scope.ROUTES), PROCESSOR);
        t.addProcessor(ANOMALY_PROCESSOR, () -> new AnomalyProcessor(c, settings, models, clock), PROCESSOR);
        t.addStateStore(stringKeyed(DETECTOR_STORE), ANOMALY_PROCESSOR);
        t.addStateStore(stringKeyed(ALERT_STORE), ANOMALY_PROCESSOR);
        t.addStateStore(stringKeyed(FORECAST_STORE), FORECAST_PROCESSOR);
        t.addStateStore(stringKeyed(FORECAST_ALERT_STORE), FORECAST_PROCESSOR);
        boolean services = forecastsServices(c);
        if (services) {
            t.addProcessor(SERVICE_FORECAST_PROCESSOR,
                () -> new ForecastProcessor(c, settings, models, clock, ForecastProcessor.Scope.SERVICES), MULTIVARIATE_PROCESSOR);
            t.addStateStore(stringKeyed(SERVICE_FORECAST_STORE), SERVICE_FORECAST_PROCESSOR);
            t.addStateStore(stringKeyed(SERVICE_FORECAST_ALERT_STORE), SERVICE_FORECAST_PROCESSOR);
        }
        if (advisesCapacity(c)) {
            t.addProcessor(CAPACITY_PROCESSOR, () -> new CapacityProcessor(c, settings), SERVICE_FORECAST_PROCESSOR);
            t.addStateStore(stringKeyed(CAPACITY_STORE), CAPACITY_PROCESSOR);
            t.addSink(RECOMMENDATIONS_SINK, c.capacity().topic(), new StringSerializer(), new ByteArraySerializer(),
                CAPACITY_PROCESSOR);
        }
        t.addSink(FORECASTS_SINK, c.forecast().topic(), new StringSerializer(), new ByteArraySerializer(),
            services ? new String[] {FORECAST_PROCESSOR, SERVICE_FORECAST_PROCESSOR} : new String[] {FORECAST_PROCESSOR});
        String[] anomalyParents = c.multivariate().enabled()
            ? new String[] {ANOMALY_PROCESSOR, MULTIVARIATE_PROCESSOR} : new String[] {ANOMALY_PROCESSOR};
        List<String> alertParents = new ArrayList<>(List.of(ANOMALY_PROCESSOR, FORECAST_PROCESSOR));
        if (c.multivariate().enabled()) {
            alertParents.add(MULTIVARIATE_PROCESSOR);
        }
        if (services) {
            alertParents.add(SERVICE_FORECAST_PROCESSOR);
        }
        t.addSink(ALERTS_SINK, c.alertsTopic(), new StringSerializer(), new ByteArraySerializer(),
            alertParents.toArray(String[]::new));
        t.addSink(ANOMALIES_SINK, c.anomaliesTopic(), new StringSerializer(), new ByteArraySerializer(), anomalyParents);
        t.addSink(DEADLETTER_SINK, c.deadletterTopic(), new ByteArraySerializer(), new ByteArraySerializer(), PROCESSOR);
        return t;
    }
}
