package dev.perfstream.streams.scoring.forecast;

import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.models.anomaly.WindowScoring;
import dev.perfstream.models.forecast.SeriesForecaster;
import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.scoring.ScoringTopology;
import dev.perfstream.streams.scoring.multivariate.ServiceWindow;

/**
 * Forecasts each closed window of {@code forecast.window} size of METRIC series (decoded and validated by
 * the stage's decode node {@value ScoringTopology#PROCESSOR}, which forwards them here): one {@link SeriesForecaster} per (series, statistic)
 * in the {@value ScoringTopology#FORECAST_STORE} store, one {@code Forecast} per horizon to perf.forecasts
 * keyed by the series id, and capacity / SLO alerts through {@link ForecastAlerts}. Each retrained model
 * is saved in the {@link ModelStore} (kind {@value #MODEL_KIND}, one series per horizon) and its version is
 * carried in the forecasts.
 */
public final class ForecastProcessor implements Processor<String, Object, Object, Object> {
    static final String MODEL_KIND = "forecast";

    /**
     * What one instance forecasts: the route series of perf.stats (every configured statistic), or the
     * service totals the multivariate branch assembles (throughput only, for capacity alerts).
     */
    public enum Scope {
        ROUTES(ScoringTopology.FORECAST_STORE, ScoringTopology.FORECAST_ALERT_STORE),
        SERVICES(ScoringTopology.SERVICE_FORECAST_STORE, ScoringTopology.SERVICE_FORECAST_ALERT_STORE);

        final String store;
        final String alertStore;

        Scope(String store, String alertStore) {
            this.store = store;
            this.alertStore = alertStore;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ForecastProcessor.class);

    private final ForecastConfig cfg;
    private final ModelStore models;
    private final Clock clock;
    private final RecordCodec<Forecast> forecastCodec;
    private final RecordCodec<Alert> alertCodec;
    private final String alertsTopic;
    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, byte[]> store;
    private ForecastAlerts alerts;
    private final Scope scope;
    private final CapacityConfig capacity;
    /** Whether the service totals' rate forecasts go on to the scaling advice ({@link CapacityProcessor}). */
    private final boolean advises;
    private final List<Statistic> statistics;

    public ForecastProcessor(ScoringConfig c, Settings settings, ModelStore models, Clock clock, Scope scope) {
        this.cfg = c.forecast();
        this.capacity = c.capacity();
        this.advises = scope == Scope.SERVICES && ScoringTopology.advisesCapacity(c);
        this.scope = scope;
        this.statistics = scope == Scope.ROUTES ? cfg.statistics()
            : cfg.statistics().stream().filter(st -> st == Statistic.RATE).toList();
        this.models = models;
        this.clock = clock;
        this.alertsTopic = c.alertsTopic();
        this.forecastCodec = Codecs.create(Forecast.getClassSchema(), settings);
        this.alertCodec = Codecs.create(Alert.getClassSchema(), settings);
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.store = context.getStateStore(scope.store);
        this.alerts = new ForecastAlerts(cfg, context.getStateStore(scope.alertStore));
    }

    @Override
    public void process(Record<String, Object> r) {
        ServiceWindow service = r.value() instanceof ServiceWindow sw ? sw : null;
        WindowStats w = service != null ? service.total() : (WindowStats) r.value();
        long size = w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli();
        if (!cfg.enabled() || w.getKind() != SeriesKind.METRIC || size != cfg.window().toMillis()) {
            return;
        }
        String series = r.key();
        Instant now = clock.instant();
        for (Statistic st : statistics) {
            String key = series + "|" + st.label();
            SeriesForecaster f = forecaster(key);
            List<SeriesForecaster.Point> points = f.observe(w.getWindowStart().toEpochMilli(),
                WindowScoring.observed(st, w), (h, m) -> publish(key + "|h" + h, m));
            store.put(key, f.encode());
            for (SeriesForecaster.Point p : points) {
                long horizonMs = p.horizonSteps() * size;
                Forecast fc = Forecast.newBuilder().setSeries(series).setStatistic(st.label())
                    .setMadeAt(w.getWindowEnd()).setHorizonMs(horizonMs)
                    // the start of the forecast window, where the sink also plots the actual window's stats
                    .setTargetTime(w.getWindowStart().plusMillis(horizonMs))
                    .setPredicted(p.predicted()).setLower(p.lower()).setUpper(p.upper()).setIntervalLevel(0.9)
                    .setModelVersion(p.modelVersion()).build();
                context.forward(new Record<>(series, forecastCodec.encode(cfg.topic(), fc), r.timestamp()),
                    ScoringTopology.FORECASTS_SINK);
            }
            if (service != null && advises && st == Statistic.RATE) {
                context.forward(new Record<>(w.getService(), new CapacityProcessor.Input(service, rateForecasts(f, points, size)),
                    r.timestamp()), ScoringTopology.CAPACITY_PROCESSOR);
            }
            Alert a = alerts.onForecast(series, st, w, f, points, now);
            if (a != null) {
                context.forward(new Record<>(a.getFingerprint(), alertCodec.encode(alertsTopic, a), r.timestamp()),
                    ScoringTopology.ALERTS_SINK);
            }
        }
    }

    /** The rate forecasts of this window with their intervals, and the recent trend when it is steep ({@code capacity.ramp.min.t}). */
    private List<dev.perfstream.models.capacity.RateForecast> rateForecasts(SeriesForecaster f, List<SeriesForecaster.Point> points,
                                                                           long size) {
        List<dev.perfstream.models.capacity.RateForecast> out =
            new java.util.ArrayList<>(dev.perfstream.models.capacity.RateForecast.of(points, size));
        CapacityConfig cap = capacity;
        if (cap.rampMinT() > 0) {
            var ramp = dev.perfstream.models.capacity.RateForecast.ramp(f.trend(), size, cap.startup().toMillis() + size,
                cap.rampMinT());
            if (ramp != null) {
                out.add(ramp);
            }
        }
        return out;
    }

    private SeriesForecaster fresh() {
        return new SeriesForecaster(cfg.window().toMillis(), cfg.horizonSteps(), cfg.tiers(),
            cfg.retrainEvery(), cfg.trainRows());
    }

    private SeriesForecaster forecaster(String key) {
        byte[] bytes = store.get(key);
        if (bytes != null) {
            try {
                return SeriesForecaster.decode(bytes, fresh());
            } catch (IllegalArgumentException e) {
                LOG.warn("forecaster state of {} unusable ({}); starting it afresh", key, e.getMessage());
            }
        }
        return fresh();
    }

    private String publish(String key, org.tribuo.regression.sgd.linear.LinearSGDModel model) {
        try {
            return "lsgd-v" + models.save(MODEL_KIND, key, model);
        } catch (UncheckedIOException e) {
            LOG.warn("cannot store the retrained forecast model of {}: {}; using it unstored", key, e.getMessage());
            return "lsgd-unstored";
        }
    }
}
