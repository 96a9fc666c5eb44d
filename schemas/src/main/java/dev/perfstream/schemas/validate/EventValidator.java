package dev.perfstream.schemas.validate;

import dev.perfstream.schemas.avro.HistogramBuckets;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Edge validation of input events, shared by the collector and the stats stage (which also reads
 * what producers wrote to Kafka directly). Returns every problem of a record at once, each naming
 * the field, so the dead-letter reason tells a producer all it has to fix.
 */
public final class EventValidator {
    /** Units a metric value may carry; durations among them must be non-negative. */
    public static final Set<String> UNITS = Set.of("ms", "s", "us", "ns", "percent", "ratio", "bytes", "count");
    static final Set<String> DURATION_UNITS = Set.of("ms", "s", "us", "ns");
    static final Pattern METRIC_NAME = Pattern.compile("[a-z][a-z0-9_.]{0,63}");
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,127}");
    static final int MAX_ROUTE = 512;
    static final int MAX_LABEL = 256;
    /** Raw SQL is allowed (the stats stage fingerprints it), so longer than a route. */
    public static final int MAX_STATEMENT = 2048;
    /** The cache metrics: lookups timed with a hit / miss outcome, and hit and miss counters. */
    public static final String CACHE_LOOKUP = "cache.lookup";
    public static final String CACHE_HITS = "cache.hits";
    public static final String CACHE_MISSES = "cache.misses";

    private final Clock clock;
    private final Duration maxAge;
    private final Duration maxFuture;

    /**
     * @param maxAge    events older than this are rejected (they could never land in an open window)
     * @param maxFuture events further ahead than this are rejected (clock skew)
     */
    public EventValidator(Clock clock, Duration maxAge, Duration maxFuture) {
        this.clock = clock;
        this.maxAge = maxAge;
        this.maxFuture = maxFuture;
    }

    /** Seven days back, one hour ahead. */
    public static EventValidator withDefaults(Clock clock) {
        return new EventValidator(clock, Duration.ofDays(7), Duration.ofHours(1));
    }

    /** @return the problems, empty when the event is valid */
    public List<String> check(MetricEvent e) {
        List<String> p = new ArrayList<>(2);
        timestamp(e.getTimestamp(), p);
        name("service", e.getService(), p);
        if (!isMetricName(e.getMetric())) {
            p.add("field 'metric' must match [a-z][a-z0-9_.]{0,63}, got \"" + shorten(e.getMetric()) + "\"");
        }
        String unit = e.getUnit();
        if (!UNITS.contains(unit)) {
            p.add("field 'unit' must be one of " + UNITS + ", got \"" + shorten(unit) + "\"");
        }
        double v = e.getValue();
        if (!Double.isFinite(v)) {
            p.add("field 'value' must be a finite number, got " + v);
        } else if (v < 0 && DURATION_UNITS.contains(unit)) {
            p.add("field 'value' is a duration in " + unit + " and must be >= 0, got " + v);
        }
        if (e.getStatus() != null && (e.getStatus() < 100 || e.getStatus() > 599)) {
            p.add("field 'status' must be an HTTP status 100..599, got " + e.getStatus());
        }
        optional("route", e.getRoute(), MAX_ROUTE, p);
        optional("method", e.getMethod(), 16, p);
        optional("dbStatement", e.getDbStatement(), MAX_STATEMENT, p);
        cache(e, p);
        optional("region", e.getRegion(), 64, p);
        optional("instance", e.getInstance(), MAX_LABEL, p);
        label("serviceVersion", e.getServiceVersion(), p);
        label("deploymentEnvironment", e.getDeploymentEnvironment(), p);
        if (e.getHistogram() != null) {
            histogram(e.getHistogram(), DURATION_UNITS.contains(unit), p);
        }
        return p;
    }

    /**
     * The cache fields: {@code cacheHit} only on cache.lookup, {@code cache} only on cache.* metrics and
     * required with {@code cacheHit} and on the hit / miss counters, whose values are whole counts.
     */
    private static void cache(MetricEvent e, List<String> p) {
        String metric = e.getMetric();
        boolean counter = CACHE_HITS.equals(metric) || CACHE_MISSES.equals(metric);
        if (e.getCacheHit() != null && !CACHE_LOOKUP.equals(metric)) {
            p.add("field 'cacheHit' is for metric " + CACHE_LOOKUP + " only, got metric \"" + shorten(String.valueOf(metric))
                + "\" (count hits and misses with " + CACHE_HITS + " / " + CACHE_MISSES + " and a cache name)");
        }
        if (e.getCache() != null) {
            if (metric == null || !metric.startsWith("cache.")) {
                p.add("field 'cache' is for cache.* metrics only, got metric \"" + shorten(String.valueOf(metric)) + "\"");
            }
            name("cache", e.getCache(), p);
        } else if (e.getCacheHit() != null) {
            p.add("field 'cache' is missing: a cache.lookup with cacheHit must name its cache");
        } else if (counter) {
            p.add("field 'cache' is missing: metric " + metric + " must name its cache");
        }
        if (counter && e.getHistogram() == null) {
            double v = e.getValue();
            if (Double.isFinite(v) && (v < 0 || v != Math.rint(v))) {
                p.add("field 'value' of " + metric + " is a count and must be a whole number >= 0, got " + v);
            }
        }
    }

    /** Buckets that add up to the count, increasing finite values (not negative for durations), an error in 0..1. */
    private static void histogram(HistogramBuckets h, boolean duration, List<String> p) {
        List<Double> v = h.getValues();
        List<Long> c = h.getCounts();
        if (v.size() != c.size()) {
            p.add("field 'histogram': " + v.size() + " values but " + c.size() + " counts");
            return;
        }
        long total = 0;
        for (int i = 0; i < v.size(); i++) {
            double x = v.get(i);
            if (!Double.isFinite(x) || (duration && x < 0) || (i > 0 && x <= v.get(i - 1))) {
                p.add("field 'histogram.values[" + i + "]' is " + x + "; values must be finite, increasing"
                    + (duration ? " and >= 0 (durations)" : ""));
                return;
            }
            if (c.get(i) < 1) {
                p.add("field 'histogram.counts[" + i + "]' is " + c.get(i) + "; counts must be >= 1");
                return;
            }
            total += c.get(i);
        }
        if (total != h.getCount() || total < 1) {
            p.add("field 'histogram.count' is " + h.getCount() + " but the counts add up to " + total + " (must be equal and >= 1)");
        }
        double err = h.getRelativeError();
        if (!(err >= 0 && err <= 1)) {
            p.add("field 'histogram.relativeError' must be in 0..1, got " + err);
        }
        if (h.getMin() != null && h.getMax() != null && !(h.getMin() <= h.getMax())) {
            p.add("field 'histogram.min' " + h.getMin() + " is above 'histogram.max' " + h.getMax());
        }
    }

    /** @return the problems, empty when the event is valid */
    public List<String> check(RumEvent e) {
        List<String> p = new ArrayList<>(2);
        timestamp(e.getTimestamp(), p);
        name("app", e.getApp(), p);
        if (e.getPage().isEmpty()) {
            p.add("field 'page' must not be empty");
        } else if (e.getPage().length() > MAX_ROUTE) {
            p.add("field 'page' is " + e.getPage().length() + " characters, over the limit of " + MAX_ROUTE);
        }
        double v = e.getValue();
        if (e.getConversion() != null || e.getVital() == null) {
            conversion(e, p);
        } else if (!Double.isFinite(v)) {
            p.add("field 'value' must be a finite number, got " + v);
        } else if (v < 0) {
            p.add("field 'value' of " + e.getVital() + " must be >= 0, got " + v);
        } else if (v > WebVitals.maxPlausible(e.getVital())) {
            p.add("field 'value' of " + e.getVital() + " is " + v + (e.getVital() == Vital.CLS ? "" : " ms")
                + ", above the plausible maximum " + WebVitals.maxPlausible(e.getVital()));
        }
        String dc = e.getDeviceClass().toLowerCase(Locale.ROOT);
        if (!dc.equals("desktop") && !dc.equals("mobile") && !dc.equals("tablet")) {
            p.add("field 'deviceClass' must be desktop, mobile or tablet, got \"" + shorten(e.getDeviceClass()) + "\"");
        }
        optional("navigationType", e.getNavigationType(), 32, p);
        optional("browser", e.getBrowser(), 64, p);
        optional("country", e.getCountry(), 8, p);
        optional("connectionType", e.getConnectionType(), 32, p);
        optional("sessionHash", e.getSessionHash(), 128, p);
        return p;
    }

    /** Goal names of conversions: what {@code perfstream.conversion(goal)} may pass. */
    public static final Pattern GOAL = Pattern.compile("[A-Za-z0-9._\\-]{1,64}");

    /**
     * A conversion: a goal name, no vital, value 1, and the session it belongs to (without one it cannot be joined
     * with the session's vitals).
     */
    private static void conversion(RumEvent e, List<String> p) {
        String goal = e.getConversion();
        if (goal == null) {
            p.add("field 'vital' is required (one of " + java.util.Arrays.toString(Vital.values())
                + "), unless the event is a conversion (field 'conversion')");
            return;
        }
        if (e.getVital() != null) {
            p.add("field 'vital' must be null on a conversion (field 'conversion' is \"" + shorten(goal) + "\"), got "
                + e.getVital());
        }
        if (!GOAL.matcher(goal).matches()) {
            p.add("field 'conversion' must be 1 to 64 characters of [A-Za-z0-9._-], got \"" + shorten(goal) + "\"");
        }
        if (e.getValue() != 1) {
            p.add("field 'value' of a conversion must be 1, got " + e.getValue());
        }
        if (e.getSessionHash() == null || e.getSessionHash().isEmpty()) {
            p.add("field 'sessionHash' is required on a conversion (it is joined with the session's vitals)");
        }
    }

    private void timestamp(Instant t, List<String> p) {
        Instant now = clock.instant();
        if (t.isBefore(now.minus(maxAge))) {
            p.add("field 'timestamp' is " + human(Duration.between(t, now)) + " in the past (limit " + human(maxAge) + "): " + t);
        } else if (t.isAfter(now.plus(maxFuture))) {
            p.add("field 'timestamp' is " + human(Duration.between(now, t)) + " in the future (limit " + human(maxFuture)
                + "; is the producer's clock right?): " + t);
        }
    }

    private static void name(String field, String v, List<String> p) {
        if (v.isEmpty()) {
            p.add("field '" + field + "' must not be empty");
        } else if (!isName(v)) {
            p.add("field '" + field + "' must be 1..128 characters of [A-Za-z0-9_.:-], got \"" + shorten(v) + "\"");
        }
    }

    /*
     * Hand-written equivalents of METRIC_NAME and NAME (the patterns stay as their specification; a test
     * checks the two agree): they run for every event of the stats stage, where the regex matcher was
     * about 4 % of the stream thread in the stats benchmark's profile.
     */

    /** Same as {@code METRIC_NAME.matcher(v).matches()}. */
    static boolean isMetricName(String v) {
        int n = v.length();
        if (n == 0 || n > 64) {
            return false;
        }
        char c = v.charAt(0);
        if (c < 'a' || c > 'z') {
            return false;
        }
        for (int i = 1; i < n; i++) {
            c = v.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** Same as {@code NAME.matcher(v).matches()}. */
    static boolean isName(String v) {
        int n = v.length();
        if (n == 0 || n > 128 || !alnum(v.charAt(0))) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = v.charAt(i);
            if (!(alnum(c) || c == '_' || c == '.' || c == ':' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** Longest {@code serviceVersion} or {@code deploymentEnvironment}: they become tags and series ids. */
    public static final int MAX_RELEASE_LABEL = 64;

    /**
     * An optional release label (service version, deployment environment): when present 1..64 characters,
     * none of them a control character or a {@code |} (the separator of series ids).
     */
    private static void label(String field, String v, List<String> p) {
        if (v == null) {
            return;
        }
        if (v.isEmpty()) {
            p.add("field '" + field + "' must not be empty (omit it instead)");
            return;
        }
        if (v.length() > MAX_RELEASE_LABEL) {
            p.add("field '" + field + "' is " + v.length() + " characters, over the limit of " + MAX_RELEASE_LABEL);
            return;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (Character.isISOControl(c) || c == '|') {
                p.add("field '" + field + "' has " + (c == '|' ? "a '|'" : String.format("control character U+%04X", (int) c))
                    + " at index " + i + "; only printable characters are allowed");
                return;
            }
        }
    }

    private static void optional(String field, String v, int max, List<String> p) {
        if (v == null) {
            return;
        }
        if (v.isEmpty()) {
            p.add("field '" + field + "' must not be empty (omit it instead)");
        } else if (v.length() > max) {
            p.add("field '" + field + "' is " + v.length() + " characters, over the limit of " + max);
        }
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s >= 86_400) {
            return String.format(Locale.ROOT, "%.1f days", s / 86_400.0);
        }
        if (s >= 3_600) {
            return String.format(Locale.ROOT, "%.1f hours", s / 3_600.0);
        }
        return s + " s";
    }

    static String shorten(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
