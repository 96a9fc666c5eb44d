package dev.perfstream.schemas.serde;

import static dev.perfstream.testkit.ConfluentAvroProducing.frame;
import static dev.perfstream.testkit.ConfluentAvroProducing.metric;
import static dev.perfstream.testkit.ConfluentAvroProducing.toGeneric;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.registry.RegistryConfig;
import dev.perfstream.schemas.registry.SchemaRegistryClient;
import dev.perfstream.testkit.ConfluentAvroProducing;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.RegistryTestServer;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registry outage inside a Kafka Streams application with exactly-once (as the stages run):
 * a stream thread that already sent records in its open transaction meets a new schema id while
 * the registry is down for 13 s, longer than Streams' EOS transaction timeout (10 s) and the test broker's
 * check for timed-out transactions (every 1 s). The broker aborts the transaction, the task is fenced and
 * re-processed from the last commit; once the registry is back, the committed output holds every event
 * exactly once and no dead letter.
 */
@Timeout(600)
class RegistryOutageStreamsIT {
    private static final String IN = "streams.perf.metrics";
    private static final String OUT = "streams.decoded";
    private static final String DLQ = "streams.deadletter";

    @Test
    void shouldCommitEveryEventExactlyOnceAcrossA13SecondRegistryOutage() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); RegistryTestServer registry = RegistryTestServer.start()) {
            kafka.createTopics(1, IN, OUT, DLQ);
            Settings settings = Settings.of(Map.of("schema.registry.url", registry.url(), "output.format", "json",
                "schema.registry.retry.timeout", "2m", "schema.registry.retry.backoff.max", "2s"));
            SchemaRegistryClient producerSide = new SchemaRegistryClient(RegistryConfig.from(settings));
            Schema v2 = ConfluentAvroProducing.metricEventV2();
            int v1Id = producerSide.register(IN + "-value", MetricEvent.getClassSchema());
            int v2Id = producerSide.register(IN + "-value", v2);
            List<MetricEvent> expected = new ArrayList<>();
            List<Throwable> uncaught = new CopyOnWriteArrayList<>();

            try (KafkaStreams streams = new KafkaStreams(topology(settings), props(kafka))) {
                streams.setUncaughtExceptionHandler(e -> {
                    uncaught.add(e);
                    return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
                });
                streams.start();
                // Phase 1: v1 only, registry up: the stage caches v1's id.
                produce(kafka, 0, 300, i -> frame(v1Id, toGeneric(metric(i), MetricEvent.getClassSchema(), Map.of())), expected);
                Poll.until(Duration.ofSeconds(90), "phase 1 output",
                    () -> kafka.clients().records(OUT).size() >= 300 ? true : null);

                // Phase 2: registry down; v1 records (cached id) and then v2 records (new id) in one stream.
                registry.stop();
                Instant down = Instant.now();
                produce(kafka, 300, 600, i -> i < 450
                    ? frame(v1Id, toGeneric(metric(i), MetricEvent.getClassSchema(), Map.of()))
                    : frame(v2Id, toGeneric(metric(i), v2, Map.of("tenant", "t"))), expected);
                while (Duration.between(down, Instant.now()).compareTo(Duration.ofSeconds(13)) < 0) {
                    assertThat(streams.state()).isNotIn(KafkaStreams.State.ERROR, KafkaStreams.State.NOT_RUNNING);
                    assertThat(kafka.clients().records(DLQ)).isEmpty();
                    Thread.sleep(500);
                }
                registry.startProcess();
                Poll.until(Duration.ofSeconds(180), "all 600 events committed after the outage",
                    () -> kafka.clients().records(OUT).size() >= 600 ? true : null);

                RecordCodec<MetricEvent> codec = Codecs.create(MetricEvent.getClassSchema(), settings);
                List<MetricEvent> out = kafka.clients().drain(OUT, codec::decode);
                assertThat(out).containsExactlyElementsOf(expected); // each once, in order
                assertThat(kafka.clients().records(DLQ)).isEmpty();
                assertThat(uncaught).as("the retries stayed within schema.registry.retry.timeout").isEmpty();
            }
        }
    }

    /** Raw bytes in; decoded events out as JSON; DecodeException to the dead-letter topic. */
    private static org.apache.kafka.streams.Topology topology(Settings settings) {
        RecordCodec<MetricEvent> codec = Codecs.create(MetricEvent.getClassSchema(), settings);
        RecordCodec<DeadLetter> dlq = Codecs.create(DeadLetter.getClassSchema(), settings);
        StreamsBuilder b = new StreamsBuilder();
        KStream<byte[], Object> decoded = b.stream(IN, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
            .mapValues((k, v) -> {
                try {
                    return codec.decode(IN, v);
                } catch (DecodeException e) {
                    return DeadLetters.of(e.code(), e.getMessage(), "test", IN, -1, -1, -1, k, v, Instant.now());
                }
            });
        decoded.filter((k, v) -> v instanceof MetricEvent).mapValues(v -> codec.encode(OUT, (MetricEvent) v))
            .to(OUT, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        decoded.filter((k, v) -> v instanceof DeadLetter).mapValues(v -> dlq.encode(DLQ, (DeadLetter) v))
            .to(DLQ, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return b.build();
    }

    private static Properties props(KafkaTestCluster kafka) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "registry-outage-it");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Paths.get(System.getProperty("java.io.tmpdir"), "streams-outage").toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 100);
        return p;
    }

    private static void produce(KafkaTestCluster kafka, int from, int to, java.util.function.IntFunction<byte[]> value,
                                List<MetricEvent> expected) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = kafka.clients().producer()) {
            for (int i = from; i < to; i++) {
                p.send(new ProducerRecord<>(IN, metric(i).getService().getBytes(), value.apply(i)));
                expected.add(metric(i));
            }
            p.flush();
        }
    }
}
