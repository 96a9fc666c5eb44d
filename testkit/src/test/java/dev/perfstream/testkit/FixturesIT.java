package dev.perfstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shared fixtures themselves work: a record goes through the real broker, a point through the real influxd. */
@Timeout(120)
class FixturesIT {
    @Test
    void shouldRoundTripARecordThroughTheTestCluster() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(1, "t");
            Map<String, Object> pc = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaProducer<String, String> p = new KafkaProducer<>(pc, new StringSerializer(), new StringSerializer())) {
                p.send(new ProducerRecord<>("t", "k", "v")).get();
            }
            Properties cc = new Properties();
            cc.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            cc.put(ConsumerConfig.GROUP_ID_CONFIG, "g");
            cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cc, new StringDeserializer(), new StringDeserializer())) {
                c.subscribe(List.of("t"));
                String v = Poll.until(Duration.ofSeconds(30), "the record", () -> {
                    ConsumerRecords<String, String> rs = c.poll(Duration.ofMillis(200));
                    return rs.isEmpty() ? null : rs.iterator().next().value();
                });
                assertThat(v).isEqualTo("v");
            }
        }
    }

    @Test
    void shouldWriteAndQueryAPointSurvivingARestart() throws Exception {
        try (InfluxTestServer influx = InfluxTestServer.start()) {
            influx.query("", "CREATE DATABASE t");
            var http = java.net.http.HttpClient.newHttpClient();
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(influx.url() + "/write?db=t&precision=ms"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("m,s=a v=42 1700000000000")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(204);
            influx.stop();
            assertThat(influx.ping()).isFalse();
            influx.startProcess();
            assertThat(influx.query("t", "SELECT v FROM m")).contains("[1700000000000,42]");
        }
    }
}
