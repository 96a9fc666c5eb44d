package dev.perfstream.streams.scoring;

import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.avro.Recommendation;
import dev.perfstream.schemas.kafka.KafkaClients;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.streams.outage.OutputSchemas;
import dev.perfstream.streams.outage.ParkedRecords;
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
    private static final Logger LOG = LoggerFactory.getLogger(ScoringApp.class);
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
        ScoringConfig configured = ScoringConfig.from(settings);
        // the preflight first: bad credentials stop the stage with its one line before anything else talks to Kafka
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("scoring stage").reads(configured.statsTopic())
            .writes(configured.anomaliesTopic(), configured.forecast().enabled() ? configured.forecast().topic() : null,
                configured.alertsTopic(), configured.deadletterTopic(),
                ScoringTopology.advisesCapacity(configured) ? configured.capacity().topic() : null)
            .group(configured.applicationId()).transactionalIds(configured.applicationId()));
        ScoringConfig c = recommendationsTopic(settings, configured);
        AtomicLong parked = new AtomicLong();
        Topology topology = ScoringTopology.build(c, settings, new ModelStore(c.modelsDir()), Clock.systemUTC(), parked);
        // Encoding a result must never need the registry (see ParkedRecords): register the outputs first.
        Map<String, org.apache.avro.Schema> outputs = new java.util.HashMap<>(Map.of(
            c.anomaliesTopic(), Anomaly.getClassSchema(), c.forecast().topic(), Forecast.getClassSchema(),
            c.alertsTopic(), Alert.getClassSchema(), c.deadletterTopic(), DeadLetter.getClassSchema()));
        if (ScoringTopology.advisesCapacity(c)) {
            outputs.put(c.capacity().topic(), Recommendation.getClassSchema());
        }
        OutputSchemas.register(ParkedRecords.forStreamThread(settings), "scoring", outputs);
        KafkaStreams streams = new KafkaStreams(topology, properties(c, settings));
        ScoringApp app = new ScoringApp(parked);
        app.stage = StreamsStage.start("scoring", streams, List.of(PerfstreamMetrics.PARKED.register("scoring", parked::get)));
        return app;
    }

    /**
     * The scaling advice's output topic: created like perf.stats (same partitions) when missing. When it is missing
     * and cannot be created (no CREATE permission, say), the advice is off with a WARN naming the topic, rather than a
     * stream thread failing on its first record.
     */
    static ScoringConfig recommendationsTopic(Settings settings, ScoringConfig c) {
        if (!ScoringTopology.advisesCapacity(c)) {
            if (c.capacity().enabled()) {
                LOG.info("scaling advice off: it needs forecast.enabled and multivariate.enabled with multivariate.window ="
                    + " forecast.window (the service totals)");
            }
            return c;
        }
        String topic = c.capacity().topic();
        try (Admin admin = Admin.create(KafkaClients.from(settings).admin(Map.of()))) {
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                return c;
            }
            int n = Math.max(1, admin.describeTopics(List.of(c.statsTopic())).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(c.statsTopic()).partitions().size());
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(n), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
            LOG.info("created {} with {} partitions", topic, n);
            return c;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return c;
            }
            LOG.warn("{} does not exist and cannot be created ({}): scaling advice is off; create it (or set"
                + " capacity.advice.enabled=false to silence this)", topic, e.getCause().getMessage());
            return c.withoutCapacity();
        } catch (InterruptedException | TimeoutException e) {
            LOG.warn("Kafka did not answer whether {} exists ({}): scaling advice is off", topic, e.toString());
            return c.withoutCapacity();
        }
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
