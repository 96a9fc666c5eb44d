package dev.perfstream.ingest.collector;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code perfstream collector}: the beacon and batch collector, in the foreground until Ctrl-C. */
@Command(name = "collector", mixinStandardHelpOptions = true,
    description = {"Runs the HTTP collector: browser beacons on POST /rum (into perf.rum), service metric batches on "
        + "POST /v1/metrics (API key; into perf.metrics), the RUM snippet on GET /perfstream-rum.js, /healthz, /readyz "
        + "and Prometheus metrics on /metrics. Stops on Ctrl-C."})
public final class CollectorCommand implements Callable<Integer> {
    @Option(names = "--port", description = "Port to listen on (default: collector.port or 8088).")
    Integer port;

    @Option(names = "--host", description = "Address to bind (default: collector.host or 127.0.0.1).")
    String host;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: kafka.bootstrap.servers or 127.0.0.1:9092).")
    String bootstrap;

    @Option(names = "--cors-origins", description = "Comma-separated origins allowed to send beacons, e.g. https://shop.example.com.")
    String origins;

    @Option(names = "--api-keys", description = "Comma-separated API keys accepted on /v1/metrics.")
    String apiKeys;

    @Mixin
    SettingsOptions options;

    @Override
    public Integer call() throws Exception {
        Map<String, String> o = new HashMap<>();
        put(o, "collector.port", port);
        put(o, "collector.host", host);
        put(o, "kafka.bootstrap.servers", bootstrap);
        put(o, "collector.cors.origins", origins);
        put(o, "collector.api.keys", apiKeys);
        CountDownLatch stop = new CountDownLatch(1);
        CollectorApp started;
        try {
            started = CollectorApp.start(options.load(o));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        try (CollectorApp app = started) {
            System.out.printf("collector: listening on port %d; script tag: <script src=\"http://%s:%d/perfstream-rum.js\" "
                + "data-app=\"my-app\" async></script>; Ctrl-C to stop%n", app.port(),
                host == null ? "127.0.0.1" : host, app.port());
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return 0;
    }

    private static void put(Map<String, String> o, String key, Object v) {
        if (v != null) {
            o.put(key, v.toString());
        }
    }
}
