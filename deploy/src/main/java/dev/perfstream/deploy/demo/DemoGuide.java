package dev.perfstream.deploy.demo;

import dev.perfstream.deploy.services.InfluxService;
import dev.perfstream.deploy.services.ServicesConfig;
import dev.perfstream.schemas.Topics;
import java.io.PrintStream;
import java.util.Locale;

/**
 * What the demo prints once it runs: where the services are, the {@code influx}, {@code tail} and
 * {@code kcat} command lines to look at the results, and when the first point reached InfluxDB.
 */
public final class DemoGuide {
    /** InfluxDB measurement the sink writes server-side window statistics to (sink's ResultPoints). */
    public static final String STATS_MEASUREMENT = "metric_stats";

    private final ServicesConfig c;
    private final String alertmanager;

    public DemoGuide(ServicesConfig c) {
        this(c, null);
    }

    /** @param alertmanager URL of the Alertmanager the notifier sends to, or null */
    public DemoGuide(ServicesConfig c, String alertmanager) {
        this.c = c;
        this.alertmanager = alertmanager;
    }

    /** The InfluxQL query of the README: p95 and p99 per route over the last 10 minutes. */
    public String statsQuery() {
        return "SELECT last(p95) AS p95, last(p99) AS p99, last(\"count\") AS events FROM " + STATS_MEASUREMENT
            + " WHERE time > now() - 15m GROUP BY metric, service, route, \"window\"";
    }

    /** The {@code influx} command line running {@code q} against the demo's database. */
    public String influxCommand(String q) {
        return "influx -host " + c.influxHost() + " -port " + c.influxPort() + " -database " + c.influxDatabase()
            + " -precision rfc3339 -execute '" + q + "'"; // the queries hold no single quote
    }

    public void print(PrintStream out) {
        out.println("perfstream demo is running. Ctrl-C stops everything this run started.");
        out.println("  Kafka     " + c.bootstrapServers() + "   topics " + String.join(", ", c.topics()));
        out.println("  InfluxDB  " + c.influxUrl() + "   database " + c.influxDatabase());
        if (c.registry().enabled()) {
            out.println("  registry  " + c.registry().url() + "   (every topic carries Confluent Avro)");
        }
        if (alertmanager != null) {
            out.println("  alerts    " + alertmanager + "   (Alertmanager: every perfstream alert, with silences and grouping)");
        }
        out.println("  logs      " + c.logDir());
        out.println("Look at the results:");
        out.println("  " + influxCommand(statsQuery()));
        out.println("  " + influxCommand("SHOW MEASUREMENTS"));
        out.println("  deploy/perfstream alerts   # live alerts, readable");
        if (alertmanager != null) {
            out.println("  amtool --alertmanager.url=" + alertmanager + " alert query   # what Alertmanager holds (or its UI)");
        }
        String stats = c.topics().get(Topics.ALL.indexOf(Topics.STATS));
        String dlq = c.topics().get(Topics.ALL.indexOf(Topics.DEADLETTER));
        if (c.registry().enabled()) {
            out.println("  deploy/perfstream tail " + stats + "   # window stats as they close, as JSON lines");
            out.println("  deploy/perfstream tail " + dlq + " --from-beginning   # dead letters with reasons");
        } else {
            out.println("  kcat -b " + c.bootstrapServers() + " -C -t " + stats + " -o end -u   # window stats as they close");
            out.println("  kcat -b " + c.bootstrapServers() + " -C -t " + dlq + " -o beginning -u   # dead letters with reasons");
        }
    }

    /**
     * Polls InfluxDB until any measurement holds a point and prints the time since {@code t0}. Runs
     * until then; a note is printed every 30 s so a silent pipeline is visible.
     */
    public void awaitFirstPoint(InfluxService influx, long t0, PrintStream out) throws InterruptedException {
        long nextNote = System.currentTimeMillis() + 30_000;
        while (true) {
            String answer = influx.query("SHOW MEASUREMENTS");
            if (answer != null && answer.contains("\"values\"")) {
                out.printf(Locale.ROOT, "first point in InfluxDB %.1f s after the command: %s%n",
                    (System.currentTimeMillis() - t0) / 1e3, answer.trim());
                return;
            }
            if (System.currentTimeMillis() > nextNote) {
                out.printf(Locale.ROOT, "  (no point in InfluxDB yet, %.0f s after the command; windows close after"
                    + " their end plus grace)%n", (System.currentTimeMillis() - t0) / 1e3);
                nextNote += 30_000;
            }
            Thread.sleep(500);
        }
    }
}
