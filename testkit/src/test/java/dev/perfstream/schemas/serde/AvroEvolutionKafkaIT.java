package dev.perfstream.schemas.serde;

import static dev.perfstream.testkit.ConfluentAvroProducing.frame;
import static dev.perfstream.testkit.ConfluentAvroProducing.metric;
import static dev.perfstream.testkit.ConfluentAvroProducing.toGeneric;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.registry.RegistryConfig;
import dev.perfstream.schemas.registry.SchemaRegistryClient;
import dev.perfstream.testkit.ConfluentAvroProducing;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.RegistryTestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Broker level, with the real registry: outside producers write MetricEvents with writer schemas
 * v0 (older, no region), v1 (current) and v2 (newer, + tenant) under {@code perf.metrics-value};
 * a consuming stage (raw bytes, codec, dead letters for failures, as the Streams stages do) reads
 * every one exactly. Then the registry is down for 8 s while a fresh stage (empty caches) reads:
 * nothing is lost, nothing is dead-lettered, it resumes on its own.
 */
@Timeout(600)
class AvroEvolutionKafkaIT {
    private static KafkaTestCluster kafka;
    private static RegistryTestServer registry;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaTestCluster.start();
        registry = RegistryTestServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldReadV0V1AndV2ProducedThroughTheBrokerExactly() throws Exception {
        String topic = "evolution." + Topics.METRICS;
        kafka.createTopics(1, topic, topic + ".dlq");
        List<MetricEvent> expected = produce(topic, 900);

        Stage stage = new Stage(topic, settings("2m"));
        stage.start();
        try {
            Poll.until(Duration.ofSeconds(60), "900 decoded events", () -> stage.decoded.size() >= 900 ? true : null);
        } finally {
            stage.close();
        }

        assertThat(stage.failure.get()).isNull();
        assertThat(stage.deadLetters).isEmpty();
        assertThat(stage.decoded).containsExactlyElementsOf(expected);
    }

    @Test
    void shouldLoseNothingAndDeadLetterNothingWhileTheRegistryIsDownFor8Seconds() throws Exception {
        String topic = "outage." + Topics.METRICS;
        kafka.createTopics(1, topic, topic + ".dlq");
        List<MetricEvent> expected = produce(topic, 1500);
        // A distinct retry budget gives this stage its own client, so its caches are empty: every id needs the registry.
        Settings settings = settings("3m");
        SchemaRegistryClient client = SchemaRegistryClient.shared(RegistryConfig.from(settings));
        registry.stop();
        Instant down = Instant.now();
        Stage stage = new Stage(topic, settings);
        stage.start();
        try {
            // The outage itself: 8 s (backoff 200 ms doubling to 2 s: several attempts, far inside the 3 min retry
            // budget) during which the stage must neither fail, nor dead-letter, nor skip ahead.
            while (Duration.between(down, Instant.now()).compareTo(Duration.ofSeconds(8)) < 0) {
                assertThat(stage.failure.get()).isNull();
                assertThat(stage.deadLetters).isEmpty();
                assertThat(stage.decoded).isEmpty();
                Thread.sleep(250);
            }
            assertThat(client.failedAttempts()).as("the stage tried the registry during the outage").isGreaterThan(3);
            registry.startProcess();
            Poll.until(Duration.ofSeconds(120), "all 1500 events after the registry came back",
                () -> stage.decoded.size() >= 1500 ? true : null);
        } finally {
            stage.close();
            registry.startProcess();
        }

        assertThat(stage.failure.get()).isNull();
        assertThat(stage.deadLetters).isEmpty();
        assertThat(stage.decoded).containsExactlyElementsOf(expected);
        assertThat(endOffset(topic + ".dlq")).isZero();
    }

    private static Settings settings(String retryTimeout) {
        return Settings.of(Map.of("schema.registry.url", registry.url(), "schema.registry.retry.timeout", retryTimeout,
            "schema.registry.retry.backoff.max", "2s", "output.format", "json"));
    }

    /** Registers v0, v1, v2 under {@code <topic>-value} and produces {@code n} records cycling through them. */
    private static List<MetricEvent> produce(String topic, int n) throws Exception {
        SchemaRegistryClient producerSide = new SchemaRegistryClient(RegistryConfig.from(settings("1m")));
        Schema[] versions = {ConfluentAvroProducing.metricEventV0(), MetricEvent.getClassSchema(), ConfluentAvroProducing.metricEventV2()};
        int[] ids = new int[versions.length];
        for (int v = 0; v < versions.length; v++) {
            ids[v] = producerSide.register(ConfluentAvroCodec.subject(topic), versions[v]);
        }
        assertThat(ids).doesNotHaveDuplicates();
        List<MetricEvent> expected = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = kafka.clients().producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 5))) {
            for (int i = 0; i < n; i++) {
                int v = i % 3;
                MetricEvent e = metric(i);
                p.send(new ProducerRecord<>(topic, e.getService().getBytes(),
                    frame(ids[v], toGeneric(e, versions[v], Map.of("tenant", "tenant-" + (i % 5))))));
                expected.add(v == 0 ? MetricEvent.newBuilder(e).setRegion(null).build() : e);
            }
            p.flush();
        }
        return expected;
    }

    private static long endOffset(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = kafka.clients().consumer()) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    /**
     * A minimal consuming stage, shaped like the Streams stages: raw bytes in, {@link Codecs#create}
     * to decode, a {@link DecodeException} becomes a dead letter (with its reason) on {@code <topic>.dlq},
     * anything else fails the stage. Runs on its own thread until closed.
     */
    private static final class Stage implements AutoCloseable {
        final List<MetricEvent> decoded = Collections.synchronizedList(new ArrayList<>());
        final List<String> deadLetters = Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<Exception> failure = new AtomicReference<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Stage(String topic, Settings settings) {
            RecordCodec<MetricEvent> codec = Codecs.create(MetricEvent.getClassSchema(), settings);
            RecordCodec<DeadLetter> dlq = Codecs.create(DeadLetter.getClassSchema(), settings);
            this.thread = new Thread(() -> run(topic, codec, dlq), "stage-" + topic);
        }

        void start() {
            thread.start();
        }

        private void run(String topic, RecordCodec<MetricEvent> codec, RecordCodec<DeadLetter> dlq) {
            try (KafkaConsumer<byte[], byte[]> c = kafka.clients().consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "stage-" + topic));
                 KafkaProducer<byte[], byte[]> p = kafka.clients().producer()) {
                c.subscribe(List.of(topic));
                while (running.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        try {
                            decoded.add(codec.decode(r.topic(), r.value()));
                        } catch (DecodeException e) {
                            deadLetters.add(e.code() + ": " + e.getMessage());
                            DeadLetter d = DeadLetters.of(e.code(), e.getMessage(), "test", r.topic(), r.partition(), r.offset(),
                                r.timestamp(), r.key(), r.value(), Instant.now());
                            p.send(new ProducerRecord<>(topic + ".dlq", r.key(), dlq.encode(topic + ".dlq", d))).get();
                        }
                    }
                    c.commitSync();
                }
            } catch (Exception e) {
                failure.set(e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }
}
