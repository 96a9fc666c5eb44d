package dev.perfstream.ingest.loadgen;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perfstream loadgen}: synthetic metric and RUM traffic with scripted incidents, into Kafka. */
@Command(name = "loadgen", mixinStandardHelpOptions = true,
    description = {"Produces synthetic service metrics and RUM events to Kafka: several services and routes with "
        + "lognormal latencies, daily and weekly traffic shape, DB and CPU/memory metrics, Web Vitals for several "
        + "pages and device classes, and scripted incidents (latency spike, error burst, traffic surge, slow database).",
        "Simulated time runs --speedup times faster than the wall clock; the simulated window ends when the run ends, "
            + "so no event is stamped in the future (limit: duration x speedup <= 6 days)."})
public final class LoadgenCommand implements Callable<Integer> {
    @Option(names = "--rate", description = "Events per second written to Kafka (default: loadgen.rate or 200).")
    Double rate;

    @Option(names = "--duration", description = "Run time, e.g. 10m, 1h (default: loadgen.duration or 10m). With --speedup 0, the simulated span.")
    String duration;

    @Option(names = "--speedup", description = "Simulated seconds per wall-clock second; 0 = as fast as possible (default: loadgen.speedup or 1).")
    Double speedup;

    @Option(names = "--seed", description = "Random seed; same seed and window give the same events (default: loadgen.seed or 42).")
    Long seed;

    @Option(names = "--incidents", paramLabel = "FILE", description = "Write the scheduled incidents here as JSON lines.")
    Path incidentsFile;

    @Option(names = "--incident-script", paramLabel = "FILE", description = "Use the incidents in this JSON-lines file instead of the scripted ones.")
    Path script;

    @Option(names = "--no-incidents", description = "Generate no incidents.")
    boolean noIncidents;

    @Option(names = "--start", description = "Simulated start instant (ISO-8601); default: the window ends when the run ends.")
    String start;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: kafka.bootstrap.servers or 127.0.0.1:9092).")
    String bootstrap;

    @Mixin
    SettingsOptions options;

    @Override
    public Integer call() throws Exception {
        Map<String, String> o = new HashMap<>();
        putIf(o, "loadgen.rate", rate);
        putIf(o, "loadgen.duration", duration);
        putIf(o, "loadgen.speedup", speedup);
        putIf(o, "loadgen.seed", seed);
        if (noIncidents) {
            o.put("loadgen.incidents.enabled", "false");
        }
        putIf(o, "loadgen.incidents.file", incidentsFile);
        putIf(o, "loadgen.incidents.script", script);
        putIf(o, "loadgen.start", start);
        putIf(o, "kafka.bootstrap.servers", bootstrap);
        Settings settings = options.load(o);
        LoadgenApp started;
        try {
            started = LoadgenApp.start(settings);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        try (LoadgenApp app = started) {
            System.out.printf(Locale.ROOT, "loadgen: simulating %s .. %s, %d incidents%s%n", app.from(), app.to(),
                app.incidents().size(), app.config().incidentsFile() == null ? "" : " (written to " + app.config().incidentsFile() + ")");
            app.incidents().forEach(i -> System.out.printf(Locale.ROOT, "  %-14s %s %s %s .. %s x%.2f%n", i.kind(),
                i.service(), i.route() == null ? "*" : i.route(), i.start(), i.end(), i.magnitude()));
            Runtime.getRuntime().addShutdownHook(new Thread(app::close));
            long t0 = System.nanoTime();
            long last = 0;
            while (!app.awaitCompletion(5, TimeUnit.SECONDS)) {
                long n = app.metricsSent() + app.rumSent();
                System.out.printf(Locale.ROOT, "loadgen: %s simulated, %d events (%d metric, %d RUM), %.0f/s, %d acked, %d failed%n",
                    app.simulatedNow(), n, app.metricsSent(), app.rumSent(), (n - last) / 5.0, app.acked(), app.failed());
                last = n;
            }
            System.out.printf(Locale.ROOT, "loadgen: done, %d metric and %d RUM events, %d acked, %d failed in %s%n",
                app.metricsSent(), app.rumSent(), app.acked(), app.failed(),
                Duration.ofNanos(System.nanoTime() - t0).withNanos(0));
            return app.failed() == 0 ? 0 : 1;
        }
    }

    private static void putIf(Map<String, String> o, String key, Object v) {
        if (v != null) {
            o.put(key, v.toString());
        }
    }
}
