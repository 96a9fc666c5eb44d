package dev.perfstream.streams.stage;

import dev.perfstream.schemas.config.ConfigCatalog;
import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.LogAndFailExceptionHandler;
import org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams properties of every stage, built here and nowhere else. Precedence, lowest first:
 * the stage's own tuning, the user's client settings ({@code kafka.client.config}, {@code kafka.client.*},
 * then {@code kafka.producer.*} / {@code kafka.consumer.*} / {@code kafka.admin.*} as Streams' client
 * prefixes), {@code kafka.streams.*}, and last what every stage must have: application id, brokers,
 * exactly-once v2, state directory, commit interval, threads and the exception handlers below.
 *
 * <p>One failure policy for all stages. Every stage reads its input as bytes and decodes, validates and
 * dead-letters bad records itself (the decode node), so bad input never reaches Kafka Streams' handlers.
 * What does reach them is a bug or corruption: a record of our own internal topics that does not
 * deserialize, an exception from a processor, a record the broker refuses. Skipping it
 * ({@code LogAndContinue}) would commit past it and lose it silently, so each handler fails instead, and
 * a failed stream thread shuts the whole client down ({@code SHUTDOWN_CLIENT}) rather than being
 * replaced: a replaced thread resumes from the last commit, meets the same record and fails again, in a
 * loop that looks alive. A stopped stage exits non-zero, its supervisor restarts it, the log says why,
 * and exactly-once guarantees nothing was half-written.
 */
public final class StreamsProperties {
    private static final Logger LOG = LoggerFactory.getLogger(StreamsProperties.class);

    public static final ConfigKey<String> STATE_DIR = ConfigKey.string("state.dir", ".perfstream/state")
        .doc("Local state of the Kafka Streams stages (RocksDB stores, restored from changelogs when lost); relative "
            + "to the working directory. The demo puts it under services.dir.");
    public static final ConfigKey<String> STREAMS = ConfigKey.passThrough("kafka.streams.")
        .doc("A Kafka Streams setting for the stats, alerts and scoring stages (kafka.streams.replication.factor=3); "
            + "overrides kafka.client.* and the stage's own tuning; checked against Kafka Streams' settings at start.");

    /** What a stage sets about itself. */
    public record Stage(String name, String applicationId, Path stateDir, Duration commitInterval, int threads) {
    }

    private static final Map<String, String> FIXED = fixed();

    private StreamsProperties() {
    }

    /**
     * The properties of a stage from its settings ({@code kafka.client.*}, {@code kafka.streams.*}, ...).
     *
     * @throws IllegalArgumentException listing every rejected client or Streams setting
     */
    public static Properties build(Settings settings, Stage stage, Map<String, ?> tuning) {
        KafkaClients clients = KafkaClients.from(settings);
        Map<String, String> streams = settings.withPrefix(STREAMS.prefix());
        List<String> problems = new ArrayList<>();
        streams.forEach((k, v) -> {
            String p = streamsProblem(k, v);
            if (p != null) {
                problems.add(STREAMS.prefix() + k + ": " + p);
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Kafka Streams configuration:\n  - " + String.join("\n  - ", problems));
        }
        return build(clients, streams, stage, tuning);
    }

    /**
     * @param tuning the stage's own settings, Streams-level or with Streams' client prefixes
     *               ({@code producer.linger.ms}); the user's settings override them
     */
    public static Properties build(KafkaClients clients, Map<String, String> streamsSettings, Stage stage,
                                   Map<String, ?> tuning) {
        Properties p = new Properties();
        p.putAll(tuning);
        clients.common().forEach((k, v) -> {
            // a user's kafka.client.X beats the stage's producer.X / consumer.X tuning
            for (String prefix : new String[] {StreamsConfig.PRODUCER_PREFIX, StreamsConfig.CONSUMER_PREFIX,
                StreamsConfig.ADMIN_CLIENT_PREFIX, StreamsConfig.MAIN_CONSUMER_PREFIX,
                StreamsConfig.RESTORE_CONSUMER_PREFIX, StreamsConfig.GLOBAL_CONSUMER_PREFIX}) {
                p.remove(prefix + k);
            }
            p.put(k, v);
        });
        clients.role(KafkaClients.Role.PRODUCER).forEach((k, v) -> p.put(StreamsConfig.producerPrefix(k), v));
        clients.role(KafkaClients.Role.CONSUMER).forEach((k, v) -> p.put(StreamsConfig.consumerPrefix(k), v));
        clients.role(KafkaClients.Role.ADMIN).forEach((k, v) -> p.put(StreamsConfig.adminClientPrefix(k), v));
        p.putAll(streamsSettings);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, stage.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, clients.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stage.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, stage.commitInterval().toMillis());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, stage.threads());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndFailExceptionHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndFailProcessingExceptionHandler.class);
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DefaultProductionExceptionHandler.class);
        return p;
    }

    /** Validator of {@code kafka.streams.*}: a Kafka Streams setting of the right type that perfstream does not fix. */
    public static String streamsProblem(String name, String value) {
        if (FIXED.containsKey(name)) {
            return FIXED.get(name);
        }
        ConfigDef def = StreamsConfig.configDef();
        ConfigDef.ConfigKey k = def.configKeys().get(name);
        if (k == null) {
            return "not a Kafka Streams setting" + ConfigCatalog.nearest(name, def.names())
                .map(n -> " (did you mean " + STREAMS.prefix() + n + "?)").orElse("");
        }
        return KafkaClients.valueProblem(k, name, value);
    }

    private static Map<String, String> fixed() {
        Map<String, String> m = new TreeMap<>();
        m.put(StreamsConfig.APPLICATION_ID_CONFIG, "set by perfstream: use stats.application.id, alerts.application.id "
            + "or scoring.application.id");
        m.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "set by perfstream: use kafka.bootstrap.servers");
        m.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "set by perfstream (exactly_once_v2)");
        m.put(StreamsConfig.STATE_DIR_CONFIG, "set by perfstream: use state.dir");
        m.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "set by perfstream: use the stage's *.commit.interval");
        m.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "set by perfstream: use the stage's *.threads");
        String handlers = "set by perfstream (one failure policy for every stage)";
        m.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, handlers);
        m.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, handlers);
        m.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, handlers);
        m.put("default.deserialization.exception.handler", handlers); // the former names of the two above
        m.put("default.production.exception.handler", handlers);
        return Map.copyOf(m);
    }
}
