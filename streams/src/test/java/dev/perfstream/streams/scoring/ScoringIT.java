package dev.perfstream.streams.scoring;

import static dev.perfstream.streams.scoring.ScoringTestData.window;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.anomaly.LinearExpectation;
import dev.perfstream.models.feature.SeriesFeatures;
import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.StageSettings;
import dev.perfstream.testkit.TestClients;
import dev.perfstream.testkit.TopicTail;
import dev.perfstream.schemas.series.SeriesKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.perfstream.streams.scoring.anomaly.AnomalyProcessor;

/** The scoring stage against a real KRaft broker: windows in, scores and dead letters out, live model reload. */
class ScoringIT {
    private final RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<Anomaly> anomalyCodec = Codecs.create(Anomaly.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<DeadLetter> dlCodec = Codecs.create(DeadLetter.getClassSchema(), Settings.of(Map.of()));

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldScoreWindowsDeadLetterGarbageAndPickUpAStoredModelWhileRunning() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            StageSettings s = ScoringStageSettings.of(kafka, "scoring").put("models.reload.interval", "1s");
            stats = s.topicName(TopicKeys.STATS);
            String anomalies = s.topicName(TopicKeys.ANOMALIES);
            String alertsTopic = s.topicName(TopicKeys.ALERTS);
            String dlq = s.topicName(TopicKeys.DEADLETTER);
            ModelStore models = new ModelStore(s.path("models.dir"));
            Random rnd = new Random(21);
            try (ScoringApp app = ScoringApp.start(s.settings());
                 KafkaProducer<byte[], byte[]> producer = kafka.clients().producer();
                 TopicTail tail = kafka.clients().tail(anomalies, dlq, alertsTopic)) {
                TestClients.send(producer, new ProducerRecord<>(stats, "x".getBytes(StandardCharsets.UTF_8),
                    "not a window".getBytes(StandardCharsets.UTF_8)));
                // 70 windows: past the detector's warm-up (60 residuals), before which a score stays at or below 0.5
                for (int i = 0; i < 70; i++) {
                    send(producer, window("pay", i, rnd, 1.0));
                }
                Poll.until(Duration.ofSeconds(60), "70 windows x 3 statistics scored",
                    () -> scores(tail.poll(), anomalies).size() >= 210 ? true : null);
                assertThat(scores(tail, anomalies)).extracting(Anomaly::getModelVersion).containsOnly("baseline");
                List<DeadLetter> dead = tail.decoded(dlq, dlCodec::decode);
                assertThat(dead).hasSize(1);
                assertThat(dead.get(0).getStage()).isEqualTo("scoring");

                // A model trained elsewhere lands in the store; the running stage must adopt it.
                String key = "METRIC|http.server.duration|pay|/cart|60000ms|p95";
                double[][] x = new double[200][SeriesFeatures.COUNT];
                double[] y = new double[200];
                java.util.Arrays.fill(y, 3.0);
                models.save(AnomalyProcessor.MODEL_KIND, key, LinearExpectation.train(x, y, 200, key, 1L,
                    OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)));
                int[] next = {70};
                Anomaly adopted = Poll.until(Duration.ofSeconds(60), "a p95 score made by lsgd-v1", () -> {
                    send(producer, window("pay", next[0]++, rnd, 1.0));
                    return scores(tail.poll(), anomalies).stream().filter(a -> a.getStatistic().equals("p95")
                        && a.getModelVersion().equals("lsgd-v1")).findFirst().orElse(null);
                });
                assertThat(adopted.getSeries()).isEqualTo("METRIC|http.server.duration|pay|/cart");

                send(producer, window("pay", next[0], rnd, 3.0));
                long spikeStart = ScoringTestData.T0 + next[0] * ScoringTestData.MIN;
                Anomaly spike = Poll.until(Duration.ofSeconds(60), "the spike's p95 score",
                    () -> scores(tail.poll(), anomalies).stream().filter(a -> a.getStatistic().equals("p95")
                        && a.getWindowStart().toEpochMilli() == spikeStart).findFirst().orElse(null));
                assertThat(spike.getScore()).isGreaterThan(0.99);
                dev.perfstream.schemas.avro.Alert alert = Poll.until(Duration.ofSeconds(60), "the spike's ANOMALY alert",
                    () -> tail.poll().decoded(alertsTopic, alertCodec::decode).stream()
                        .filter(a -> a.getStatistic().equals("p95")).findFirst().orElse(null));
                assertThat(alert.getState().name()).isEqualTo("FIRING");
                assertThat(alert.getWindowStart().toEpochMilli()).isEqualTo(spikeStart);
            }
            // Closed, the stage has left its consumer group: its next start (or the instance taking its tasks) does
            // not wait for the member's session to expire (45 s), nor can a stop during that wait outlast it.
            String group = ScoringConfig.from(s.settings()).applicationId();
            try (Admin admin = kafka.admin()) {
                Poll.until(Duration.ofSeconds(10), "no member left in group " + group + " after close",
                    () -> members(admin, group) == 0 ? true : null);
            }
        }
    }

    private String stats;

    private static int members(Admin admin, String group) {
        try {
            return admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group).members().size();
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe group " + group + ": " + e, e);
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, WindowStats w) {
        TestClients.send(producer, new ProducerRecord<>(stats, null, w.getWindowEnd().toEpochMilli(),
            SeriesKey.of(w).id().getBytes(StandardCharsets.UTF_8), statsCodec.encode(stats, w)));
    }

    private final RecordCodec<dev.perfstream.schemas.avro.Alert> alertCodec =
        Codecs.create(dev.perfstream.schemas.avro.Alert.getClassSchema(), Settings.of(Map.of()));

    /** The per-series scores on the anomalies topic so far (the multivariate records are checked in MultivariateIT). */
    private List<Anomaly> scores(TopicTail tail, String topic) {
        return tail.decoded(topic, anomalyCodec::decode).stream()
            .filter(a -> !a.getSeries().startsWith("MULTIVARIATE|")).toList();
    }
}
