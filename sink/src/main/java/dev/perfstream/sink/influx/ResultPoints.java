package dev.perfstream.sink.influx;

import static dev.perfstream.sink.influx.PointValues.NONE;
import static dev.perfstream.sink.influx.PointValues.duration;
import static dev.perfstream.sink.influx.PointValues.labels;
import static dev.perfstream.sink.influx.PointValues.millis;
import static dev.perfstream.sink.influx.PointValues.number;
import static dev.perfstream.sink.influx.PointValues.requireNumbers;
import static dev.perfstream.sink.influx.PointValues.tagValue;
import static dev.perfstream.sink.influx.PointValues.windowTag;

import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.Point;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.Attribution;
import dev.perfstream.schemas.avro.AttributionCause;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.series.SeriesTags;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Maps each result to InfluxDB points. The tag set of a point is the full identity of the result (series, window size
 * or horizon, alert fingerprint and state) and the timestamp is its natural time, so writing the same result twice
 * overwrites the point: a replay never double counts. Millisecond precision throughout. Here: the scoring stage's
 * {@value #ANOMALIES} and {@value #FORECASTS}, the {@value #ALERTS} and their {@value #ATTRIBUTION}, all tagged with
 * their series' dimensions; the windows and per-service results are {@link StatsPoints}. Non-finite numbers (NaN,
 * infinities) are left out of a point ({@link PointValues}).
 */
final class ResultPoints {
    static final String ANOMALIES = "anomalies";
    static final String FORECASTS = "forecasts";
    static final String ALERTS = "alerts";
    /** Bottleneck attribution of route latency alerts: one point per cause, and one for the unexplained share. */
    static final String ATTRIBUTION = "attribution";

    /** Tags the sink sets itself; a series dimension of the same name is not copied over them. */
    private static final Set<String> RESERVED = Set.of("series_key", "statistic", "window", "horizon", "fingerprint",
        "rule", "source", "severity", "state", "unit", "kind", "candidate");

    private ResultPoints() {
    }

    static Point anomaly(Anomaly a) throws MappingException {
        Point p = Point.measurement(ANOMALIES);
        seriesTags(p, a.getSeries());
        p.addTag("statistic", tagValue(a.getStatistic()));
        p.addTag("window", windowTag(a.getWindowStart(), a.getWindowEnd()));
        number(p, "observed", a.getObserved());
        number(p, "expected", a.getExpected());
        number(p, "score", a.getScore());
        requireNumbers(p, "observed, expected and score");
        p.addField("model_version", a.getModelVersion());
        return p.time(millis(a.getWindowStart(), "windowStart"), WritePrecision.MS);
    }

    static Point forecast(Forecast f) throws MappingException {
        if (f.getHorizonMs() <= 0) {
            throw new MappingException("horizonMs is " + f.getHorizonMs() + ", must be positive");
        }
        Point p = Point.measurement(FORECASTS);
        seriesTags(p, f.getSeries());
        p.addTag("statistic", tagValue(f.getStatistic()));
        p.addTag("horizon", duration(f.getHorizonMs()));
        number(p, "predicted", f.getPredicted());
        number(p, "lower", f.getLower());
        number(p, "upper", f.getUpper());
        requireNumbers(p, "predicted, lower and upper");
        number(p, "interval_level", f.getIntervalLevel());
        p.addField("made_at", millis(f.getMadeAt(), "madeAt"));
        p.addField("model_version", f.getModelVersion());
        return p.time(millis(f.getTargetTime(), "targetTime"), WritePrecision.MS);
    }

    static Point alert(Alert a) throws MappingException {
        Point p = Point.measurement(ALERTS);
        seriesTags(p, a.getSeries());
        p.addTag("fingerprint", tagValue(a.getFingerprint()));
        p.addTag("state", a.getState().name());
        p.addTag("rule", tagValue(a.getRule()));
        p.addTag("source", a.getSource().name());
        p.addTag("severity", a.getSeverity().name());
        p.addTag("statistic", tagValue(a.getStatistic()));
        number(p, "value", a.getValue());
        number(p, "threshold", a.getThreshold());
        p.addField("window_start", millis(a.getWindowStart(), "windowStart"));
        p.addField("window_end", millis(a.getWindowEnd(), "windowEnd"));
        p.addField("started_at", millis(a.getStartedAt(), "startedAt"));
        p.addField("summary", a.getSummary());
        p.addField("playbook", a.getPlaybook());
        if (a.getLabels() != null && !a.getLabels().isEmpty()) {
            p.addField("labels", labels(a.getLabels()));
        }
        return p.time(millis(a.getNotifiedAt(), "notifiedAt"), WritePrecision.MS);
    }

    /**
     * The bottleneck attribution of a FIRING route latency alert (nothing for other alerts, or without a baseline):
     * one point per cause, rank 1 the largest share, and one of kind {@code unexplained} (candidate {@code -}, rank 0)
     * with the share no cause explains. Tags: the alert's series dimensions (service, route, metric), rule,
     * fingerprint, window, kind ({@code db_statement}, {@code db}, {@code cache}, {@code downstream}, {@code cpu},
     * {@code memory}, {@code unexplained}) and candidate (statement fingerprint, cache or metric name); fields: rank,
     * share (0..1), delta_ms (change of its time per request of the route; timed kinds), before, after, unit, detail,
     * and the alert's statistic, stat_delta and mean_delta. Time: the start of the alert's window, so a replayed
     * FIRING overwrites its own points.
     */
    static List<Point> attribution(Alert a) throws MappingException {
        Attribution at = a.getAttribution();
        if (at == null || a.getState() != AlertState.FIRING || at.getBaselineWindows() == 0) {
            return List.of();
        }
        List<Point> out = new ArrayList<>();
        String window = windowTag(a.getWindowStart(), a.getWindowEnd());
        long time = millis(a.getWindowStart(), "windowStart");
        int rank = 0;
        for (AttributionCause c : at.getCauses()) {
            Point p = attributionPoint(a, at, window, c.getKind(), c.getName(), ++rank, c.getShare());
            number(p, "delta_ms", c.getDeltaMs());
            number(p, "before", c.getBefore());
            number(p, "after", c.getAfter());
            p.addField("unit", c.getUnit());
            if (c.getDetail() != null) {
                p.addField("detail", c.getDetail());
            }
            out.add(p.time(time, WritePrecision.MS));
        }
        Point u = attributionPoint(a, at, window, "unexplained", NONE, 0, at.getUnexplained());
        if (at.getNote() != null) {
            u.addField("detail", at.getNote());
        }
        out.add(u.time(time, WritePrecision.MS));
        return out;
    }

    private static Point attributionPoint(Alert a, Attribution at, String window, String kind, String candidate, int rank,
                                          double share) {
        Point p = Point.measurement(ATTRIBUTION);
        seriesTags(p, a.getSeries());
        p.addTag("fingerprint", tagValue(a.getFingerprint()));
        p.addTag("rule", tagValue(a.getRule()));
        p.addTag("window", window);
        p.addTag("kind", kind);
        p.addTag("candidate", tagValue(candidate));
        p.addField("rank", rank);
        number(p, "share", share);
        p.addField("statistic", at.getStatistic());
        number(p, "stat_delta", at.getStatisticDelta());
        number(p, "mean_delta", at.getMeanDelta());
        return p;
    }

    /**
     * The {@code series_key} tag ({@code series} is an InfluxQL keyword), plus the series' dimensions as tags
     * ({@link SeriesTags#of}: the parts of a series id, or the pairs of a {@code k=v,k=v} alert series, one tag name
     * per dimension as on the stats measurements), so results can be filtered and grouped like the stats. A dimension
     * named like one of the sink's own tags is not copied over it. Anything else: series_key only.
     */
    static void seriesTags(Point p, String series) {
        p.addTag("series_key", tagValue(series));
        SeriesTags.of(series).forEach((k, v) -> {
            if (!RESERVED.contains(k) && !v.isEmpty()) {
                p.addTag(k, v);
            }
        });
    }
}
