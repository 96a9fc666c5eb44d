package dev.perfstream.streams.window;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.streams.retry.OutputSchemas;
import dev.perfstream.streams.retry.ParkedRecords;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.LogAndFailExceptionHandler;
import org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires and starts the stats stage; {@link #close()} shuts it down cleanly. */
public final class StatsApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatsApp.class);
    private final KafkaStreams streams;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private final AtomicLong parked;

    private StatsApp(KafkaStreams streams, AtomicLong parked) {
        this.streams = streams;
        this.parked = parked;
    }

    /** Validates the configuration (all problems at once), then starts the stage. */
    public static StatsApp start(Settings settings) {
        StatsConfig c = StatsConfig.from(settings);
        AtomicLong parked = new AtomicLong();
        Topology topology = StatsTopology.build(c, settings, Clock.systemUTC(), parked);
        // Encoding a result must never need the registry (see ParkedRecords): register the outputs first.
        OutputSchemas.register(ParkedRecords.forStreamThread(settings), StatsProcessor.STAGE,
            Map.of(c.statsTopic(), WindowStats.getClassSchema(), c.deadLetterTopic(), DeadLetter.getClassSchema()));
        KafkaStreams streams = new KafkaStreams(topology, properties(c));
        StatsApp app = new StatsApp(streams, parked);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stats stage failed; shutting down this instance", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            LOG.info("stats stage {} -> {}", before, now);
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                app.stopped.countDown();
            }
        });
        streams.start();
        return app;
    }

    /** The Kafka Streams properties: built here and nowhere else (the stats benchmark uses them too). */
    public static Properties properties(StatsConfig c) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Path.of(c.stateDir()).toAbsolutePath().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, c.commitInterval().toMillis());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.threads());
        // Input is read as bytes, so deserialization cannot fail; if it ever does, stop rather than skip.
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndFailExceptionHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndFailProcessingExceptionHandler.class);
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DefaultProductionExceptionHandler.class);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // The changelog (every dirty series at every commit) is several times the bytes of the input;
        // compressed, the broker and the stage's producer move a third of it (bench stats prints the sizes).
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), c.compression());
        return p;
    }

    /** Records waiting for an unreachable schema registry (0 when it answers); they are processed once it does. */
    public long parkedRecords() {
        return parked.get();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Blocks until the stage stops (Ctrl-C or failure) or the timeout passes. */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        stopped.countDown();
    }
}
