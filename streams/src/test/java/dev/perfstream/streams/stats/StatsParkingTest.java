package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.testkit.Ports;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The stats stage with a schema registry that does not answer (nothing listens on its port): a
 * Confluent Avro record with an unknown id is parked, not failed or dead-lettered, and every later
 * record of the task waits behind it, so event-time windows never close before it counts. Recovery
 * with the real registry is in StatsAvroRegistryIT.
 */
class StatsParkingTest {
    private static Map<String, String> keys() throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("stats.application.id", "stats-parking-test");
        m.put("stats.store", "memory");
        m.put("stats.windows", "10s");
        m.put("stats.rollup", "off");
        m.put("stats.grace", "0s");
        m.put("output.format", "json");
        m.put("schema.registry.url", "http://127.0.0.1:" + Ports.free() + "/apis/ccompat/v7");
        m.put("schema.registry.retry.timeout", "200ms");
        m.put("schema.registry.retry.backoff", "50ms");
        m.put("schema.registry.outage.backoff", "1s");
        m.put("schema.registry.outage.backoff.max", "4s");
        return m;
    }

    /** A Confluent frame with schema id 42 and some Avro body: its schema can only come from the registry. */
    private static byte[] avroWithUnknownId() {
        return ByteBuffer.allocate(9).put((byte) 0).putInt(42).put(new byte[] {2, 4, 6, 8}).array();
    }

    @Test
    void shouldParkAnUndecodableAvroRecordAndEveryLaterOneWhileTheRegistryIsDown() throws Exception {
        long t0 = StatsDriver.NOW.toEpochMilli() - 60_000;
        try (StatsDriver d = new StatsDriver(keys())) {
            KeyValueStore<Long, byte[]> parked = d.driver.getKeyValueStore(StatsTopology.PARKED_STORE);
            d.sendMetric(StatsDriver.metric(t0, "checkout", "/api/orders", 10, "ok")); // JSON: no registry needed
            assertThat(parked.approximateNumEntries()).isZero();

            d.metrics.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), avroWithUnknownId()));
            // JSON, decodable, and late enough to close the first window: it must still wait behind the Avro record.
            d.sendMetric(StatsDriver.metric(t0 + 30_000, "checkout", "/api/orders", 20, "ok"));
            assertThat(count(parked)).isEqualTo(2);

            d.driver.advanceWallClockTime(Duration.ofSeconds(10)); // replay attempts fail: still down
            d.driver.advanceWallClockTime(Duration.ofSeconds(10));
            assertThat(count(parked)).isEqualTo(2);
            assertThat(d.readStats()).as("no window closed while an earlier record waits").isEmpty();
            assertThat(d.readDeadLetters()).as("an unreachable registry is no reason to dead-letter").isEmpty();
        }
    }

    private static long count(KeyValueStore<Long, byte[]> store) {
        long n = 0;
        try (var it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }
}
