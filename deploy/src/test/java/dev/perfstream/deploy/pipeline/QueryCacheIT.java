package dev.perfstream.deploy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.streams.stats.StatsApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Top statements and cache hit ratios end to end on real components: known DB and cache events (raw SQL
 * with literals, lookups with hit / miss, hit and miss counters) on a real Kafka broker, through the
 * stats stage (which creates the two output topics) and the sink, into a real influxd, where
 * {@code db_queries} and {@code cache_stats} hold exactly the expected rows.
 */
@Timeout(180)
class QueryCacheIT {
    private static final long WINDOW = 10_000;

    @Test
    void shouldWriteExactTopStatementsAndHitRatiosToInfluxDb() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start()) {
            // The stats stage creates the queries and cache topics itself.
            Map<String, String> m = PipelineSettings.of(kafka, influx, "qc", "10s").createTopics(1)
                .put("topic.queries", "qc-queries")
                .put("topic.cache", "qc-cache")
                .put("stats.queries.top", "3")
                .map();
            Settings settings = Settings.of(m);
            long t0 = (System.currentTimeMillis() / WINDOW) * WINDOW - 6 * WINDOW;

            try (StatsApp stats = StatsApp.start(settings)) {
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                    assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).as("created by the stats stage")
                        .contains("qc-queries", "qc-cache");
                }
                try (SinkApp sink = SinkApp.start(settings)) {
                    assertThat(sink.config().topics()).contains("qc-queries", "qc-cache");
                    produce(kafka, m.get("topic.metrics"), events(t0));

                    List<List<Object>> queries = Poll.until(Duration.ofSeconds(120), "3 db_queries rows of orders", () -> {
                        List<List<Object>> r = influx.rows("qc", "SELECT \"rank\", \"statement\", \"count\", \"total_ms\", \"share\","
                            + " \"p95\", \"statements\", \"folded_statements\" FROM db_queries WHERE \"service\" = 'orders'");
                        return r != null && r.size() == 3 ? r : null;
                    });
                    queries.forEach(r -> System.out.println("query-cache IT: db_queries " + r));
                    assertThat(queries).containsExactlyInAnyOrder(
                        List.of(1.0, "SELECT * FROM items WHERE order_id IN (?)", 5.0, 500.0, 0.5, 100.0, 4.0, false),
                        List.of(2.0, "SELECT * FROM orders WHERE id = ?", 10.0, 300.0, 0.3, 30.0, 4.0, false),
                        List.of(3.0, "DELETE FROM carts WHERE id = ?", 1.0, 100.0, 0.1, 100.0, 4.0, false));

                    List<List<Object>> caches = Poll.until(Duration.ofSeconds(60), "2 cache_stats rows of catalog", () -> {
                        List<List<Object>> r = influx.rows("qc", "SELECT \"cache\", \"hits\", \"misses\", \"hit_ratio\","
                            + " \"hit_mean_ms\", \"miss_mean_ms\", \"miss_penalty\" FROM cache_stats WHERE \"service\" = 'catalog'");
                        return r != null && r.size() == 2 ? r : null;
                    });
                    caches.forEach(r -> System.out.println("query-cache IT: cache_stats " + r));
                    List<Object> lookups = new ArrayList<>(List.of("product-cache", 7.0, 3.0, 0.7, 2.0, 40.0, 20.0));
                    List<Object> counters = new ArrayList<>(List.of("session-cache", 80.0, 20.0, 0.8));
                    counters.add(null);
                    counters.add(null);
                    counters.add(null);
                    assertThat(caches).containsExactlyInAnyOrder(lookups, counters);
                    // The README's queries (on this test's 10 s windows), as the influx CLI prints them.
                    influx.printCli("query-cache IT", "qc", "SELECT \"rank\", statement, \"count\", total_ms, share, p95 FROM db_queries"
                        + " WHERE service = 'orders' AND \"window\" = '10s' AND time > now() - 1h");
                    influx.printCli("query-cache IT", "qc",
                        "SELECT cache, hits, misses, hit_ratio, hit_mean_ms, miss_mean_ms, miss_penalty FROM cache_stats"
                        + " WHERE service = 'catalog' AND \"window\" = '10s' AND time > now() - 1h");
                }
            }
        }
    }

    /** The same known inputs as the stats stage's unit test, in the window from t0, and one later event to close it. */
    private static List<String[]> events(long t0) {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            out.add(db(t0 + i * 100, "orders", "SELECT * FROM orders WHERE id = " + (1000 + i), 30));
        }
        for (int i = 0; i < 5; i++) {
            out.add(db(t0 + 2000 + i, "orders", "SELECT * FROM items WHERE order_id IN (" + "7,".repeat(i) + "9)", 100));
        }
        for (int i = 0; i < 4; i++) {
            out.add(db(t0 + 3000 + i, "orders", "UPDATE stock SET n = n - 1 WHERE sku = 'sku-" + i + "'", 25));
        }
        out.add(db(t0 + 4000, "orders", "DELETE FROM carts WHERE id = 5", 100));
        for (int i = 0; i < 10; i++) {
            out.add(json("catalog", String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"catalog\",\"metric\":\"cache.lookup\","
                + "\"value\":%d,\"cache\":\"product-cache\",\"cacheHit\":%s}", t0 + 5000 + i, i < 7 ? 2 : 40, i < 7)));
        }
        out.add(counter(t0 + 6000, "cache.hits", 30));
        out.add(counter(t0 + 6001, "cache.hits", 50));
        out.add(counter(t0 + 6002, "cache.misses", 20));
        // moves stream time past the window's end and grace
        out.add(json("closer", "{\"timestamp\":" + (t0 + 3 * WINDOW) + ",\"service\":\"closer\",\"metric\":\"m\",\"value\":1}"));
        return out;
    }

    private static String[] db(long ts, String service, String sql, int ms) {
        return json(service, String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"db.query.duration\","
            + "\"value\":%d,\"dbStatement\":\"%s\"}", ts, service, ms, sql));
    }

    private static String[] counter(long ts, String metric, int n) {
        return json("catalog", String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"catalog\",\"metric\":\"%s\","
            + "\"value\":%d,\"unit\":\"count\",\"cache\":\"session-cache\"}", ts, metric, n));
    }

    private static String[] json(String key, String value) {
        return new String[] {key, value};
    }

    private static void produce(KafkaTestCluster kafka, String topic, List<String[]> events) {
        kafka.clients().sendText(topic, events.stream().map(e -> Map.entry(e[0], e[1])).toList());
    }
}
