package dev.perfstream.sink.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rows of InfluxDB's {@code ux_impact} as the table {@code perfstream report impact} prints: per window, goal and
 * vital, the sessions, the conversion rate overall and per bucket (with its sessions), the p75 and the estimated
 * gain from moving it into the next bucket, in percentage points of conversion rate and in conversions per window,
 * each with its interval.
 */
final class ImpactTable {
    private ImpactTable() {
    }

    static String render(String page, List<Map<String, JsonNode>> rows) {
        StringBuilder sb = new StringBuilder();
        if (rows.isEmpty()) {
            return "no ux_impact rows for page " + page + " in the range (windows close an hour + grace after they start;"
                + " a window without any conversion of its app has none)\n";
        }
        double confidence = num(rows.get(0), "confidence");
        String ci = Double.isNaN(confidence) ? "CI" : String.format(Locale.ROOT, "%.0f %% CI", 100 * confidence);
        sb.append(String.format(Locale.ROOT, "%-20s %-6s %-10s %-5s %8s %9s %-16s %-16s %-16s %9s %-9s %7s %-27s %s%n",
            "window", "length", "goal", "vital", "sessions", "conv.rate", "good", "needs-impr.", "poor", "p75", "move",
            "share", "gain, pp (" + ci + ")", "extra conversions (" + ci + ")"));
        for (Map<String, JsonNode> r : rows) {
            String vital = text(r, "vital");
            String target = text(r, "target");
            String gain = Double.isNaN(num(r, "gain")) ? text(r, "note")
                : String.format(Locale.ROOT, "%+.2f [%+.2f, %+.2f]", 100 * num(r, "gain"), 100 * num(r, "gain_lower"),
                    100 * num(r, "gain_upper"));
            String extra = Double.isNaN(num(r, "extra_conversions")) ? ""
                : String.format(Locale.ROOT, "%+.1f [%+.1f, %+.1f]", num(r, "extra_conversions"),
                    num(r, "extra_conversions_lower"), num(r, "extra_conversions_upper"));
            sb.append(String.format(Locale.ROOT, "%-20s %-6s %-10s %-5s %8d %8.2f%% %-16s %-16s %-16s %9s %-9s %7s %-27s %s%n",
                Instant.ofEpochMilli(r.get("time").asLong()), text(r, "window"), text(r, "goal"), vital,
                (long) num(r, "sessions"), 100 * num(r, "conversion_rate"), bucket(r, "good"),
                bucket(r, "needs_improvement"), bucket(r, "poor"), value(vital, num(r, "p75")),
                shortName(text(r, "p75_rating")) + (target.equals("-") ? "" : "->" + shortName(target)),
                Double.isNaN(num(r, "moved_share")) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * num(r, "moved_share")),
                gain, extra));
        }
        sb.append("good / needs-impr. / poor: conversion rate (sessions) by the bucket of each session's worst ")
            .append("value on the page; move: the p75's bucket -> the next better one; share: sessions that would move;\n")
            .append("gain: conversion rate gained, percentage points, if they converted like that bucket (observational,")
            .append(" see the README)\n");
        return sb.toString();
    }

    private static String bucket(Map<String, JsonNode> r, String b) {
        double rate = num(r, b + "_rate");
        long n = (long) num(r, b + "_sessions");
        return Double.isNaN(rate) ? String.format(Locale.ROOT, "- (%d)", n)
            : String.format(Locale.ROOT, "%.2f%% (%d)", 100 * rate, n);
    }

    private static String value(String vital, double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return vital.equals("LCP") ? String.format(Locale.ROOT, "%.2f s", v / 1000) : String.format(Locale.ROOT, "%.0f ms", v);
    }

    private static String shortName(String rating) {
        return switch (rating) {
            case "GOOD" -> "good";
            case "NEEDS_IMPROVEMENT" -> "NI";
            case "POOR" -> "poor";
            default -> rating;
        };
    }

    private static String text(Map<String, JsonNode> r, String column) {
        JsonNode v = r.get(column);
        return v == null || v.isNull() ? "-" : v.asText();
    }

    private static double num(Map<String, JsonNode> r, String column) {
        JsonNode v = r.get(column);
        return v == null || v.isNull() || !v.isNumber() ? Double.NaN : v.asDouble();
    }
}
