package dev.perfstream.deploy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.perfstream.ingest.loadgen.Incident;
import dev.perfstream.ingest.loadgen.IncidentKind;
import dev.perfstream.ingest.loadgen.TrafficModel;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.Ports;
import dev.perfstream.sink.notify.NotifierApp;
import dev.perfstream.streams.alerts.AlertsApp;
import dev.perfstream.streams.release.CompareCommand;
import dev.perfstream.streams.release.ReleaseConfig;
import dev.perfstream.streams.release.ReleaseReport;
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
 * A scripted bad release through the real pipeline: the load generator's demo traffic (every request on version
 * 1.4.0) with a BAD_RELEASE (1.5.0 on half of catalog's traffic for 10 minutes, GET /api/products/{id} +30 %
 * latency and 3 % more errors, then rolled back) into a real Kafka broker, the stats and alerts stages and the
 * notifier, to a real Alertmanager 0.25 whose receiver is this test: exactly one REGRESSION alert, firing then
 * resolved after the rollback, at the receiver and on the alerts topic; and {@code perfstream compare}'s table
 * from the same topic. Shares the broker, receiver and {@link AlertingIT.Env} of {@link AlertingIT}.
 */
class ReleaseRegressionIT {
    private static final Duration MIN = Duration.ofMinutes(1);

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
    void shouldRaiseOneRegressionForABadReleaseResolveItAfterRollbackAndCompareTheVersions() throws Exception {
        Instant t0 = AlertingIT.base();
        Incident release = new Incident(IncidentKind.BAD_RELEASE, "catalog", "/api/products/{id}", t0.plus(MIN.multipliedBy(4)),
            t0.plus(MIN.multipliedBy(14)), 1.3);
        try (AlertingIT.Env env = AlertingIT.Env.create("release", null, "10m")) {
            env.settings().put("stats.windows", "10s,1m");
            try (StatsApp stats = StatsApp.start(Settings.of(env.settings()));
                 AlertsApp alerts = AlertsApp.start(Settings.of(env.settings()));
                 NotifierApp notifier = NotifierApp.start(Settings.of(env.settings()))) {
                // calm minutes 0-3, the canary in minutes 4-13, rolled back from minute 14 on
                AlertingIT.produce(env, List.of(release), t0, t0.plus(MIN.multipliedBy(14)));
                env.await("firing", "release-regression", "catalog", "");
                System.out.println("held by Alertmanager: " + env.am().alerts());
                // release.rollback.after (2m) without 1.5.0 events: resolved
                AlertingIT.produce(env, List.of(release), t0.plus(MIN.multipliedBy(14)), t0.plus(MIN.multipliedBy(19)));
                env.await("resolved", "release-regression", "catalog", "");
                Poll.until(Duration.ofSeconds(60), "both REGRESSION notifications on the alerts topic", () ->
                    AlertingIT.alertsTopic(env).stream().filter(a -> a.startsWith("release-regression")).count() >= 2 ? true : null);
                assertThat(AlertingIT.alertsTopic(env).stream().filter(a -> a.startsWith("release-regression")).toList())
                    .containsExactly("release-regression FIRING service=catalog,version=1.5.0",
                        "release-regression RESOLVED service=catalog,version=1.5.0");
                assertThat(env.of("release-regression", "catalog", "")).containsExactly("firing", "resolved");

                String topic = env.settings().get("topic.stats");
                List<WindowStats> windows = CompareCommand.read(KafkaClients.plain(AlertingIT.kafka.bootstrapServers()),
                    topic, Codecs.create(WindowStats.getClassSchema(), Settings.of(Map.of())), "catalog", Instant.EPOCH,
                    System.err);
                String table = ReleaseReport.render(new ReleaseReport.Query("catalog", "http.server.duration",
                    TrafficModel.VERSION, TrafficModel.CANARY_VERSION, null, null), windows, ReleaseConfig.defaults());
                System.out.println(table);
                assertThat(table.lines().filter(l -> l.startsWith("/api/products/{id}")).findFirst().orElseThrow())
                    .contains("REGRESSION (p95, errors)");
                assertThat(table.lines().filter(l -> l.startsWith("/api/products ") || l.startsWith("/api/search")))
                    .hasSize(2).allSatisfy(l -> assertThat(l).endsWith("ok"));
            }
        }
    }
}
