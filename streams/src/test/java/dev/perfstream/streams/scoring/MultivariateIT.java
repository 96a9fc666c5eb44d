package dev.perfstream.streams.scoring;

import static dev.perfstream.streams.scoring.MultivariateTestData.SERIES;
import static dev.perfstream.streams.scoring.MultivariateTestData.load;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.anomaly.MultivariateModels;
import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.schemas.testkit.KafkaTestCluster;
import dev.perfstream.schemas.testkit.Poll;
import dev.perfstream.streams.scoring.MultivariateTestData.Vitals;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The multivariate detector in the scoring stage against a real KRaft broker: the service's series are
 * spread over two perf.stats partitions (keyed by series id), joined per service through the repartition
 * topic, and an unseen combination (CPU high at low throughput) comes out on perf.anomalies and perf.alerts.
 */
class MultivariateIT {
    private static final String STATS = "mv-stats-it";
    private static final String ANOMALIES = "mv-anomalies-it";
    private static final String ALERTS = "mv-alerts-it";
    private final RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<Anomaly> anomalyCodec = Codecs.create(Anomaly.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<Alert> alertCodec = Codecs.create(Alert.getClassSchema(), Settings.of(Map.of()));
    private final List<Anomaly> multivariate = new ArrayList<>();
    private final List<Alert> alerts = new ArrayList<>();

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldJoinAServiceAcrossPartitionsAndEmitAMultivariateAnomalyAndAlert() throws Exception {
        Path tmp = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "mv-it-");
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(2, STATS, ANOMALIES, "mv-dlq-it", ALERTS, "mv-forecasts-it");
            Map<String, String> m = new HashMap<>();
            m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            m.put("scoring.application.id", "mv-it");
            m.put("topic.stats", STATS);
            m.put("topic.anomalies", ANOMALIES);
            m.put("topic.deadletter", "mv-dlq-it");
            m.put("topic.alerts", ALERTS);
            m.put("scoring.multivariate.alerts", "true");
            m.put("topic.forecasts", "mv-forecasts-it");
            m.put("state.dir", tmp.resolve("state").toString());
            m.put("models.dir", tmp.resolve("models").toString());
            m.put("scoring.commit.interval.ms", "100");
            m.put("forecast.enabled", "false");
            // generous: the router tasks of the two perf.stats partitions start seconds apart, and a vector closed
            // early would fix the detector's dimensions without the series still on their way
            m.put("scoring.multivariate.deadline", "20s");
            m.put("multivariate.capacity", "300");
            m.put("multivariate.train.first", "240"); // one full load cycle of the test data
            m.put("multivariate.train.every", "1000");
            m.put("multivariate.warmup", "200");
            MultivariateTestData data = new MultivariateTestData(5);
            int minutes = 260;
            try (ScoringApp app = ScoringApp.start(Settings.of(m));
                 KafkaProducer<byte[], byte[]> producer = producer(kafka);
                 KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
                consumer.subscribe(List.of(ANOMALIES, ALERTS));
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
                    drain(consumer);
                    return multivariate.stream().filter(a -> a.getWindowStart().toEpochMilli()
                        == ScoringTestData.T0 + minutes * ScoringTestData.MIN).findFirst().orElse(null);
                });
                assertThat(odd.getStatistic()).isEqualTo("multivariate");
                assertThat(odd.getScore()).isGreaterThan(0.9);
                assertThat(odd.getModelVersion()).isEqualTo("ocsvm-v1");
                assertThat(multivariate).as("one vector per minute, none lost or doubled across partitions")
                    .hasSize(minutes + 1);
                assertThat(multivariate.stream().filter(a -> a.getScore() >= 0.9).count())
                    .as("calm minutes scoring >= 0.9").isLessThanOrEqualTo(2);
                Alert alert = Poll.until(Duration.ofSeconds(30), "the multivariate ANOMALY alert", () -> {
                    drain(consumer);
                    return alerts.stream().filter(a -> a.getSeries().equals(SERIES) && a.getState() == AlertState.FIRING)
                        .reduce((a, b) -> b).orElse(null);
                });
                assertThat(alert.getWindowStart()).isEqualTo(odd.getWindowStart());
                assertThat(alert.getSummary()).contains("cpu 34");
                assertThat(new ModelStore(tmp.resolve("models")).latestVersion(MultivariateModels.KIND, SERIES)).hasValue(1);
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                    assertThat(admin.listTopics().names().get())
                        .contains("mv-it-" + ScoringTopology.MULTIVARIATE_REPARTITION + "-repartition");
                }
            }
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, WindowStats w) {
        producer.send(new ProducerRecord<>(STATS, null, w.getWindowEnd().toEpochMilli(),
            SeriesKey.of(w).id().getBytes(StandardCharsets.UTF_8), statsCodec.encode(STATS, w)));
    }

    private void drain(KafkaConsumer<byte[], byte[]> consumer) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            try {
                if (r.topic().equals(ALERTS)) {
                    alerts.add(alertCodec.decode(r.topic(), r.value()));
                } else {
                    Anomaly a = anomalyCodec.decode(r.topic(), r.value());
                    if (a.getSeries().equals(SERIES)) {
                        multivariate.add(a);
                    }
                }
            } catch (Exception e) {
                throw new AssertionError("undecodable output on " + r.topic(), e);
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaTestCluster kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(KafkaTestCluster kafka) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "mv-it-reader");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
