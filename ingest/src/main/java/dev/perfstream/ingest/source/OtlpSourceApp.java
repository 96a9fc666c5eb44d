package dev.perfstream.ingest.source;

import dev.perfstream.runtime.KafkaMetricsBridge;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.runtime.KafkaReadiness;
import dev.perfstream.runtime.StageRunner;
import java.util.Optional;
import org.slf4j.LoggerFactory;
import dev.perfstream.ingest.otlp.CumulativeStreams;
import dev.perfstream.ingest.otlp.OtlpConverter;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.validate.CardinalityGuard;
import dev.perfstream.schemas.validate.EventValidator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Wires and starts the OTLP Kafka source ({@code perfstream run otlp}) on a thread of its own. */
public final class OtlpSourceApp implements StageRunner.Stage {
    static final String STAGE = "otlp";
    private final OtlpSource source;
    private final Thread thread;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PerfstreamMetrics.Registration consumerMetrics;
    private final PerfstreamMetrics.Registration producerMetrics;
    private volatile Throwable failure;
    private volatile boolean closed;

    private OtlpSourceApp(OtlpSource source, KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<String, byte[]> producer) {
        this.source = source;
        this.consumer = consumer;
        this.producer = producer;
        this.consumerMetrics = KafkaMetricsBridge.register(STAGE, consumer::metrics);
        this.producerMetrics = KafkaMetricsBridge.register(STAGE, producer::metrics);
        this.thread = new Thread(() -> {
            try {
                source.run();
            } catch (RuntimeException | Error e) {
                failure = e;
                LoggerFactory.getLogger(OtlpSourceApp.class).error("otlp source stopped on an unexpected error", e);
            }
        }, "perfstream-otlp-source");
    }

    public static OtlpSourceApp start(Settings settings) {
        OtlpSourceConfig c = OtlpSourceConfig.from(settings);
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("otlp source").reads(c.spansTopic(), c.metricsIn())
            .writes(c.metricsTopic(), c.deadletterTopic()).group(c.groupId()));
        KafkaClients clients = KafkaClients.from(settings);
        Clock clock = Clock.systemUTC();
        CardinalityGuard guard = new CardinalityGuard(c.routesPerService());
        OtlpConverter converter = new OtlpConverter(EventValidator.withDefaults(clock),
            (service, route) -> {
                synchronized (guard) {
                    return guard.admit(service, route);
                }
            }, new CumulativeStreams(c.maxStreams(), clock.millis() * 1_000_000));
        OtlpRecords records = new OtlpRecords(c, converter, Codecs.create(MetricEvent.getClassSchema(), settings),
            Codecs.create(DeadLetter.getClassSchema(), settings), clock);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(clients.consumer(Map.of(
            ConsumerConfig.GROUP_ID_CONFIG, c.groupId(), ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(Map.of(
            ProducerConfig.CLIENT_ID_CONFIG, "perfstream-otlp", ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true", ProducerConfig.LINGER_MS_CONFIG, "5")),
            new StringSerializer(), new ByteArraySerializer());
        OtlpSourceApp app = new OtlpSourceApp(new OtlpSource(consumer, producer, records,
            List.of(c.spansTopic(), c.metricsIn())), consumer, producer);
        app.thread.start();
        return app;
    }

    /** @return true once the source has stopped */
    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    @Override
    public String stage() {
        return STAGE;
    }

    @Override
    public Optional<String> notAlive() {
        if (failure != null) {
            return Optional.of("the otlp source stopped on an error: " + failure);
        }
        return !closed && !thread.isAlive() ? Optional.of("the otlp source loop has ended") : Optional.empty();
    }

    @Override
    public Optional<String> notReady() {
        Optional<String> dead = notAlive();
        if (dead.isPresent() || closed) {
            return dead.isPresent() ? dead : Optional.of("stopping");
        }
        try {
            return KafkaReadiness.heartbeatProblem(consumer.metrics());
        } catch (RuntimeException e) {
            return Optional.of("the Kafka consumer is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        source.stop();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
        consumerMetrics.close();
        producerMetrics.close();
    }
}
