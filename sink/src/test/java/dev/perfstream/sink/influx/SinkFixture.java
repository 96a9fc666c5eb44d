package dev.perfstream.sink.influx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.TestClients;
import dev.perfstream.testkit.Poll;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Per-test topics, database and settings on a shared Kafka cluster and InfluxDB server. */
final class SinkFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final KafkaTestCluster kafka;
    final String influxUrl;
    final String id;
    final String stats;
    final String anomalies;
    final String forecasts;
    final String alerts;
    final String deadLetters;
    final String database;
    final Map<String, String> settings = new HashMap<>();
    final KafkaProducer<byte[], byte[]> producer;
    final RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), Settings.of(Map.of()));

    SinkFixture(KafkaTestCluster kafka, String influxUrl, String name) throws Exception {
        this.kafka = kafka;
        this.influxUrl = influxUrl;
        this.id = name + "_" + UUID.randomUUID().toString().substring(0, 8);
        this.stats = "stats." + id;
        this.anomalies = "anomalies." + id;
        this.forecasts = "forecasts." + id;
        this.alerts = "alerts." + id;
        this.deadLetters = "deadletter." + id;
        this.database = "db_" + id;
        kafka.createTopics(2, stats, anomalies, forecasts, alerts, deadLetters);
        settings.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        settings.put("influx.url", influxUrl);
        settings.put("influx.database", database);
        settings.put("topic.stats", stats);
        settings.put("topic.anomalies", anomalies);
        settings.put("topic.forecasts", forecasts);
        settings.put("topic.alerts", alerts);
        settings.put("topic.deadletter", deadLetters);
        settings.put("sink.group.id", "sink-" + id);
        settings.put("sink.linger", "200ms");
        settings.put("sink.retry.backoff.min", "200ms");
        settings.put("sink.retry.backoff.max", "2s");
        settings.put("sink.progress.interval", "5s");
        this.producer = kafka.clients().producer();
    }

    SinkApp startSink() {
        return SinkApp.start(Settings.of(settings));
    }

    void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(), value)).get();
    }

    void sendStats(WindowStats s) throws Exception {
        send(stats, s.getService() + "|" + s.getRoute(), statsCodec.encode(stats, s));
    }

    /**
     * Rows of an InfluxQL result as column -> value maps (tags are columns when there is no GROUP BY). A database the
     * sink has not created yet holds no rows; any other error of the query fails.
     */
    static List<Map<String, JsonNode>> rows(String json) {
        List<Map<String, JsonNode>> out = new ArrayList<>();
        try {
            JsonNode result = JSON.readTree(json).path("results").path(0);
            if (result.path("error").asText().startsWith("database not found")) {
                return out;
            }
            if (result.has("error")) {
                throw new IllegalStateException(result.get("error").asText());
            }
            for (JsonNode series : result.path("series")) {
                List<String> cols = new ArrayList<>();
                series.path("columns").forEach(c -> cols.add(c.asText()));
                for (JsonNode v : series.path("values")) {
                    Map<String, JsonNode> row = new LinkedHashMap<>();
                    for (int i = 0; i < cols.size(); i++) {
                        row.put(cols.get(i), v.get(i));
                    }
                    out.add(row);
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    List<Map<String, JsonNode>> select(InfluxTestServer influx, String q) {
        return rows(influx.query(database, q));
    }

    /** The dead letters on the test's dead-letter topic once there are at least {@code atLeast} (up to 30 s). */
    List<ConsumerRecord<byte[], DeadLetter>> deadLetters(int atLeast) {
        RecordCodec<DeadLetter> codec = Codecs.create(DeadLetter.getClassSchema(), Settings.of(Map.of()));
        List<ConsumerRecord<byte[], byte[]>> records = Poll.until(Duration.ofSeconds(30), atLeast + " dead letters on " + deadLetters,
            () -> {
                List<ConsumerRecord<byte[], byte[]>> r = kafka.clients().records(deadLetters);
                return r.size() >= atLeast ? r : null;
            });
        List<ConsumerRecord<byte[], DeadLetter>> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.add(new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.key(), TestClients.decode(codec::decode, r)));
        }
        return out;
    }

    /** Committed offsets of the sink's group, summed over the stats topic's partitions. */
    long committedStats() throws Exception {
        try (var admin = kafka.admin()) {
            return admin.listConsumerGroupOffsets("sink-" + id).partitionsToOffsetAndMetadata().get()
                .entrySet().stream().filter(e -> e.getKey().topic().equals(stats) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
