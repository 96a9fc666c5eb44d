package dev.perfstream.ingest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.testkit.KafkaTestCluster;
import dev.perfstream.schemas.testkit.Poll;
import dev.perfstream.schemas.validate.EventValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The load generator against a real broker: every produced record arrives, decodes, and is valid. */
class LoadgenAppIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void shouldProduceDecodableValidEventsToBothTopics() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(2, "it-lg-metrics", "it-lg-rum");
            Path incidents = dir.resolve("incidents.jsonl");
            Settings s = Settings.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
                "topic.metrics", "it-lg-metrics", "topic.rum", "it-lg-rum",
                "loadgen.speedup", "0", "loadgen.duration", "30m", "loadgen.rate", "20", "loadgen.seed", "5",
                "loadgen.incidents.file", incidents.toString()));
            long metrics;
            long rum;
            try (LoadgenApp app = LoadgenApp.start(s)) {
                assertThat(app.awaitCompletion(90, TimeUnit.SECONDS)).isTrue();
                metrics = app.metricsSent();
                rum = app.rumSent();
                assertThat(app.failed()).isZero();
                assertThat(app.acked()).isEqualTo(metrics + rum);
                assertThat(IncidentFile.read(incidents)).isEqualTo(app.incidents()).hasSize(4);
            }
            assertThat(metrics).isGreaterThan(20_000);
            assertThat(rum).isGreaterThan(2_000);

            RecordCodec<MetricEvent> mc = Codecs.create(MetricEvent.getClassSchema(), s);
            RecordCodec<RumEvent> rc = Codecs.create(RumEvent.getClassSchema(), s);
            EventValidator v = EventValidator.withDefaults(Clock.systemUTC());
            List<String> problems = new ArrayList<>();
            long[] seen = new long[2];
            try (KafkaConsumer<byte[], byte[]> c = consumer(kafka)) {
                c.subscribe(List.of("it-lg-metrics", "it-lg-rum"));
                Poll.until(Duration.ofSeconds(60), "all records consumed", () -> {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        try {
                            if (r.topic().equals("it-lg-metrics")) {
                                MetricEvent e = mc.decode(r.topic(), r.value());
                                problems.addAll(v.check(e));
                                assertThat(new String(r.key())).isEqualTo(e.getService());
                                seen[0]++;
                            } else {
                                problems.addAll(v.check(rc.decode(r.topic(), r.value())));
                                seen[1]++;
                            }
                        } catch (DecodeException e) {
                            problems.add(e.getMessage());
                        }
                    }
                    return seen[0] >= metrics && seen[1] >= rum ? Boolean.TRUE : null;
                });
            }
            assertThat(seen).containsExactly(metrics, rum);
            assertThat(problems).isEmpty();
        }
    }

    static KafkaConsumer<byte[], byte[]> consumer(KafkaTestCluster kafka) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-lg");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
