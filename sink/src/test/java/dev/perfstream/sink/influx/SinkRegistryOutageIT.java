package dev.perfstream.sink.influx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.registry.RegistryConfig;
import dev.perfstream.schemas.registry.SchemaRegistryClient;
import dev.perfstream.schemas.serde.ConfluentAvroCodec;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.RegistryTestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sink with the real schema registry, broker and influxd: Avro windows whose schema id the sink
 * has never seen arrive while the registry is down for 5x the sink's lookup budget. The sink keeps
 * running, dead-letters nothing, and writes every window exactly once after the registry returns.
 */
@Timeout(300)
class SinkRegistryOutageIT {
    @Test
    void shouldHoldAndLaterWriteAvroWindowsWhenTheRegistryIsDownLongerThanTheLookupBudget() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start();
             InfluxTestServer influx = InfluxTestServer.start();
             RegistryTestServer registry = RegistryTestServer.start();
             SinkFixture f = new SinkFixture(kafka, influx.url(), "regoutage")) {
            f.settings.put("schema.registry.url", registry.url());
            f.settings.put("schema.registry.retry.timeout", "1s"); // the lookup budget
            SchemaRegistryClient producerSide = new SchemaRegistryClient(RegistryConfig.from(Settings.of(f.settings)));
            ConfluentAvroCodec<WindowStats> avro = new ConfluentAvroCodec<>(WindowStats.getClassSchema(), producerSide);
            avro.encode(f.stats, SinkIT.stats(0, 0)); // registers the schema while the registry is up
            int routes = SinkIT.ROUTES.size();
            try (SinkApp sink = f.startSink()) {
                // Phase 1: JSON windows, no registry needed.
                for (int i = 0; i < 15; i++) {
                    f.sendStats(SinkIT.stats(i % routes, i / routes));
                }
                Poll.until(Duration.ofSeconds(60), "the JSON windows in InfluxDB", () -> points(f, influx) == 15 ? 1 : null);

                registry.stop();
                long down = System.nanoTime();
                int sent = 15;
                // 5x the lookup budget: the sink's lookups run out of it several times, and it must hold each time
                while (System.nanoTime() - down < Duration.ofSeconds(5).toNanos()) {
                    WindowStats s = SinkIT.stats(sent % routes, sent / routes);
                    f.send(f.stats, s.getService() + "|" + s.getRoute(), avro.encode(f.stats, s)); // id cached producer-side
                    sent++;
                    Thread.sleep(500);
                    assertThat(sink.isRunning()).isTrue();
                }
                assertThat(points(f, influx)).as("Avro windows wait for the registry").isEqualTo(15);
                assertThat(sink.metrics().deadLettered()).isZero();

                registry.startProcess();
                int total = sent;
                Poll.until(Duration.ofSeconds(120), total + " windows in InfluxDB", () -> points(f, influx) == total ? 1 : null);
                List<Map<String, JsonNode>> rows = f.select(influx, "SELECT \"count\", route FROM metric_stats");
                assertThat(rows).hasSize(total);
                for (Map<String, JsonNode> row : rows) {
                    int r = SinkIT.ROUTES.indexOf(row.get("route").asText());
                    int m = (int) ((row.get("time").asLong() - SinkIT.T0.toEpochMilli()) / 60_000);
                    assertThat(row.get("count").asLong()).isEqualTo(SinkIT.stats(r, m).getCount());
                }
                assertThat(sink.metrics().deadLettered()).isZero();
                assertThat(sink.isRunning()).isTrue();
            }
        }
    }

    private static long points(SinkFixture f, InfluxTestServer influx) {
        List<Map<String, JsonNode>> r = f.select(influx, "SELECT count(p95) FROM metric_stats");
        return r.isEmpty() ? 0 : r.get(0).get("count").asLong();
    }
}
