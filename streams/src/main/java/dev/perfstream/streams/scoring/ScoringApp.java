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
import dev.perfstream.streams.stage.StreamsStage;
import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import java.util.List;
import java.util.Optional;
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
public final class ScoringApp implements StageRunner.Stage {
    private StreamsStage stage;

    private final AtomicLong parked;

    private ScoringApp(AtomicLong parked) {
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
        ScoringApp app = new ScoringApp(parked);
        app.stage = StreamsStage.start("scoring", streams, List.of(PerfstreamMetrics.PARKED.register("scoring", parked::get)));
        return app;
    }

    /** The stage's Kafka Streams properties: {@link StreamsProperties}; the scoring stage has no tuning of its own. */
    public static Properties properties(ScoringConfig c, Settings settings) {
        return StreamsProperties.build(settings, new StreamsProperties.Stage("scoring", c.applicationId(),
            Path.of(c.stateDir()), settings.get(ScoringConfig.COMMIT_INTERVAL), 1), Map.of());
    }

    /** @return true once the stage has stopped (closed or failed) */
    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stage.awaitStop(timeout);
    }

    public KafkaStreams.State state() {
        return stage.state();
    }

    @Override
    public String stage() {
        return "scoring";
    }

    @Override
    public Optional<String> notAlive() {
        return stage.notAlive();
    }

    @Override
    public Optional<String> notReady() {
        return stage.notReady();
    }

    @Override
    public void close() {
        stage.close();
    }
}
