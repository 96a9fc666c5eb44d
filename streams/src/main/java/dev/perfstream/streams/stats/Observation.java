package dev.perfstream.streams.stats;

import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.impact.ImpactEvent;
import dev.perfstream.streams.stats.state.HistogramValues;

/**
 * One validated, normalised measurement on its way into the windows: the per-event value object
 * of the stats stage (one allocation per event besides decoding).
 *
 * @param timestamp event time, epoch ms
 * @param value     in {@code unit}; durations are converted to ms
 * @param error     outcome ERROR or HTTP status 5xx
 * @param rating    RUM only: 0 good, 1 needs improvement, 2 poor (Web Vitals thresholds); -1 for metrics
 * @param buckets   null for one measurement; else the many measurements of a histogram event (values in ms
 *                  for durations, like {@code value})
 * @param version   the service version whose per-version series the measurement also goes into (release
 *                  comparison; after the version cap), or null
 * @param detail    null, or the statement or cache series ({@link DetailSeries}) the measurement also counts in
 * @param instance  64-bit hash of the event's instance ({@link #instanceHash}), 0 when it had none
 * @param impact    null, or what the impact windows take from a RUM event with a session (an LCP, an INP, a
 *                  conversion)
 * @param series    null for a conversion, which is in no window statistics
 * @param element   RUM only: null, or the series of the event's element ({@link RumAttributes})
 * @param script    RUM only: null, or the series of the event's INP script ({@link RumAttributes})
 */
record Observation(SeriesKey series, long timestamp, double value, boolean error, int rating, String unit,
                   HistogramValues buckets, String version, SeriesKey detail, long instance, ImpactEvent impact,
                   SeriesKey element, SeriesKey script) {
    Observation(SeriesKey series, long timestamp, double value, boolean error, int rating, String unit,
                HistogramValues buckets, String version, SeriesKey detail, long instance, ImpactEvent impact) {
        this(series, timestamp, value, error, rating, unit, buckets, version, detail, instance, impact, null, null);
    }

    /** A metric measurement (no impact event). */
    Observation(SeriesKey series, long timestamp, double value, boolean error, int rating, String unit,
                HistogramValues buckets, String version, SeriesKey detail, long instance) {
        this(series, timestamp, value, error, rating, unit, buckets, version, detail, instance, null);
    }

    /** A RUM measurement (no instance), with its impact event or null. */
    Observation(SeriesKey series, long timestamp, double value, boolean error, int rating, String unit,
                HistogramValues buckets, String version, SeriesKey detail, ImpactEvent impact) {
        this(series, timestamp, value, error, rating, unit, buckets, version, detail, 0L, impact);
    }

    Observation(SeriesKey series, long timestamp, double value, boolean error, int rating, String unit) {
        this(series, timestamp, value, error, rating, unit, null, null, null, 0L, null);
    }

    /** A conversion: only for the impact windows. */
    static Observation conversion(ImpactEvent impact) {
        return new Observation(null, impact.timestamp(), 1, false, -1, "count", null, null, null, 0L, impact);
    }

    /**
     * FNV-1a over the name's chars, never 0 (0 means "no instance"): the windows count distinct instances by these
     * hashes (8 bytes each in the state), and two names of one service colliding in 64 bits is not a practical concern.
     */
    static long instanceHash(String instance) {
        if (instance == null) {
            return 0L;
        }
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < instance.length(); i++) {
            h ^= instance.charAt(i);
            h *= 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }
}
