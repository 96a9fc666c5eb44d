package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.alerts.rule.Rule;
import dev.perfstream.streams.alerts.slo.BurnRate;
import dev.perfstream.streams.alerts.slo.Slo;
import dev.perfstream.streams.alerts.state.AlertStatus;
import dev.perfstream.streams.alerts.state.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Builds {@link Alert} records and their one-line summaries. */
final class Notifications {
    private Notifications() {
    }

    static Alert forRule(Rule r, AlertStatus s, Transition.Emit emit, long windowStart, long windowEnd, String unit,
                         long now) {
        String where = s.series();
        unit = unitOf(r.statistic(), unit);
        String v = fmt(s.lastValue(), r.statistic().isRatio(), unit);
        String summary;
        if (emit == Transition.Emit.RESOLVED) {
            summary = "RESOLVED " + r.id() + ": " + r.statistic().label() + " " + v + " back "
                + (r.op().upward() ? "under " : "over ") + fmt(r.resolve(), r.statistic().isRatio(), unit)
                + " after " + human(windowEnd - s.startedAt()) + " on " + where;
        } else {
            summary = r.severity() + " " + r.id() + ": " + r.statistic().label() + " " + v + " " + r.op().symbol() + " "
                + fmt(r.threshold(), r.statistic().isRatio(), unit) + " for " + human(windowEnd - s.pendingSince())
                + " on " + where + (r.description().isEmpty() || r.texts().description() != null ? "" : " (" + r.description() + ")")
                + (s.flapping() ? "; FLAPPING, resolution held until clear for " + r.policy().flapSettle() + " windows" : "")
                + (emit == Transition.Emit.REPEAT ? "; still firing, reminder " + s.repeats() : "");
        }
        Map<String, Object> values = r.texts().isEmpty() ? Map.of() : templateValues(r, s, emit, windowEnd - windowStart);
        if (r.texts().summary() != null) {
            String own = r.texts().summary().render(values);
            summary = emit == Transition.Emit.RESOLVED ? "RESOLVED " + r.id() + ": " + own : own;
        }
        String playbook = r.texts().description() != null ? r.texts().description().render(values) : r.playbook();
        Map<String, String> labels = new TreeMap<>(r.labels());
        if (r.texts().runbookUrl() != null) {
            labels.put("runbook_url", r.texts().runbookUrl().render(values));
        }
        labels.put("class", r.alertClass().label());
        labels.put("rule_version", r.version());
        labels.put("notification", emit.name().toLowerCase(Locale.ROOT));
        return build(s, r.id(), AlertSource.RULE, r.severity(), emit, r.statistic().label(),
            emit == Transition.Emit.RESOLVED ? r.resolve() : r.threshold(), windowStart, windowEnd, now, summary,
            playbook, labels);
    }

    /** What a rule's templates can say: the alert, its value and threshold, and the series' dimensions. */
    private static Map<String, Object> templateValues(Rule r, AlertStatus s, Transition.Emit emit, long windowMs) {
        Map<String, Object> v = new java.util.HashMap<>();
        v.put("rule", r.id());
        v.put("severity", r.severity().name());
        v.put("statistic", r.statistic().label());
        v.put("value", s.lastValue());
        v.put("threshold", emit == Transition.Emit.RESOLVED ? r.resolve() : r.threshold());
        v.put("series", s.series());
        v.put("window", human(windowMs));
        v.put("state", emit == Transition.Emit.RESOLVED ? "RESOLVED" : "FIRING");
        SeriesKey series = displayed(s.series());
        if (series != null) {
            v.put("name", series.name());
            v.put("service", series.owner());
            v.put("route", series.route());
            if (series.kind() == SeriesKind.RUM) {
                v.put("device", series.deviceClass() == null ? "-" : series.deviceClass());
            }
        }
        r.labels().forEach((k, val) -> v.put("labels." + k, val));
        return v;
    }

    /** The series of a rule alert, or null if it is not the display form of a window's series. */
    private static SeriesKey displayed(String series) {
        try {
            return SeriesKey.parseDisplay(series);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static Alert forSlo(Slo slo, BurnRate b, AlertStatus s, Transition.Emit emit, String service, double burnLong,
                        double burnShort, long windowStart, long windowEnd, long now) {
        String pct = String.format(Locale.ROOT, "%.3f%%", slo.objective() * 100).replaceAll("0+%$", "%").replace(".%", "%");
        String summary;
        if (emit == Transition.Emit.RESOLVED) {
            summary = "RESOLVED " + slo.id() + "/" + b.name() + ": " + service + " error budget burn back under "
                + b.factor() + "x (" + human(b.shortWindow().toMillis()) + ": " + fmt1(burnShort) + "x) after "
                + human(windowEnd - s.startedAt());
        } else {
            summary = b.severity() + " " + slo.id() + "/" + b.name() + ": " + service + " burns its " + pct
                + " availability budget at " + fmt1(burnLong) + "x over " + human(b.longWindow().toMillis()) + " and "
                + fmt1(burnShort) + "x over " + human(b.shortWindow().toMillis()) + " (limit " + b.factor() + "x)"
                + (emit == Transition.Emit.REPEAT ? "; still firing, reminder " + s.repeats() : "");
        }
        Map<String, String> labels = new TreeMap<>(slo.labels());
        labels.put("class", "error-burst");
        labels.put("rule_version", slo.version());
        labels.put("objective", pct);
        labels.put("burn_long", fmt1(burnLong));
        labels.put("burn_short", fmt1(burnShort));
        labels.put("notification", emit.name().toLowerCase(Locale.ROOT));
        return build(s, slo.id() + "/" + b.name(), AlertSource.SLO, b.severity(), emit, "burn_rate", b.factor(),
            windowStart, windowEnd, now, summary, slo.playbook(), labels);
    }

    /** RESOLVED for an alert whose rule was removed by a reload. */
    static Alert ruleRemoved(AlertStatus s, long now) {
        String summary = "RESOLVED " + s.ruleId() + ": rule removed from the rules file; alert on " + s.series()
            + " closed without recovery";
        return build(s, s.ruleId(), s.ruleId().contains("/") ? AlertSource.SLO : AlertSource.RULE, Severity.INFO,
            Transition.Emit.RESOLVED, "-", 0.0, s.lastWindowEnd(), s.lastWindowEnd(), now, summary,
            "The rule that raised this alert no longer exists; check the rules file change.",
            Map.of("notification", "rule_removed"));
    }

    /**
     * A change made by the absence of data: a deadman firing or resolving, a rule's alert resolved by
     * {@code no-data: ok} or fired by {@code no-data: alerting}. The value is the silence in seconds.
     */
    static Alert noData(AlertStatus s, String rule, AlertSource source, Severity sev, Transition.Emit emit,
                        long silentForMs, long thresholdMs, long now, String summary, String playbook,
                        Map<String, String> ruleLabels) {
        Map<String, String> labels = new TreeMap<>(ruleLabels);
        labels.put("class", "no-data");
        labels.put("notification", emit == Transition.Emit.RESOLVED ? "resolved" : "no_data");
        long last = s.lastWindowEnd() == Long.MIN_VALUE ? now : s.lastWindowEnd();
        return build(s, rule, source, sev, emit, "no_data_seconds", thresholdMs / 1000.0, last, Math.max(last, now), now,
            summary, playbook, labels);
    }

    private static Alert build(AlertStatus s, String rule, AlertSource source, Severity sev, Transition.Emit emit,
                               String statistic, double threshold, long windowStart, long windowEnd, long now,
                               String summary, String playbook, Map<String, String> labels) {
        return Alert.newBuilder()
            .setFingerprint(Series.fingerprint(s.ruleId(), s.series()))
            .setRule(rule)
            .setSource(source)
            .setSeverity(sev)
            .setState(emit == Transition.Emit.RESOLVED ? AlertState.RESOLVED : AlertState.FIRING)
            .setSeries(s.series())
            .setStatistic(statistic)
            .setValue(s.lastValue())
            .setThreshold(threshold)
            .setWindowStart(Instant.ofEpochMilli(windowStart))
            .setWindowEnd(Instant.ofEpochMilli(windowEnd))
            .setStartedAt(Instant.ofEpochMilli(s.startedAt()))
            .setNotifiedAt(Instant.ofEpochMilli(now))
            .setSummary(summary)
            .setPlaybook(playbook)
            .setLabels(labels)
            .build();
    }

    /** The unit a statistic is in: the series' unit for value statistics, events/s for rate, none for counts. */
    static String unitOf(dev.perfstream.streams.alerts.rule.Statistic st, String seriesUnit) {
        switch (st) {
            case RATE: return "/s";
            case COUNT: case ERRORS: return "";
            default: return seriesUnit;
        }
    }

    static String fmt(double v, boolean ratio, String unit) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (ratio) {
            return String.format(Locale.ROOT, "%.3g%%", v * 100);
        }
        String u = unit == null || unit.isBlank() ? "" : unit.startsWith("/") ? unit : " " + unit;
        return (Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v)) + u;
    }

    private static String fmt1(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
    }

    static String human(long ms) {
        Duration d = Duration.ofMillis(Math.max(0, ms));
        if (d.toDays() > 0) {
            return d.toDays() + "d" + (d.toHoursPart() > 0 ? d.toHoursPart() + "h" : "");
        }
        if (d.toHours() > 0) {
            return d.toHours() + "h" + (d.toMinutesPart() > 0 ? d.toMinutesPart() + "m" : "");
        }
        if (d.toMinutes() > 0) {
            return d.toMinutes() + "m" + (d.toSecondsPart() > 0 ? d.toSecondsPart() + "s" : "");
        }
        return d.toSeconds() + "s";
    }
}
