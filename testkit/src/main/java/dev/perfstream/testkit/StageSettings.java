package dev.perfstream.testkit;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.registry.RegistryConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The settings of one stage in one test: the cluster's bootstrap servers, topic names and application ids unique
 * to the test (a tag plus a counter, so two tests of a class never share a topic or a group), a fresh state
 * folder under {@code java.io.tmpdir}, the registry when there is one. Keys are the declared ones
 * ({@link ConfigKey}); stage-specific keys come with {@link #put}.
 */
public final class StageSettings {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final KafkaTestCluster kafka;
    private final String tag;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> topics = new ArrayList<>();

    private StageSettings(KafkaTestCluster kafka, String tag) {
        this.kafka = kafka;
        this.tag = tag + "-" + SEQ.incrementAndGet();
        values.put(KafkaClients.BOOTSTRAP_SERVERS.name(), kafka.bootstrapServers());
    }

    /** Settings on {@code kafka} whose names end in {@code tag} and a number of this JVM. */
    public static StageSettings on(KafkaTestCluster kafka, String tag) {
        return new StageSettings(kafka, tag);
    }

    /** The unique tag of these settings ({@code tag-N}). */
    public String tag() {
        return tag;
    }

    /**
     * Names the topic of {@code key} {@code <short name>-<tag>} (e.g. {@code stats-pay-3} for {@code topic.stats});
     * {@link #createTopics} creates it.
     */
    public StageSettings topic(ConfigKey<String> key) {
        String name = key.name().substring(key.name().indexOf('.') + 1).replace('.', '-') + "-" + tag;
        values.put(key.name(), name);
        topics.add(name);
        return this;
    }

    /** {@link #topic} for each key. */
    @SafeVarargs
    public final StageSettings topics(ConfigKey<String>... keys) {
        for (ConfigKey<String> k : keys) {
            topic(k);
        }
        return this;
    }

    /** The topic name given to {@code key}. */
    public String topicName(ConfigKey<String> key) {
        String v = values.get(key.name());
        if (v == null) {
            throw new IllegalArgumentException(key.name() + " has no topic in these settings");
        }
        return v;
    }

    /** Sets {@code <key>} to {@code <prefix>-<tag>}: an application id or consumer group of this test alone. */
    public StageSettings applicationId(String key, String prefix) {
        values.put(key, prefix + "-" + tag);
        return this;
    }

    /** Points {@code state.dir} (or another folder key) at a new folder under {@code java.io.tmpdir}. */
    public StageSettings tempDir(String key) {
        values.put(key, freshDir(tag).toString());
        return this;
    }

    /** A new empty folder under {@code java.io.tmpdir} (which the build points under {@code target/}). */
    public static Path freshDir(String prefix) {
        try {
            return Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), prefix + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The folder {@link #tempDir} made for {@code key}. */
    public Path path(String key) {
        return Path.of(values.get(key));
    }

    /** Uses the registry: {@code schema.registry.url}. */
    public StageSettings registry(RegistryTestServer registry) {
        values.put(RegistryConfig.URLS.name(), registry.url());
        return this;
    }

    /** Any other setting. */
    public StageSettings put(String key, String value) {
        values.put(key, value);
        return this;
    }

    /** A declared setting. */
    public StageSettings put(ConfigKey<?> key, String value) {
        return put(key.name(), value);
    }

    /** Every setting in {@code more}. */
    public StageSettings putAll(Map<String, String> more) {
        values.putAll(more);
        return this;
    }

    /** Creates every topic named with {@link #topic} with {@code partitions} partitions; returns this. */
    public StageSettings createTopics(int partitions) {
        try {
            kafka.createTopics(partitions, topics.toArray(String[]::new));
        } catch (Exception e) {
            throw new IllegalStateException("cannot create " + topics, e);
        }
        return this;
    }

    public String get(String key) {
        return values.get(key);
    }

    /** A copy of the values. */
    public Map<String, String> map() {
        return new LinkedHashMap<>(values);
    }

    /** The values as perfstream {@link Settings}. */
    public Settings settings() {
        return Settings.of(map());
    }

    /** The usual topic keys of a stats stage, for brevity: metrics, rum, stats, dead letters. */
    public StageSettings statsTopics() {
        return topics(TopicKeys.METRICS, TopicKeys.RUM, TopicKeys.STATS, TopicKeys.DEADLETTER);
    }
}
