package dev.perfstream.streams.scoring.multivariate;

import static dev.perfstream.streams.scoring.multivariate.MultivariateTestData.SERIES;
import static dev.perfstream.streams.scoring.multivariate.MultivariateTestData.load;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.anomaly.MultivariateModels;
import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.StageSettings;
import dev.perfstream.testkit.TopicTail;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.scoring.multivariate.MultivariateTestData.Vitals;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.perfstream.streams.scoring.ScoringApp;
import dev.perfstream.streams.scoring.ScoringTopology;
import dev.perfstream.streams.scoring.ScoringTestData;
import dev.perfstream.streams.scoring.ScoringStageSettings;

/**
 * The multivariate detector in the scoring stage against a real KRaft broker: the service's series are
 * spread over two perf.stats partitions (keyed by series id), joined per service through the repartition
 * topic, and an unseen combination (CPU high at low throughput) comes out on perf.anomalies and perf.alerts.
 */
class MultivariateIT {
    private final RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<Anomaly> anomalyCodec = Codecs.create(Anomaly.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<Alert> alertCodec = Codecs.create(Alert.getClassSchema(), Settings.of(Map.of()));

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldJoinAServiceAcrossPartitionsAndEmitAMultivariateAnomalyAndAlert() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            StageSettings m = ScoringStageSettings.of(kafka, "mv")
                .put("scoring.multivariate.alerts", "true")
                .put("forecast.enabled", "false")
                // generous: the router tasks of the two perf.stats partitions start seconds apart, and a vector closed
                // early would fix the detector's dimensions without the series still on their way
                .put("scoring.multivariate.deadline", "20s")
                .put("multivariate.capacity", "300")
                .put("multivariate.train.first", "240") // one full load cycle of the test data
                .put("multivariate.train.every", "1000")
                .put("multivariate.warmup", "200");
            stats = m.topicName(TopicKeys.STATS);
            String anomalies = m.topicName(TopicKeys.ANOMALIES);
            String alertsTopic = m.topicName(TopicKeys.ALERTS);
            MultivariateTestData data = new MultivariateTestData(5);
            int minutes = 260;
            try (ScoringApp app = ScoringApp.start(m.settings());
                 KafkaProducer<byte[], byte[]> producer = kafka.clients().producer();
                 TopicTail tail = kafka.clients().tail(anomalies, alertsTopic)) {
                for (int i = 0; i < minutes; i++) {
                    for (WindowStats w : data.minute(i, Vitals.normal(load(i)))) {
                        send(producer, w);
                    }
                }
                // CPU high while throughput is low (load 0.8: CPU about 20 %): each value seen before, the combination never.
                for (WindowStats w : data.minute(minutes, new Vitals(0.8, 1, 0.002, 34, true, true))) {
                    send(producer, w);
                }
                producer.flush();
                Anomaly odd = Poll.until(Duration.ofSeconds(150), "the multivariate score of the unusual minute", () -> {
                    return multivariate(tail.poll(), anomalies).stream().filter(a -> a.getWindowStart().toEpochMilli()
                        == ScoringTestData.T0 + minutes * ScoringTestData.MIN).findFirst().orElse(null);
                });
                assertThat(odd.getStatistic()).isEqualTo("multivariate");
                assertThat(odd.getScore()).isGreaterThan(0.9);
                assertThat(odd.getModelVersion()).isEqualTo("ocsvm-v1");
                List<Anomaly> multivariate = multivariate(tail, anomalies);
                assertThat(multivariate).as("one vector per minute, none lost or doubled across partitions")
                    .hasSize(minutes + 1);
                assertThat(multivariate.stream().filter(a -> a.getScore() >= 0.9).count())
                    .as("calm minutes scoring >= 0.9").isLessThanOrEqualTo(2);
                Alert alert = Poll.until(Duration.ofSeconds(30), "the multivariate ANOMALY alert", () -> {
                    return tail.poll().decoded(alertsTopic, alertCodec::decode).stream().filter(a -> a.getSeries().equals(SERIES) && a.getState() == AlertState.FIRING)
                        .reduce((a, b) -> b).orElse(null);
                });
                assertThat(alert.getWindowStart()).isEqualTo(odd.getWindowStart());
                assertThat(alert.getSummary()).contains("cpu 34");
                assertThat(new ModelStore(m.path("models.dir")).latestVersion(MultivariateModels.KIND, SERIES)).hasValue(1);
                try (Admin admin = kafka.admin()) {
                    assertThat(admin.listTopics().names().get())
                        .contains(m.get("scoring.application.id") + "-" + ScoringTopology.MULTIVARIATE_REPARTITION + "-repartition");
                }
            }
        }
    }

    private String stats;

    private void send(KafkaProducer<byte[], byte[]> producer, WindowStats w) {
        producer.send(new ProducerRecord<>(stats, null, w.getWindowEnd().toEpochMilli(),
            SeriesKey.of(w).id().getBytes(StandardCharsets.UTF_8), statsCodec.encode(stats, w)));
    }

    /** The scores of the multivariate series on the anomalies topic so far. */
    private List<Anomaly> multivariate(TopicTail tail, String topic) {
        return tail.decoded(topic, anomalyCodec::decode).stream().filter(a -> a.getSeries().equals(SERIES)).toList();
    }
}
