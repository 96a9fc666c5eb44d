package dev.perfstream.sink.influx;

import static dev.perfstream.sink.influx.PointValues.millis;
import static dev.perfstream.sink.influx.PointValues.number;
import static dev.perfstream.sink.influx.PointValues.tagValue;
import static dev.perfstream.sink.influx.PointValues.windowTag;

import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.Point;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.Recommendation;
import dev.perfstream.schemas.avro.RumElementStats;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.UxImpact;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.series.SeriesDimension;

/**
 * Maps the stats stage's windows and what is derived from them per service or page to InfluxDB points:
 * {@value #METRIC_STATS}, {@value #RUM_STATS}, {@value #RELEASE_STATS}, {@value #RUM_ELEMENTS}, {@value #DB_QUERIES},
 * {@value #CACHE_STATS}, {@value #UX_IMPACT}, {@value #RECOMMENDATIONS} ({@code stats} is an InfluxQL keyword, hence
 * the prefixes). As in {@link ResultPoints}, the tag set is the result's identity and the timestamp its window start.
 */
final class StatsPoints {
    static final String METRIC_STATS = "metric_stats";
    static final String RUM_STATS = "rum_stats";
    /** Per-version windows of release comparison (WindowStats with serviceVersion): tagged with the version. */
    static final String RELEASE_STATS = "release_stats";
    /** RUM stats per element (LCP / INP / CLS) and INP script of a page: tagged with the element or the script. */
    static final String RUM_ELEMENTS = "rum_elements";
    static final String DB_QUERIES = "db_queries";
    static final String CACHE_STATS = "cache_stats";
    static final String UX_IMPACT = "ux_impact";
    static final String RECOMMENDATIONS = "recommendations";

    private StatsPoints() {
    }

    static Point stats(WindowStats s) throws MappingException {
        boolean rum = s.getKind() == SeriesKind.RUM;
        boolean release = s.getServiceVersion() != null;
        Point p = Point.measurement(rum ? RUM_STATS : release ? RELEASE_STATS : METRIC_STATS);
        if (rum) {
            p.addTag(SeriesDimension.VITAL.tagName(), tagValue(s.getName()));
            p.addTag(SeriesDimension.APP.tagName(), tagValue(s.getService()));
            p.addTag(SeriesDimension.PAGE.tagName(), tagValue(s.getRoute()));
            p.addTag(SeriesDimension.DEVICE_CLASS.tagName(), tagValue(s.getDeviceClass()));
        } else {
            p.addTag(SeriesDimension.METRIC.tagName(), tagValue(s.getName()));
            p.addTag(SeriesDimension.SERVICE.tagName(), tagValue(s.getService()));
            p.addTag(SeriesDimension.ROUTE.tagName(), tagValue(s.getRoute()));
            if (release) {
                p.addTag(SeriesDimension.VERSION.tagName(), tagValue(s.getServiceVersion()));
            }
        }
        p.addTag("window", windowTag(s.getWindowStart(), s.getWindowEnd()));
        p.addTag("unit", tagValue(s.getUnit()));
        p.addField("count", s.getCount());
        p.addField("errors", s.getErrors());
        number(p, "error_rate", s.getErrorRate());
        number(p, "rate", s.getRate());
        number(p, "min", s.getMin());
        number(p, "max", s.getMax());
        number(p, "mean", s.getMean());
        number(p, "p50", s.getP50());
        number(p, "p75", s.getP75());
        number(p, "p90", s.getP90());
        number(p, "p95", s.getP95());
        number(p, "p99", s.getP99());
        number(p, "p999", s.getP999());
        number(p, "good_share", s.getGoodShare());
        number(p, "needs_improvement_share", s.getNeedsImprovementShare());
        number(p, "poor_share", s.getPoorShare());
        number(p, "bucket_error", s.getBucketError());
        if (s.getInstances() != null) {
            p.addField("instances", s.getInstances());
        }
        if (Boolean.TRUE.equals(s.getInstancesOverflow())) {
            p.addField("instances_overflow", true); // more than a window counts: no 'instances', and why
        }
        return p.time(millis(s.getWindowStart(), "windowStart"), WritePrecision.MS);
    }

    /**
     * One statement of a service's top N in one window: tags service, statement (the fingerprint, or
     * {@code __overflow__}), window; the rank is a field, so a statement keeps one series whatever its rank.
     */
    static Point queries(QueryStats q) throws MappingException {
        Point p = Point.measurement(DB_QUERIES);
        p.addTag("service", tagValue(q.getService()));
        p.addTag("statement", tagValue(q.getStatement()));
        p.addTag("window", windowTag(q.getWindowStart(), q.getWindowEnd()));
        p.addField("rank", q.getRank());
        p.addField("count", q.getCount());
        p.addField("errors", q.getErrors());
        number(p, "total_ms", q.getTotalMs());
        number(p, "mean_ms", q.getMeanMs());
        number(p, "p50", q.getP50());
        number(p, "p95", q.getP95());
        number(p, "p99", q.getP99());
        number(p, "max_ms", q.getMaxMs());
        number(p, "share", q.getShare());
        number(p, "service_total_ms", q.getServiceTotalMs());
        p.addField("statements", q.getStatements());
        p.addField("overflow", q.getOverflow());
        p.addField("folded_statements", q.getFoldedStatements());
        return p.time(millis(q.getWindowStart(), "windowStart"), WritePrecision.MS);
    }

    /**
     * One attribution row of a RUM series in one window: the tags of {@value #RUM_STATS} (app, page, vital,
     * device_class, window, unit) plus {@code element} (LCP element, INP target, CLS shift target) or {@code script}
     * (INP), whichever the row's dimension is; {@code __overflow__} for the values beyond the cap. The rank is a
     * field, so an element keeps one series whatever its rank.
     */
    static Point rumElement(RumElementStats r) throws MappingException {
        String tag = switch (r.getDimension()) {
            case "element" -> "element";
            case "script" -> "script";
            default -> throw new MappingException("dimension \"" + r.getDimension() + "\" is neither element nor script");
        };
        Point p = Point.measurement(RUM_ELEMENTS);
        p.addTag(SeriesDimension.VITAL.tagName(), tagValue(r.getVital()));
        p.addTag(SeriesDimension.APP.tagName(), tagValue(r.getApp()));
        p.addTag(SeriesDimension.PAGE.tagName(), tagValue(r.getPage()));
        p.addTag(SeriesDimension.DEVICE_CLASS.tagName(), tagValue(r.getDeviceClass()));
        p.addTag(tag, tagValue(r.getValue()));
        p.addTag("window", windowTag(r.getWindowStart(), r.getWindowEnd()));
        p.addTag("unit", tagValue(r.getUnit()));
        p.addField("rank", r.getRank());
        p.addField("count", r.getCount());
        number(p, "p50", r.getP50());
        number(p, "p75", r.getP75());
        number(p, "p95", r.getP95());
        number(p, "max", r.getMax());
        number(p, "poor_share", r.getPoorShare());
        number(p, "share", r.getShare());
        p.addField("rows", r.getRows());
        p.addField("overflow", r.getOverflow());
        return p.time(millis(r.getWindowStart(), "windowStart"), WritePrecision.MS);
    }

    /** One cache of a service in one window: tags service, cache, window. */
    static Point cache(CacheStats c) throws MappingException {
        Point p = Point.measurement(CACHE_STATS);
        p.addTag("service", tagValue(c.getService()));
        p.addTag("cache", tagValue(c.getCache()));
        p.addTag("window", windowTag(c.getWindowStart(), c.getWindowEnd()));
        p.addField("hits", c.getHits());
        p.addField("misses", c.getMisses());
        p.addField("lookups", c.getHits() + c.getMisses());
        number(p, "hit_ratio", c.getHitRatio());
        number(p, "hit_mean_ms", c.getHitMeanMs());
        number(p, "hit_p95", c.getHitP95());
        number(p, "miss_mean_ms", c.getMissMeanMs());
        number(p, "miss_p95", c.getMissP95());
        number(p, "miss_penalty", c.getMissPenalty());
        return p.time(millis(c.getWindowStart(), "windowStart"), WritePrecision.MS);
    }

    /**
     * Speed vs conversion of one page, goal and vital in one window: tags app, page, goal, vital, window; the
     * buckets' sessions, conversions and rates, the p75 and the estimated gain with its interval as fields.
     */
    static Point impact(UxImpact u) throws MappingException {
        Point p = Point.measurement(UX_IMPACT);
        p.addTag("app", tagValue(u.getApp()));
        p.addTag("page", tagValue(u.getPage()));
        p.addTag("goal", tagValue(u.getGoal()));
        p.addTag("vital", tagValue(u.getVital()));
        p.addTag("window", windowTag(u.getWindowStart(), u.getWindowEnd()));
        p.addField("sessions", u.getSessions());
        p.addField("converted", u.getConverted());
        number(p, "conversion_rate", u.getConversionRate());
        p.addField("good_sessions", u.getGoodSessions());
        p.addField("good_converted", u.getGoodConverted());
        number(p, "good_rate", u.getGoodRate());
        p.addField("needs_improvement_sessions", u.getNeedsImprovementSessions());
        p.addField("needs_improvement_converted", u.getNeedsImprovementConverted());
        number(p, "needs_improvement_rate", u.getNeedsImprovementRate());
        p.addField("poor_sessions", u.getPoorSessions());
        p.addField("poor_converted", u.getPoorConverted());
        number(p, "poor_rate", u.getPoorRate());
        number(p, "p75", u.getP75());
        p.addField("p75_rating", u.getP75Rating());
        if (u.getTarget() != null) {
            p.addField("target", u.getTarget());
        }
        number(p, "moved_share", u.getMovedShare());
        number(p, "rate_difference", u.getRateDifference());
        number(p, "rate_difference_lower", u.getRateDifferenceLower());
        number(p, "rate_difference_upper", u.getRateDifferenceUpper());
        number(p, "gain", u.getGain());
        number(p, "gain_lower", u.getGainLower());
        number(p, "gain_upper", u.getGainUpper());
        number(p, "extra_conversions", u.getExtraConversions());
        number(p, "extra_conversions_lower", u.getExtraConversionsLower());
        number(p, "extra_conversions_upper", u.getExtraConversionsUpper());
        number(p, "confidence", u.getConfidence());
        if (u.getNote() != null) {
            p.addField("note", u.getNote());
        }
        return p.time(millis(u.getWindowStart(), "windowStart"), WritePrecision.MS);
    }

    /**
     * One scaling advice of a service after one window, at the window's start: tags service and direction
     * ({@code scale_out}, {@code scale_in}, {@code hold}, {@code unknown}); fields the counts, the interval, the cost,
     * {@code from_time} (epoch ms from which the advised count is needed; {@code from} is an InfluxQL keyword) and the
     * summary. Counts and cost an unknown advice does not have are left out.
     */
    static Point recommendation(Recommendation r) throws MappingException {
        Point p = Point.measurement(RECOMMENDATIONS);
        p.addTag("service", tagValue(r.getService()));
        p.addTag("direction", r.getAction().name().toLowerCase(java.util.Locale.ROOT));
        p.addField("current", r.getCurrent());
        p.addField("advised", r.getAdvised());
        if (r.getLow() != null) {
            p.addField("low", r.getLow());
        }
        if (r.getHigh() != null) {
            p.addField("high", r.getHigh());
        }
        if (r.getExpected() != null) {
            p.addField("expected", r.getExpected());
        }
        number(p, "interval_level", r.getIntervalLevel());
        number(p, "rate", r.getRate());
        number(p, "capacity_per_instance", r.getCapacityPerInstance());
        number(p, "price_per_instance_hour", r.getPricePerInstanceHour());
        number(p, "cost_per_hour", r.getCostPerHour());
        number(p, "cost_delta_per_hour", r.getCostDeltaPerHour());
        p.addField("from_time", millis(r.getFrom(), "from"));
        p.addField("capacity_source", r.getCapacitySource());
        p.addField("summary", r.getSummary());
        p.addField("reason", r.getReason());
        return p.time(millis(r.getWindowStart(), "windowStart"), WritePrecision.MS);
    }
}
