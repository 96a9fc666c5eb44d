package dev.perfstream.deploy.cli;

import dev.perfstream.deploy.demo.DemoGuide;
import dev.perfstream.deploy.demo.Orchestrator;
import dev.perfstream.deploy.demo.PipelineStages;
import dev.perfstream.ingest.loadgen.LoadgenConfig;
import dev.perfstream.deploy.services.InfluxService;
import dev.perfstream.deploy.services.LocalService;
import dev.perfstream.deploy.services.AlertmanagerService;
import dev.perfstream.deploy.services.LocalServices;
import dev.perfstream.deploy.services.ServiceException;
import dev.perfstream.deploy.services.ServicesConfig;
import dev.perfstream.ingest.loadgen.LoadgenConfig;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import dev.perfstream.streams.stage.StreamsProperties;
import dev.perfstream.streams.stats.StatsConfig;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code perfstream demo}: the all-in-one local run. Starts (or reuses) Kafka and InfluxDB, then the
 * pipeline stages in this JVM, then the load generator; prints where to look and the time until the
 * first point reached InfluxDB; Ctrl-C stops, in reverse order, everything this run started.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Runs the whole pipeline locally until Ctrl-C: Kafka, InfluxDB, schema registry, stages, sink, load generator.",
        "Services on loopback, data under services.dir (.perfstream/). Services already running (services start)",
        "are reused and left running; Ctrl-C stops everything this run started."})
public final class DemoCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions opts;

    private final PrintStream out = System.out;
    /** How long a stop waits for services that are still starting before it stops them anyway. */
    static final Duration START_WAIT_ON_STOP = Duration.ofSeconds(20);

    @Override
    public Integer call() throws Exception {
        long t0 = startMillis();
        Settings settings = opts.load();
        ServicesConfig c = ServicesConfig.from(settings, Home.path());
        Optional<AlertmanagerService> am = AlertmanagerService.from(settings, c);
        LocalServices services = LocalServices.standard(c, System.getProperty("java.class.path"), out).with(am);
        Settings stageSettings = stageSettings(settings, c, am);
        boolean notify = stageSettings.string(AlertmanagerService.KEY_URL, null) != null
            || stageSettings.string("alerts.webhook.url", null) != null;
        boolean otlp = "otlp".equals(stageSettings.get(LoadgenConfig.FORMAT));
        Orchestrator stages = new Orchestrator(PipelineStages.demo(notify, otlp), out);
        // What this run starts: the services not running before it. A stop (Ctrl-C, SIGTERM) at any moment stops
        // them, also while they are still starting: the hook waits for the start in progress (every service is
        // spawned at its beginning), then stops what this run spawned, so nothing it started outlives it.
        List<LocalService> ours = services.notRunning();
        CountDownLatch startReturned = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            stopping.set(true);
            out.println("\nstopping the demo ...");
            stages.close(); // and no stage starts after it (Orchestrator)
            try {
                if (!startReturned.await(START_WAIT_ON_STOP.toSeconds(), TimeUnit.SECONDS)) {
                    out.println("  services still starting after " + START_WAIT_ON_STOP.toSeconds() + " s: stopping them anyway");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            services.stop(ours);
            stopped.countDown();
        }, "perfstream-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        out.println("perfstream demo: starting services (data under " + c.dir() + ")");
        try {
            services.start();
        } catch (ServiceException e) {
            System.err.println("perfstream: " + e.getMessage());
            return 1; // the shutdown hook stops what this run started
        } finally {
            startReturned.countDown();
        }
        if (stopping.get()) { // stopped while the services started: the hook stops them, nothing else starts
            stopped.await();
            return 0;
        }
        out.printf(Locale.ROOT, "services ready %.1f s after the command%n", (System.currentTimeMillis() - t0) / 1e3);

        out.println("starting the pipeline:");
        try {
            stages.start(stageSettings);
        } catch (Exception e) {
            System.err.println("perfstream: " + e.getMessage());
            return 1; // the shutdown hook stops the services this run started
        }
        if (stopping.get()) {
            stopped.await();
            return 0;
        }
        out.printf(Locale.ROOT, "pipeline running %.1f s after the command%n%n", (System.currentTimeMillis() - t0) / 1e3);
        DemoGuide guide = new DemoGuide(c, notify ? stageSettings.string(AlertmanagerService.KEY_URL, null) : null);
        guide.print(out);
        guide.awaitFirstPoint(new InfluxService(c), t0, out);
        stopped.await();
        return 0;
    }

    /**
     * Settings for the stages: the user's, plus demo defaults below them: state and the incident
     * truth file under the services folder (a demo never writes into the working directory), a
     * short grace period so the first windows close within a minute, a load generator that
     * runs as long as a demo reasonably does, and the local registry's {@code schema.registry.url}
     * (so every topic carries Confluent Avro).
     */
    static Settings stageSettings(Settings user, ServicesConfig c, Optional<AlertmanagerService> am) {
        Map<String, String> m = new TreeMap<>();
        // the notifier sends every alert to the local Alertmanager (its UI and amtool show them)
        am.ifPresent(a -> m.put(AlertmanagerService.KEY_URL, a.address()));
        m.put(StreamsProperties.STATE_DIR.name(), c.dir().resolve("state").toString());
        m.put(LoadgenConfig.INCIDENTS_FILE.name(), c.dir().resolve("incidents.jsonl").toString());
        m.put(LoadgenConfig.DURATION.name(), "24h");
        // a healthy system whose default KPIs hold, and an incident 4 minutes in, then one every 20 minutes
        m.put(LoadgenConfig.PROFILE.name(), "demo");
        m.put(LoadgenConfig.INCIDENTS_FIRST.name(), "4m");
        m.put(LoadgenConfig.INCIDENTS_EVERY.name(), "20m");
        m.put(StatsConfig.GRACE.name(), "5s");
        if (c.registry().enabled()) {
            // Every stage reads and writes Confluent Avro through the local registry; the load generator produces Avro.
            m.put(ServicesConfig.KEY_REGISTRY_URL, c.registry().url());
        }
        m.putAll(user.asMap());
        return Settings.of(m);
    }

    /** When the command started: the launcher passes its start time, otherwise this JVM's. */
    private static long startMillis() {
        String t0 = System.getenv("PERFSTREAM_T0");
        if (t0 != null && t0.matches("[0-9]{13}")) {
            return Long.parseLong(t0);
        }
        return ManagementFactory.getRuntimeMXBean().getStartTime();
    }
}
