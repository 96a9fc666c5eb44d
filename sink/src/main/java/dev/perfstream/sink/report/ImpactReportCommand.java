package dev.perfstream.sink.report;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import dev.perfstream.sink.influx.InfluxQuery;
import dev.perfstream.sink.influx.SinkConfig;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perfstream report impact}: speed vs conversion of one page, from InfluxDB's {@code ux_impact}. */
@Command(name = "impact", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Speed vs conversion of a page as a table: per window, conversion goal and vital (LCP, INP), the"
        + " sessions, the conversion rate overall and by bucket (good / needs-improvement / poor), the p75 and the"
        + " estimated gain from moving the p75 into the next better bucket, with its confidence interval (the stats"
        + " stage's ux_impact; method and assumptions in the README).",
        "",
        "  report impact --page /checkout",
        "  report impact --page /checkout --app shop-web --goal checkout --from now-7d --to now",
        "",
        "Reads InfluxDB (influx.url, influx.database and the credentials of the sink's settings) with InfluxQL."})
public final class ImpactReportCommand implements Callable<Integer> {
    @Option(names = "--page", required = true, description = "Page route template, e.g. /checkout or /product/{id}.")
    String page;

    @Option(names = "--app", description = "Only this app (default: every app with that page).")
    String app;

    @Option(names = "--goal", description = "Only this conversion goal (default: every goal).")
    String goal;

    @Option(names = "--vital", description = "Only LCP or INP (default: both).")
    String vital;

    @Option(names = "--from", defaultValue = "now-24h",
        description = "Windows starting at or after: ISO-8601 instant, now or now-<duration> (default: ${DEFAULT-VALUE}).")
    String from;

    @Option(names = "--to", defaultValue = "now", description = "Windows starting before (default: ${DEFAULT-VALUE}).")
    String to;

    @Mixin
    SettingsOptions settings;

    @Override
    public Integer call() throws Exception {
        Instant now = Instant.now();
        Instant a = instant("--from", from, now);
        Instant b = instant("--to", to, now);
        if (!a.isBefore(b)) {
            throw new IllegalArgumentException("--from " + a + " is not before --to " + b);
        }
        if (vital != null && !vital.equals("LCP") && !vital.equals("INP")) {
            throw new IllegalArgumentException("--vital: LCP or INP, got " + vital);
        }
        Settings s = settings.load();
        SinkConfig c = SinkConfig.from(s);
        try (InfluxQuery q = new InfluxQuery(c)) {
            System.out.print(ImpactTable.render(page, q.select(query(a, b))));
        }
        return 0;
    }

    /** The InfluxQL statement: the page's rows in the range, oldest window first, then goal and vital. */
    String query(Instant a, Instant b) {
        Map<String, String> where = new LinkedHashMap<>();
        where.put("page", page);
        if (app != null) {
            where.put("app", app);
        }
        if (goal != null) {
            where.put("goal", goal);
        }
        if (vital != null) {
            where.put("vital", vital);
        }
        StringBuilder sb = new StringBuilder("SELECT * FROM ux_impact WHERE ");
        where.forEach((k, v) -> sb.append('"').append(k).append("\" = '").append(literal(v)).append("' AND "));
        sb.append("time >= '").append(a).append("' AND time < '").append(b).append("'");
        return sb.toString();
    }

    private static String literal(String v) {
        return v.replace("\\", "\\\\").replace("'", "\\'");
    }

    static Instant instant(String option, String t, Instant now) {
        try {
            if (t.equals("now")) {
                return now;
            }
            if (t.startsWith("now-")) {
                return now.minus(Settings.parseDuration(t.substring(4)));
            }
            return Instant.parse(t);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": '" + t + "' is not an ISO-8601 instant, now or now-<duration>");
        }
    }
}
