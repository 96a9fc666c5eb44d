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
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.schemas.testkit.KafkaTestCluster;
import dev.perfstream.schemas.testkit.Poll;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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

/** The scoring stage against a real KRaft broker: windows in, scores and dead letters out, live model reload. */
class ScoringIT {
    private final RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<Anomaly> anomalyCodec = Codecs.create(Anomaly.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<DeadLetter> dlCodec = Codecs.create(DeadLetter.getClassSchema(), Settings.of(Map.of()));

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldScoreWindowsDeadLetterGarbageAndPickUpAStoredModelWhileRunning() throws Exception {
        Path tmp = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "scoring-it-");
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(2, "stats-it", "anomalies-it", "dlq-it", "alerts-it", "forecasts-it");
            Map<String, String> m = new HashMap<>();
            m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            m.put("scoring.application.id", "scoring-it");
            m.put("topic.stats", "stats-it");
            m.put("topic.anomalies", "anomalies-it");
            m.put("topic.deadletter", "dlq-it");
            m.put("topic.alerts", "alerts-it");
            m.put("topic.forecasts", "forecasts-it");
            m.put("state.dir", tmp.resolve("state").toString());
            m.put("models.dir", tmp.resolve("models").toString());
            m.put("models.reload.interval", "1s");
            m.put("scoring.commit.interval.ms", "100");
            ModelStore models = new ModelStore(tmp.resolve("models"));
            Random rnd = new Random(21);
            try (ScoringApp app = ScoringApp.start(Settings.of(m));
                 KafkaProducer<byte[], byte[]> producer = producer(kafka);
                 KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
                consumer.subscribe(List.of("anomalies-it", "dlq-it", "alerts-it"));
                producer.send(new ProducerRecord<>("stats-it", "x".getBytes(StandardCharsets.UTF_8),
                    "not a window".getBytes(StandardCharsets.UTF_8))).get();
                // 70 windows: past the detector's warm-up (60 residuals), before which a score stays at or below 0.5
                for (int i = 0; i < 70; i++) {
                    send(producer, window("pay", i, rnd, 1.0));
                }
                List<Anomaly> seen = new ArrayList<>();
                List<DeadLetter> dead = new ArrayList<>();
                Poll.until(Duration.ofSeconds(60), "70 windows x 3 statistics scored", () -> {
                    drain(consumer, seen, dead);
                    return seen.size() >= 210 ? true : null;
                });
                assertThat(seen).extracting(Anomaly::getModelVersion).containsOnly("baseline");
                assertThat(dead).hasSize(1);
                assertThat(dead.get(0).getStage()).isEqualTo("scoring");

                // A model trained elsewhere lands in the store; the running stage must adopt it.
                String key = "METRIC|http.server.duration|pay|/cart|60000ms|p95";
                double[][] x = new double[200][SeriesFeatures.COUNT];
                double[] y = new double[200];
                java.util.Arrays.fill(y, 3.0);
                models.save(ScoringProcessor.MODEL_KIND, key, LinearExpectation.train(x, y, 200, key, 1L,
                    OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)));
                int[] next = {70};
                Anomaly adopted = Poll.until(Duration.ofSeconds(60), "a p95 score made by lsgd-v1", () -> {
                    send(producer, window("pay", next[0]++, rnd, 1.0));
                    drain(consumer, seen, dead);
                    return seen.stream().filter(a -> a.getStatistic().equals("p95")
                        && a.getModelVersion().equals("lsgd-v1")).findFirst().orElse(null);
                });
                assertThat(adopted.getSeries()).isEqualTo("METRIC|http.server.duration|pay|/cart");

                send(producer, window("pay", next[0], rnd, 3.0));
                long spikeStart = ScoringTestData.T0 + next[0] * ScoringTestData.MIN;
                Anomaly spike = Poll.until(Duration.ofSeconds(60), "the spike's p95 score", () -> {
                    drain(consumer, seen, dead);
                    return seen.stream().filter(a -> a.getStatistic().equals("p95")
                        && a.getWindowStart().toEpochMilli() == spikeStart).findFirst().orElse(null);
                });
                assertThat(spike.getScore()).isGreaterThan(0.99);
                dev.perfstream.schemas.avro.Alert alert = Poll.until(Duration.ofSeconds(60), "the spike's ANOMALY alert", () -> {
                    drain(consumer, seen, dead);
                    return alerts.stream().filter(a -> a.getStatistic().equals("p95")).findFirst().orElse(null);
                });
                assertThat(alert.getState().name()).isEqualTo("FIRING");
                assertThat(alert.getWindowStart().toEpochMilli()).isEqualTo(spikeStart);
            }
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, WindowStats w) {
        try {
            producer.send(new ProducerRecord<>("stats-it", null, w.getWindowEnd().toEpochMilli(),
                SeriesKey.of(w).id().getBytes(StandardCharsets.UTF_8), statsCodec.encode("stats-it", w))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private final List<dev.perfstream.schemas.avro.Alert> alerts = new ArrayList<>();
    private final RecordCodec<dev.perfstream.schemas.avro.Alert> alertCodec =
        Codecs.create(dev.perfstream.schemas.avro.Alert.getClassSchema(), Settings.of(Map.of()));

    private void drain(KafkaConsumer<byte[], byte[]> consumer, List<Anomaly> seen, List<DeadLetter> dead) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            try {
                if (r.topic().equals("alerts-it")) {
                    alerts.add(alertCodec.decode(r.topic(), r.value()));
                } else if (r.topic().equals("anomalies-it")) {
                    Anomaly a = anomalyCodec.decode(r.topic(), r.value());
                    if (!a.getSeries().startsWith("MULTIVARIATE|")) {
                        seen.add(a); // the multivariate records are checked in MultivariateIT
                    }
                } else {
                    dead.add(dlCodec.decode(r.topic(), r.value()));
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
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "scoring-it-reader");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
