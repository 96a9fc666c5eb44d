package dev.perfstream.deploy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.Recommendation;
import dev.perfstream.schemas.avro.ScalingAction;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.streams.scoring.ScoringApp;
import dev.perfstream.streams.stats.StatsApp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scaling advice end to end on real components: scripted request events of service {@code payments} (two instances,
 * with CPU reports) whose rate is flat for 30 minutes and then rises, on a real Kafka broker, through the stats stage,
 * the scoring stage (which creates perf.recommendations) and the sink, into a real influxd. The manual capacity
 * {@code capacity.payments.rate=20} at {@code capacity.payments.instances=2} (10 req/s per instance) makes the counts
 * checkable: the flat 15 req/s needs the 2 instances, the rise to 40 req/s a scale-out to at least 4. The instance
 * count ("now 2") is measured: the events name their instance, the stats stage counts them per window.
 */
@Timeout(300)
class CapacityAdviceIT {
    private static final long MIN = 60_000;
    private static final int FLAT = 30;
    private static final int RISE = 15;

    @TempDir
    Path tmp;

    @Test
    void shouldAdviseAScaleOutOnARisingRateInTheTopicAndInInfluxDb() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start()) {
            kafka.createTopics(1, "ca-metrics", "ca-rum", "ca-stats", "ca-dlq", "ca-anomalies", "ca-forecasts", "ca-alerts");
            Map<String, String> m = new HashMap<>();
            m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            m.put("topic.metrics", "ca-metrics");
            m.put("topic.rum", "ca-rum");
            m.put("topic.stats", "ca-stats");
            m.put("topic.deadletter", "ca-dlq");
            m.put("topic.anomalies", "ca-anomalies");
            m.put("topic.forecasts", "ca-forecasts");
            m.put("topic.alerts", "ca-alerts");
            m.put("topic.queries", "ca-queries");
            m.put("topic.cache", "ca-cache");
            m.put("topic.recommendations", "ca-recommendations");
            m.put("stats.windows", "1m");
            m.put("stats.rollup", "off");
            m.put("stats.grace", "1s");
            m.put("stats.commit.interval", "200ms");
            m.put("scoring.commit.interval", "200ms");
            m.put("multivariate.deadline", "2s");
            m.put("forecast.horizons", "5m,30m");
            m.put("capacity.payments.rate", "20");
            m.put("capacity.payments.instances", "2");
            m.put("capacity.price", "0.10");
            m.put("state.dir", tmp.resolve("state").toString());
            m.put("models.dir", tmp.resolve("models").toString());
            m.put("influx.url", influx.url());
            m.put("influx.database", "ca");
            m.put("sink.linger", "200ms");
            Settings settings = Settings.of(m);
            long t0 = (System.currentTimeMillis() / MIN) * MIN - (FLAT + RISE + 5) * MIN;

            try (StatsApp stats = StatsApp.start(settings); ScoringApp scoring = ScoringApp.start(settings)) {
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                    assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).as("created by the scoring stage")
                        .contains("ca-recommendations");
                }
                try (SinkApp sink = SinkApp.start(settings)) {
                    assertThat(sink.config().topics()).contains("ca-recommendations");
                    produce(kafka, events(t0));

                    Poll.until(Duration.ofSeconds(200), "a scale-out of payments", () -> {
                        List<Recommendation> r = read(kafka);
                        return r.stream().anyMatch(x -> x.getAction() == ScalingAction.SCALE_OUT
                            && x.getWindowStart().toEpochMilli() >= t0 + (FLAT + 5) * MIN) ? r : null;
                    });
                    // The topic and InfluxDB read together until they hold the same scale-outs: windows that the scoring
                    // stage advises on after the first read above (a later transaction) reach both.
                    String q = "SELECT current, advised, low, high, cost_per_hour, cost_delta_per_hour, from_time FROM recommendations"
                        + " WHERE service = 'payments' AND direction = 'scale_out'";
                    AtomicReference<List<Recommendation>> onTopic = new AtomicReference<>();
                    List<List<Object>> rows = Poll.until(Duration.ofSeconds(60), "the topic's scale_out rows in InfluxDB", () -> {
                        List<Recommendation> r = read(kafka);
                        List<List<Object>> in = influx.rows("ca", q);
                        onTopic.set(r);
                        return in != null && in.size() == r.stream().filter(x -> x.getAction() == ScalingAction.SCALE_OUT)
                            .count() ? in : null;
                    });
                    List<Recommendation> recs = onTopic.get();
                    Set<Long> windows = new HashSet<>();
                    for (Recommendation r : recs) {
                        assertThat(windows.add(r.getWindowStart().toEpochMilli())).as("one advice per window").isTrue();
                        assertThat(r.getService()).isEqualTo("payments");
                        assertThat(r.getCurrent()).as("payments-0 and payments-1 in the events").isEqualTo(2);
                        assertThat(r.getInstancesSource()).isEqualTo("measured");
                        assertThat(r.getCapacitySource()).isEqualTo("override");
                        assertThat(r.getCostPerHour()).isEqualTo(cents(r.getAdvised() * 10));
                        assertThat(r.getCostDeltaPerHour()).isEqualTo(cents((r.getAdvised() - 2) * 10));
                    }
                    Recommendation calm = recs.stream().filter(r -> r.getWindowStart().toEpochMilli() == t0 + (FLAT - 2) * MIN)
                        .findFirst().orElseThrow();
                    assertThat(calm.getAction()).as("15 req/s on 2 instances of 10: %s", calm.getSummary())
                        .isEqualTo(ScalingAction.HOLD);
                    Recommendation out = recs.stream().filter(r -> r.getAction() == ScalingAction.SCALE_OUT)
                        .reduce((a, b) -> b).orElseThrow();
                    System.out.println("capacity advice IT: last scale-out: " + out.getSummary() + " (" + out.getReason() + ")");
                    assertThat(out.getAdvised()).isGreaterThanOrEqualTo(4);
                    assertThat(out.getLow()).isLessThanOrEqualTo(out.getExpected());
                    assertThat(out.getExpected()).isLessThanOrEqualTo(out.getHigh());
                    assertThat(out.getSummary()).startsWith("payments needs " + out.getAdvised() + " instances from ")
                        .contains("(now 2)");

                    List<Object> last = rows.get(rows.size() - 1);
                    assertThat(last).containsExactly(2.0, (double) out.getAdvised(), (double) out.getLow(),
                        (double) out.getHigh(), cents(out.getAdvised() * 10), cents((out.getAdvised() - 2) * 10),
                        (double) out.getFrom().toEpochMilli());
                    influx.printCli("capacity advice IT", "ca", q + " AND time > now() - 1h");
                    influx.printCli("capacity advice IT", "ca",
                        "SELECT last(summary) AS advice FROM recommendations WHERE time > now() - 1h GROUP BY service");
                }
            }
        }
    }

    /** An amount of whole cents as the decimal it reads (0.3 for 30 cents, as the stage's decimal arithmetic gives). */
    private static double cents(int cents) {
        return Double.parseDouble(java.math.BigDecimal.valueOf(cents, 2).toPlainString());
    }

    /** Request events of payments (50 ms, lognormal) on two instances, and each instance's CPU every 10 s. */
    private static List<String> events(long t0) {
        Random rnd = new Random(3);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < FLAT + RISE; i++) {
            double rate = i < FLAT ? 15 : 15 + 25.0 * (i - FLAT + 1) / RISE;
            int n = (int) Math.round(rate * 60);
            for (int k = 0; k < n; k++) {
                long ts = t0 + i * MIN + (long) k * MIN / n;
                out.add(String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"payments\",\"instance\":\"payments-%d\","
                    + "\"metric\":\"http.server.duration\",\"value\":%.2f,\"route\":\"/api/pay\",\"status\":200}", ts, k % 2,
                    50 * Math.exp(0.3 * rnd.nextGaussian())));
            }
            for (int s = 0; s < 6; s++) {
                for (int inst = 0; inst < 2; inst++) {
                    out.add(String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"payments\",\"instance\":\"payments-%d\","
                        + "\"metric\":\"cpu.utilization\",\"value\":%.1f,\"unit\":\"percent\"}", t0 + i * MIN + s * 10_000L + inst,
                        inst, 3 * rate / 2));
                }
            }
        }
        return out;
    }

    private static void produce(KafkaTestCluster kafka, List<String> events) {
        kafka.clients().sendText("ca-metrics", events.stream().map(e -> Map.entry("payments", e)).toList());
    }

    /** Every committed record of the recommendations topic so far. */
    private static List<Recommendation> read(KafkaTestCluster kafka) {
        RecordCodec<Recommendation> codec = Codecs.create(Recommendation.getClassSchema(), Settings.of(Map.of()));
        return kafka.clients().drain("ca-recommendations", codec::decode);
    }
}
