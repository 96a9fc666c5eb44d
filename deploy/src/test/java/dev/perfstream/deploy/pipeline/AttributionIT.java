package dev.perfstream.deploy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.perfstream.ingest.loadgen.Incident;
import dev.perfstream.ingest.loadgen.IncidentLabels;
import dev.perfstream.ingest.loadgen.IncidentKind;
import dev.perfstream.ingest.loadgen.TrafficModel;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.AttributionCause;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.LogCapture;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.Ports;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.sink.notify.NotifierApp;
import dev.perfstream.streams.alerts.AlertsApp;
import dev.perfstream.streams.alerts.attribution.Attributor;
import dev.perfstream.streams.stats.StatsApp;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bottleneck attribution end to end on real components: the load generator's demo traffic with its slow-statement
 * incident (catalog's product-list statement 15x slower from minute 6, labelled with that statement as the cause)
 * into a real Kafka broker, through the stats and alerts stages (default rules), the sink into a real influxd and the
 * notifier into a real Alertmanager 0.25. The route's latency alert ({@code api-latency-p95} on catalog GET
 * /api/products) names the injected statement first: on the alerts topic, in InfluxDB's {@code attribution}
 * measurement (rank 1) and in the annotations Alertmanager holds. Shares the broker and receiver of {@link AlertingIT}.
 */
class AttributionIT {
    private static final Duration MIN = Duration.ofMinutes(1);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROUTE = "/api/products";

    @BeforeAll
    static void startAll() throws Exception {
        AlertingIT.kafka = KafkaTestCluster.start();
        AlertingIT.receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", Ports.free()), 0);
        AlertingIT.receiver.start();
    }

    @AfterAll
    static void stopAll() throws Exception {
        AlertingIT.stopAll();
    }

    @Test
    @Timeout(400)
    void shouldNameTheInjectedStatementFirstOnTheRoutesLatencyAlertInKafkaInfluxDbAndAlertmanager() throws Exception {
        Instant t0 = AlertingIT.base();
        Incident slow = new Incident(IncidentKind.SLOW_QUERY, "catalog", ROUTE, t0.plus(MIN.multipliedBy(6)),
            t0.plus(MIN.multipliedBy(10)), 15);
        String statement = IncidentLabels.causes(TrafficModel.demo(), slow).get(0).split("\\|", 4)[3];
        assertThat(statement).isEqualTo("SELECT * FROM products ORDER BY rank LIMIT ?");
        // The attribution's order lines (see the end of the test).
        List<String> orderLines;
        try (LogCapture attributor = new LogCapture(Attributor.class); InfluxTestServer influx = InfluxTestServer.start();
             AlertingIT.Env env = AlertingIT.Env.create("attrib", null, "10m")) {
            env.settings().put("influx.url", influx.url());
            env.settings().put("influx.database", "attrib");
            env.settings().put("sink.linger", "200ms");
            env.settings().put("sink.group.id", "attrib-sink");
            // the stats stage creates the statement and cache topics; the alerts stage reads those that exist at its start
            try (StatsApp stats = StatsApp.start(Settings.of(env.settings()));
                 AlertsApp alerts = AlertsApp.start(Settings.of(env.settings()));
                 SinkApp sink = SinkApp.start(Settings.of(env.settings()));
                 NotifierApp notifier = NotifierApp.start(Settings.of(env.settings()))) {
                // calm minutes 0-5 (the baseline), the slow statement from minute 6: windows 6 and 7 breach (for: 2)
                AlertingIT.produce(env, List.of(slow), t0, t0.plus(MIN.multipliedBy(9)));
                env.await("firing", "api-latency-p95", "catalog", ROUTE);

                Alert firing = Poll.until(Duration.ofSeconds(60), "the FIRING on the alerts topic", () -> latencyAlert(env));
                System.out.println("attribution IT: " + firing.getSummary());
                System.out.println("attribution IT: " + firing.getAttribution());
                assertThat(firing.getAttribution().getBaselineWindows()).isEqualTo(5);
                AttributionCause top = firing.getAttribution().getCauses().get(0);
                assertThat(top.getKind()).isEqualTo("db_statement");
                assertThat(top.getName()).isEqualTo(statement);
                assertThat(top.getShare()).isGreaterThan(0.8);
                assertThat(firing.getSummary()).contains("of it in DB statement `" + statement + "`");

                JsonNode held = null;
                for (JsonNode a : JSON.readTree(env.am().alerts())) {
                    if (a.path("labels").path("alertname").asText().equals("api-latency-p95")) {
                        held = a;
                    }
                }
                assertThat(held).as("api-latency-p95 in Alertmanager").isNotNull();
                System.out.println("attribution IT: Alertmanager annotations " + held.path("annotations"));
                assertThat(held.path("annotations").path("top_cause").asText()).endsWith("db_statement " + statement);
                assertThat(held.path("annotations").path("summary").asText()).contains(statement);

                String q = "SELECT \"rank\", kind, candidate, share, delta_ms, detail FROM attribution WHERE service = 'catalog'"
                    + " AND route = '/api/products'";
                List<List<Object>> rows = Poll.until(Duration.ofSeconds(60), "attribution rows in InfluxDB", () -> {
                    List<List<Object>> r = influx.rows("attrib", q);
                    return r != null && r.size() == firing.getAttribution().getCauses().size() + 1 ? r : null;
                });
                rows.forEach(r -> System.out.println("attribution IT: attribution " + r));
                assertThat(rows).filteredOn(r -> Double.valueOf(1.0).equals(r.get(0))).singleElement().satisfies(r -> {
                    assertThat(r.get(1)).isEqualTo("db_statement");
                    assertThat(r.get(2)).isEqualTo(statement);
                    assertThat((Double) r.get(3)).isGreaterThan(0.8);
                });
                assertThat(rows).filteredOn(r -> "unexplained".equals(r.get(1))).hasSize(1);
                // The README's query, as the influx CLI prints it.
                influx.printCli("attribution IT", "attrib", "SELECT \"rank\", kind, candidate, share, delta_ms, detail FROM attribution WHERE service = 'catalog'"
                    + " AND route = '/api/products' AND time > now() - 1d");
            }
            orderLines = attributor.messages();
        }
        // perf.stats has 3 partitions here, and the stats stage closes the 9 minutes at once: a service's series reach the
        // alerts task one partition's windows after another's. The stats task's header and the decode step's partition
        // come through the real repartition topic, so the attribution follows each source: the only order line left is
        // the start-up one (a source's first window behind the others'), never a window behind its own source or, with
        // the sources lost, behind the topic (the line this run logged before the sources).
        orderLines.forEach(m -> System.out.println("attribution IT: " + m));
        assertThat(orderLines)
            .allMatch(m -> m.contains(" is new to the service)"), "a source's first window behind the others'");
    }

    /** The FIRING of api-latency-p95 on catalog's product list from the alerts topic, or null. */
    private static Alert latencyAlert(AlertingIT.Env env) {
        String topic = env.settings().get("topic.alerts");
        RecordCodec<Alert> codec = Codecs.create(Alert.getClassSchema(), Settings.of(Map.of()));
        List<Alert> out = AlertingIT.kafka.clients().drain(topic, codec::decode);
        return out.stream().filter(a -> a.getRule().equals("api-latency-p95") && a.getState() == AlertState.FIRING
            && a.getSeries().endsWith("service=catalog,route=" + ROUTE)).findFirst().orElse(null);
    }
}
