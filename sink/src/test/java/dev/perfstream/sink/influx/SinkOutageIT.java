package dev.perfstream.sink.influx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 2's outage test: InfluxDB (the real influxd) is stopped for 12 s while results keep
 * arriving; afterwards every window is in InfluxDB exactly once, and nothing was committed while it
 * was down.
 */
@Timeout(240)
class SinkOutageIT {
    private static final Logger LOG = LoggerFactory.getLogger(SinkOutageIT.class);
    static final int ROUTES = SinkIT.ROUTES.size();

    private int next;

    /** Sends the next window, cycling over the routes: record i is (route i % 3, minute i / 3). */
    private void sendNext(SinkFixture f) throws Exception {
        f.sendStats(SinkIT.stats(next % ROUTES, next / ROUTES));
        next++;
    }

    @Test
    void shouldLoseAndDoubleNoWindowWhenInfluxIsDownFor12Seconds() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start();
             InfluxTestServer influx = InfluxTestServer.start();
             SinkFixture f = new SinkFixture(kafka, influx.url(), "outage");
             SinkApp sink = f.startSink()) {
            for (int i = 0; i < 60; i++) {
                sendNext(f);
            }
            Poll.until(Duration.ofSeconds(60), "the first 60 windows in InfluxDB", () -> points(f, influx) == 60 ? 1 : null);

            influx.stop();
            long stoppedAt = System.nanoTime();
            sendNext(f);
            Poll.until(Duration.ofSeconds(30), "the sink to notice the outage", () -> sink.metrics().failedAttempts() > 0 ? 1 : null);
            long committedWhenDown = f.committedStats();
            // Results keep flowing for the 12 s InfluxDB is down (several retries at the 2 s backoff ceiling): one
            // window every 100 ms.
            while (System.nanoTime() - stoppedAt < Duration.ofSeconds(12).toNanos()) {
                sendNext(f);
                Thread.sleep(100);
            }
            assertThat(f.committedStats()).as("nothing committed while InfluxDB was down").isEqualTo(committedWhenDown);
            assertThat(sink.isRunning()).isTrue();
            int sentDuringOutage = next - 60;
            LOG.info("InfluxDB down for 12 s; {} windows sent meanwhile, {} failed tries", sentDuringOutage,
                sink.metrics().failedAttempts());

            influx.startProcess();
            for (int i = 0; i < 30; i++) {
                sendNext(f);
            }
            int total = next;
            Poll.until(Duration.ofSeconds(60), total + " windows in InfluxDB", () -> points(f, influx) == total ? 1 : null);
            Poll.until(Duration.ofSeconds(30), "all offsets committed", () -> {
                try {
                    return f.committedStats() == total ? 1 : null;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            // Every window exactly once, with its own numbers (a double write would have summed nothing
            // in InfluxDB, but a wrong identity would show as an extra point or a wrong count).
            List<Map<String, JsonNode>> rows = f.select(influx, "SELECT \"count\", p95, route FROM metric_stats");
            assertThat(rows).hasSize(total);
            Map<String, Long> seen = new HashMap<>();
            for (Map<String, JsonNode> row : rows) {
                int r = SinkIT.ROUTES.indexOf(row.get("route").asText());
                int m = (int) ((row.get("time").asLong() - SinkIT.T0.toEpochMilli()) / 60_000);
                assertThat(row.get("count").asLong()).isEqualTo(SinkIT.stats(r, m).getCount());
                assertThat(row.get("p95").asDouble()).isEqualTo(SinkIT.stats(r, m).getP95());
                seen.merge(r + "@" + m, 1L, Long::sum);
            }
            for (int i = 0; i < total; i++) {
                assertThat(seen.get((i % ROUTES) + "@" + (i / ROUTES))).as("window %d", i).isEqualTo(1L);
            }
            assertThat(sink.metrics().failedAttempts()).isPositive();
            assertThat(sink.metrics().deadLettered()).isZero();
            assertThat(sentDuringOutage).isGreaterThan(60);
        }
    }

    private static long points(SinkFixture f, InfluxTestServer influx) {
        List<Map<String, JsonNode>> r = f.select(influx, "SELECT count(p95) FROM metric_stats");
        return r.isEmpty() ? 0 : r.get(0).get("count").asLong();
    }
}
