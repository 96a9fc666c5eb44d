package dev.perfstream.deploy.cli;

import dev.perfstream.deploy.services.ServicesConfig;
import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.UxImpact;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.SettingsOptions;
import dev.perfstream.schemas.json.JsonRecordCodec;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.registry.RegistryException;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.serde.TopicFollower;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code perfstream tail TOPIC}: prints the records of a perfstream topic as JSON lines, whatever
 * their wire format (JSON or Confluent Avro, detected per record, Avro through the schema
 * registry). The kcat of Debian is built without Avro support, so this is how to look at the
 * demo's topics, which carry Avro. Reads committed records only and joins no consumer group.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
    description = {"Print the records of a perfstream topic as JSON lines (Avro or JSON on the wire), until Ctrl-C.",
        "Uses schema.registry.url (default: the local registry, " + ServicesConfig.DEFAULT_REGISTRY_URL + ")."})
public final class TailCommand implements Callable<Integer> {
    @Mixin
    SettingsOptions opts;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "perf.metrics, perf.rum, perf.stats, perf.anomalies, "
        + "perf.forecasts, perf.alerts, perf.queries, perf.cache, perf.impact, perf.recommendations, perf.rum.elements or"
        + " perf.deadletter (or the name set by topic.*).")
    String topic;

    @Option(names = "--from-beginning", description = "Start with the oldest record, not only new ones.")
    boolean fromBeginning;

    @Option(names = "--max", description = "Exit after this many records (default: run until Ctrl-C).")
    long max = Long.MAX_VALUE;

    @Override
    public Integer call() throws Exception {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(ServicesConfig.KEY_REGISTRY_URL, ServicesConfig.DEFAULT_REGISTRY_URL);
        defaults.putAll(opts.load().asMap());
        Settings s = Settings.of(defaults);
        Schema schema = schemaOf(s, topic);
        if (schema == null) {
            System.err.println("perfstream: " + topic + " is not a perfstream topic (" + String.join(", ", Topics.ALL) + ")");
            return 2;
        }
        return tail(s, schema, System.out);
    }

    /** The record type of a topic, by its configured name; null if it is none of perfstream's. */
    static Schema schemaOf(Settings s, String topic) {
        Map<String, Schema> byKey = Map.ofEntries(Map.entry("topic.metrics", MetricEvent.getClassSchema()),
            Map.entry("topic.rum", RumEvent.getClassSchema()), Map.entry("topic.stats", WindowStats.getClassSchema()),
            Map.entry("topic.anomalies", Anomaly.getClassSchema()), Map.entry("topic.forecasts", Forecast.getClassSchema()),
            Map.entry("topic.alerts", Alert.getClassSchema()), Map.entry("topic.deadletter", DeadLetter.getClassSchema()),
            Map.entry("topic.queries", QueryStats.getClassSchema()), Map.entry("topic.cache", CacheStats.getClassSchema()),
            Map.entry("topic.impact", UxImpact.getClassSchema()),
            Map.entry("topic.recommendations", dev.perfstream.schemas.avro.Recommendation.getClassSchema()),
            Map.entry("topic.rum.elements", dev.perfstream.schemas.avro.RumElementStats.getClassSchema()));
        for (Map.Entry<String, String> e : ServicesConfig.topicKeys().entrySet()) {
            if (s.string(e.getKey(), e.getValue()).equals(topic)) {
                return byKey.get(e.getKey());
            }
        }
        return null;
    }

    private <T extends SpecificRecord> int tail(Settings s, Schema schema, PrintStream out) {
        RecordCodec<T> codec = Codecs.create(schema, Settings.of(withJsonOutput(s)));
        RecordCodec<T> json = JsonRecordCodec.of(schema);
        TopicFollower.follow(KafkaClients.from(s), topic, fromBeginning, max, r -> {
            out.println(line(r, codec, json));
            out.flush();
        });
        return 0;
    }

    private <T> String line(ConsumerRecord<byte[], byte[]> r, RecordCodec<T> codec, RecordCodec<T> json) {
        try {
            return new String(json.encode(topic, codec.decode(topic, r.value())), StandardCharsets.UTF_8);
        } catch (DecodeException | RegistryException e) {
            return "{\"undecodable\": \"" + (r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage())
                .replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        }
    }

    /** Decoding only: the output format must not demand anything of the registry. */
    private static Map<String, String> withJsonOutput(Settings s) {
        Map<String, String> m = new LinkedHashMap<>(s.asMap());
        m.put(Codecs.OUTPUT_FORMAT, "json");
        return m;
    }
}
