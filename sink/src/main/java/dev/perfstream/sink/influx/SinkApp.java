package dev.perfstream.sink.influx;

import dev.perfstream.runtime.KafkaMetricsBridge;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.runtime.KafkaReadiness;
import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.avro.DeadLetter;
import java.util.Optional;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.schemas.registry.RegistryConfig;
import dev.perfstream.schemas.serde.Codecs;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink: result topics into InfluxDB. A plain {@link KafkaConsumer} (not Kafka Streams: the sink
 * has no state, and InfluxDB is not a Kafka topic that transactions could cover) on one thread;
 * commit after write, retries with backoff, dead letters for what cannot be stored. Several
 * instances with the same {@code sink.group.id} share the partitions.
 */
public final class SinkApp implements StageRunner.Stage {
    private static final Logger LOG = LoggerFactory.getLogger(SinkApp.class);

    private final SinkConfig config;
    private final SinkLoop loop;
    private final Thread thread;
    private final KafkaProducer<byte[], byte[]> producer;
    private final InfluxWriter influx;
    private final SinkMetrics metrics = new SinkMetrics();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PerfstreamMetrics.Registration consumerMetrics;
    private final PerfstreamMetrics.Registration producerMetrics;
    private volatile Exception failure;
    private volatile boolean closed;

    /**
     * A schema lookup retries in the poll loop for 5 s unless schema.registry.retry.timeout says otherwise;
     * then the loop pauses and reads the record again later (SinkLoop), so polling never stops for long.
     */
    static Settings lookupsOf5s(Settings s) {
        if (s.isSet(RegistryConfig.RETRY_TIMEOUT)) {
            return s;
        }
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>(s.asMap());
        m.put(RegistryConfig.RETRY_TIMEOUT.name(), "5s");
        return Settings.of(m);
    }

    private SinkApp(SinkConfig config, Settings settings, Clock clock) {
        this.config = config;
        this.influx = config.api() == SinkConfig.Api.V2 ? new V2Writer(config) : new V1Writer(config);
        KafkaClients clients = KafkaClients.from(settings);
        this.producer = new KafkaProducer<>(producerProperties(config, clients), new ByteArraySerializer(),
            new ByteArraySerializer());
        this.consumer = new KafkaConsumer<>(consumerProperties(config, clients),
            new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.consumerMetrics = KafkaMetricsBridge.register("sink", consumer::metrics);
        this.producerMetrics = KafkaMetricsBridge.register("sink", producer::metrics);
        BatchWriter writer = new BatchWriter(influx, producer, Codecs.create(DeadLetter.getClassSchema(), settings),
            config.deadLetterTopic(), clock, metrics);
        this.loop = new SinkLoop(config, consumer, new ResultDecoder(config, lookupsOf5s(settings)), writer, clock, metrics);
        this.thread = new Thread(this::runLoop, "perfstream-sink");
    }

    /**
     * Starts the sink on its own thread. InfluxDB need not be up yet: the first batch waits for it.
     *
     * @throws IllegalArgumentException listing every invalid configuration key
     */
    public static SinkApp start(Settings settings) {
        return start(settings, Clock.systemUTC());
    }

    static SinkApp start(Settings settings, Clock clock) {
        SinkConfig c = SinkConfig.from(settings);
        if (!settings.isSet(SinkConfig.TOPICS)) {
            c = withoutMissingOptionalTopics(c, settings);
        }
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("sink").reads(c.topics()).writes(c.deadLetterTopic()).group(c.groupId()));
        LOG.info("starting {}", c);
        SinkApp app = new SinkApp(c, settings, clock);
        app.thread.start();
        return app;
    }

    /**
     * The statement, cache, impact, recommendation and RUM element topics are read by default only when they exist
     * (the stats and scoring stages create them; a cluster where they may not, or an older stage, has none): a missing
     * topic is left out with an INFO, rather than a subscription that waits on it or an authorization error.
     */
    private static SinkConfig withoutMissingOptionalTopics(SinkConfig c, Settings settings) {
        Set<String> names;
        try (Admin admin = Admin.create(KafkaClients.from(settings).admin(Map.of()))) {
            names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("sink: cannot list topics ({}); reading {}, {} and {} as well", e.toString(), c.queriesTopic(),
                c.cacheTopic(), c.impactTopic() + ", " + c.recommendationsTopic() + " and " + c.rumElementsTopic());
            return c;
        }
        List<String> topics = new ArrayList<>(c.topics());
        for (String optional : List.of(c.queriesTopic(), c.cacheTopic(), c.impactTopic(), c.recommendationsTopic(),
            c.rumElementsTopic())) {
            if (!names.contains(optional) && topics.remove(optional)) {
                LOG.info("sink: {} does not exist, not reading it (restart the sink once it does)", optional);
            }
        }
        return c.withTopics(topics);
    }

    private void runLoop() {
        try {
            loop.run();
        } catch (Exception e) {
            failure = e;
            LOG.error("sink stopped on an unexpected error", e);
        }
    }

    public SinkConfig config() {
        return config;
    }

    public SinkMetrics.Snapshot metrics() {
        return metrics.snapshot();
    }

    /** False once the loop has ended (after {@link #close()}, or on an unexpected error: see {@link #failure()}). */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** The error that ended the loop, or null. */
    public Exception failure() {
        return failure;
    }

    @Override
    public String stage() {
        return "sink";
    }

    @Override
    public Optional<String> notAlive() {
        if (failure != null) {
            return Optional.of("the sink loop stopped on an error: " + failure);
        }
        return !closed && !thread.isAlive() && thread.getState() != Thread.State.NEW
            ? Optional.of("the sink loop has ended") : Optional.empty();
    }

    @Override
    public Optional<String> notReady() {
        Optional<String> dead = notAlive();
        if (dead.isPresent()) {
            return dead;
        }
        String holding = metrics.holding();
        if (holding != null) {
            return Optional.of("holding a batch, the database does not take it: " + holding);
        }
        try {
            return KafkaReadiness.heartbeatProblem(consumer.metrics());
        } catch (RuntimeException e) {
            return Optional.of("the Kafka consumer is closed");
        }
    }

    @Override
    public boolean awaitStop(java.time.Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    /** Stops after one last flush attempt; what is not committed by then is read again on the next start. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.stop();
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close();
        influx.close();
        consumerMetrics.close();
        producerMetrics.close();
    }

    static Properties consumerProperties(SinkConfig c, KafkaClients clients) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, c.groupId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The stages upstream write with exactly-once transactions: never store aborted results.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(c.batchSize()));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, c.groupId() + "-consumer");
        return clients.consumer(p);
    }

    static Properties producerProperties(SinkConfig c, KafkaClients clients) {
        return clients.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
            ProducerConfig.CLIENT_ID_CONFIG, c.groupId() + "-deadletter"));
    }
}
