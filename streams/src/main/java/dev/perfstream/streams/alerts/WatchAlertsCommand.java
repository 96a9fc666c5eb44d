package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.serde.TopicFollower;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code perfstream alerts}: prints the live alert stream from perf.alerts, one readable block per
 * notification. Reads committed records only (the stage is transactional), without a consumer
 * group, so watching never disturbs other subscribers.
 */
@Command(name = "alerts", mixinStandardHelpOptions = true,
    description = {"Print the live alert stream from perf.alerts readably (Ctrl-C to stop).",
        "Avro alerts are read through schema.registry.url (default: the local registry, " + WatchAlertsCommand.LOCAL_REGISTRY + ")."})
public final class WatchAlertsCommand implements Callable<Integer> {
    /** The registry {@code deploy/perfstream demo} and {@code services start} run. */
    static final String LOCAL_REGISTRY = "http://127.0.0.1:8081/apis/ccompat/v7";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Option(names = {"-c", "--config"}, description = "Properties file with settings.")
    Path config;

    @Option(names = {"-b", "--bootstrap-servers"}, description = "Kafka bootstrap servers (default: kafka.bootstrap.servers or 127.0.0.1:9092).")
    String bootstrap;

    @Option(names = "--topic", description = "Alerts topic (default: topic.alerts or perf.alerts).")
    String topic;

    @Option(names = "--from-beginning", description = "Start with the oldest alert still in the topic, not only new ones.")
    boolean fromBeginning;

    @Option(names = "--max", description = "Exit after this many alerts (default: run until Ctrl-C).")
    long max = Long.MAX_VALUE;

    @Option(names = "--no-color", description = "No ANSI colours (default: colours when writing to a terminal).")
    boolean noColor;

    @Override
    public Integer call() throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        if (bootstrap != null) {
            o.put("kafka.bootstrap.servers", bootstrap);
        }
        if (topic != null) {
            o.put("topic.alerts", topic);
        }
        Settings loaded = Settings.load(config, System.getenv(), o);
        loaded.throwIfInvalid("perfstream");
        // Decoding only: Avro alerts (the demo's) resolve through the local registry unless another is configured;
        // JSON alerts never touch it.
        Map<String, String> m = new LinkedHashMap<>();
        m.put("schema.registry.url", LOCAL_REGISTRY);
        m.putAll(loaded.asMap());
        m.put("output.format", "json");
        Settings s = Settings.of(m);
        KafkaClients clients = KafkaClients.from(s);
        String t = s.get(TopicKeys.ALERTS);
        RecordCodec<Alert> codec = Codecs.create(Alert.getClassSchema(), s);
        boolean color = !noColor && System.console() != null;
        return watch(clients, t, codec, fromBeginning, max, color, System.out);
    }

    static int watch(KafkaClients clients, String topic, RecordCodec<Alert> codec, boolean fromBeginning, long max,
                     boolean color, PrintStream out) {
        out.printf("watching %s on %s (%s)%n", topic, clients.bootstrapServers(), fromBeginning ? "from the beginning" : "new alerts only");
        out.flush();
        TopicFollower.follow(clients, topic, fromBeginning, max, r -> {
            try {
                out.println(format(codec.decode(topic, r.value()), color));
            } catch (DecodeException | dev.perfstream.schemas.registry.RegistryException e) {
                out.printf("?? undecodable record at %s-%d@%d: %s%n", r.topic(), r.partition(), r.offset(), e.getMessage());
            }
            out.flush();
        });
        return 0;
    }

    /** Two lines: time, state and the summary (which starts with the severity); then the playbook hint. */
    static String format(Alert a, boolean color) {
        boolean firing = a.getState() == AlertState.FIRING;
        String on = color ? (firing ? "\u001b[1;31m" : "\u001b[1;32m") : "";
        String off = color ? "\u001b[0m" : "";
        String dim = color ? "\u001b[2m" : "";
        String second = firing ? "playbook: " + a.getPlaybook()
            : "window " + TIME.format(a.getWindowStart()) + " .. " + TIME.format(a.getWindowEnd());
        return String.format("%s %s%-8s%s %s%n    %s%s  [fingerprint %s]%s", TIME.format(a.getNotifiedAt()), on,
            a.getState(), off, a.getSummary(), dim, second, a.getFingerprint(), off);
    }
}
