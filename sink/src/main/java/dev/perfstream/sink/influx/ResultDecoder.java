package dev.perfstream.sink.influx;

import com.influxdb.client.write.Point;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.RumElementStats;
import dev.perfstream.schemas.avro.UxImpact;
import dev.perfstream.schemas.avro.Recommendation;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import java.util.HashMap;
import java.util.Map;

/**
 * Decodes a record of one of the result topics (format detected per record by {@link Codecs}) into
 * its point. Public for the benchmarks in {@code bench/}; the sink's per-record hot path.
 */
public final class ResultDecoder {
    /** One topic's decoding and mapping: the record's point, as line protocol (several lines for some alerts). */
    @FunctionalInterface
    interface ToLine {
        String apply(String topic, byte[] value) throws DecodeException, MappingException;
    }

    private final Map<String, ToLine> byTopic = new HashMap<>();

    public ResultDecoder(SinkConfig c, Settings settings) {
        RecordCodec<WindowStats> stats = Codecs.create(WindowStats.getClassSchema(), settings);
        RecordCodec<Anomaly> anomalies = Codecs.create(Anomaly.getClassSchema(), settings);
        RecordCodec<Forecast> forecasts = Codecs.create(Forecast.getClassSchema(), settings);
        RecordCodec<Alert> alerts = Codecs.create(Alert.getClassSchema(), settings);
        byTopic.put(c.statsTopic(), (t, v) -> StatsPoints.stats(stats.decode(t, v)).toLineProtocol());
        byTopic.put(c.anomaliesTopic(), (t, v) -> ResultPoints.anomaly(anomalies.decode(t, v)).toLineProtocol());
        byTopic.put(c.forecastsTopic(), (t, v) -> ResultPoints.forecast(forecasts.decode(t, v)).toLineProtocol());
        byTopic.put(c.alertsTopic(), (t, v) -> {
            Alert a = alerts.decode(t, v);
            // A route latency alert's attribution: its points after the alert's, in the same record's entry.
            StringBuilder lines = new StringBuilder(ResultPoints.alert(a).toLineProtocol());
            for (Point p : ResultPoints.attribution(a)) {
                lines.append('\n').append(p.toLineProtocol());
            }
            return lines.toString();
        });
        RecordCodec<QueryStats> queries = Codecs.create(QueryStats.getClassSchema(), settings);
        RecordCodec<CacheStats> caches = Codecs.create(CacheStats.getClassSchema(), settings);
        byTopic.put(c.queriesTopic(), (t, v) -> StatsPoints.queries(queries.decode(t, v)).toLineProtocol());
        byTopic.put(c.cacheTopic(), (t, v) -> StatsPoints.cache(caches.decode(t, v)).toLineProtocol());
        RecordCodec<UxImpact> impact = Codecs.create(UxImpact.getClassSchema(), settings);
        byTopic.put(c.impactTopic(), (t, v) -> StatsPoints.impact(impact.decode(t, v)).toLineProtocol());
        RecordCodec<Recommendation> recommendations = Codecs.create(Recommendation.getClassSchema(), settings);
        byTopic.put(c.recommendationsTopic(), (t, v) -> StatsPoints.recommendation(recommendations.decode(t, v))
            .toLineProtocol());
        RecordCodec<RumElementStats> rumElements = Codecs.create(RumElementStats.getClassSchema(), settings);
        byTopic.put(c.rumElementsTopic(), (t, v) -> StatsPoints.rumElement(rumElements.decode(t, v)).toLineProtocol());
    }

    /**
     * @return the point as line protocol (millisecond precision); a FIRING route latency alert with an attribution
     *         also has its attribution points, one per line after the alert's
     * @throws DecodeException  the bytes are not a record of the topic's type
     * @throws MappingException the record cannot become a point
     */
    public String toLine(String topic, byte[] value) throws DecodeException, MappingException {
        ToLine f = byTopic.get(topic);
        if (f == null) {
            throw new MappingException("the sink has no mapping for topic " + topic);
        }
        if (value == null) {
            throw new MappingException("record has no value (tombstone); results are never deleted this way");
        }
        return f.apply(topic, value);
    }
}
