package dev.perfstream.sink.influx;

import com.influxdb.client.write.Point;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * What every point mapping shares: tag values for missing dimensions, the window and horizon tags, times that must be
 * present, and numbers left out when not finite (InfluxDB cannot store NaN or infinities; a missing field reads as
 * "no value", which is what they mean).
 */
final class PointValues {
    /** Tag value for a missing dimension: line protocol has no empty tag values. */
    static final String NONE = "-";

    private PointValues() {
    }

    /** Window length as a tag: {@code 10s}, {@code 1m}, {@code 5m}, {@code 1h}, else milliseconds. */
    static String windowTag(Instant start, Instant end) throws MappingException {
        long len = millis(end, "windowEnd") - millis(start, "windowStart");
        if (len <= 0) {
            throw new MappingException("windowEnd " + end + " is not after windowStart " + start);
        }
        return duration(len);
    }

    static String duration(long ms) {
        if (ms % 86_400_000L == 0) {
            return ms / 86_400_000L + "d";
        }
        if (ms % 3_600_000L == 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms % 60_000L == 0) {
            return ms / 60_000L + "m";
        }
        if (ms % 1_000L == 0) {
            return ms / 1_000L + "s";
        }
        return ms + "ms";
    }

    static long millis(Instant t, String field) throws MappingException {
        if (t == null) {
            throw new MappingException(field + " is missing");
        }
        return t.toEpochMilli();
    }

    static String tagValue(String v) {
        return v == null || v.isBlank() ? NONE : v;
    }

    static void number(Point p, String field, Double v) {
        if (v != null && Double.isFinite(v)) {
            p.addField(field, v.doubleValue());
        }
    }

    static void requireNumbers(Point p, String which) throws MappingException {
        if (!p.hasFields()) {
            throw new MappingException("none of " + which + " is a finite number");
        }
    }

    static String labels(Map<String, String> labels) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(labels).forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return b.toString();
    }
}
