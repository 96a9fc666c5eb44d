package dev.perfstream.streams.scoring;

import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.streams.retry.OutputSchemas;
import dev.perfstream.streams.retry.ParkedRecords;
import dev.perfstream.streams.stage.StreamsProperties;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.Topology;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;

/** Wires and starts the scoring stage ({@code application.id perfstream-scoring}). */
public final class ScoringApp implements AutoCloseable {
    private final KafkaStreams streams;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private final AtomicLong parked;

    private ScoringApp(KafkaStreams streams, AtomicLong parked) {
        this.streams = streams;
        this.parked = parked;
    }

    /** Windows waiting for an unreachable schema registry (0 when it answers). */
    public long parkedRecords() {
        return parked.get();
    }

    public static ScoringApp start(Settings settings) {
        ScoringConfig c = ScoringConfig.from(settings);
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("scoring stage").reads(c.statsTopic()).writes(c.anomaliesTopic(),
            c.forecast().enabled() ? c.forecast().topic() : null, c.alertsTopic(), c.deadletterTopic())
            .group(c.applicationId()).transactionalIds(c.applicationId()));
        AtomicLong parked = new AtomicLong();
        Topology topology = ScoringTopology.build(c, settings, new ModelStore(c.modelsDir()), Clock.systemUTC(), parked);
        // Encoding a result must never need the registry (see ParkedRecords): register the outputs first.
        OutputSchemas.register(ParkedRecords.forStreamThread(settings), "scoring", Map.of(
            c.anomaliesTopic(), Anomaly.getClassSchema(), c.forecast().topic(), Forecast.getClassSchema(),
            c.alertsTopic(), Alert.getClassSchema(), c.deadletterTopic(), DeadLetter.getClassSchema()));
        KafkaStreams streams = new KafkaStreams(topology, properties(c, settings));
        StreamsProperties.shutDownOnFailure(streams, "scoring");
        ScoringApp app = new ScoringApp(streams, parked);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                app.stopped.countDown();
            }
        });
        streams.start();
        return app;
    }

    /** The stage's Kafka Streams properties: {@link StreamsProperties}; the scoring stage has no tuning of its own. */
    public static Properties properties(ScoringConfig c, Settings settings) {
        return StreamsProperties.build(settings, new StreamsProperties.Stage("scoring", c.applicationId(),
            Path.of(c.stateDir()), settings.get(ScoringConfig.COMMIT_INTERVAL), 1), Map.of());
    }

    /** @return true once the stage has stopped (closed or failed) */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        stopped.countDown();
    }
}
