package dev.perfstream.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.deploy.cli.DemoSettingsAccess;
import dev.perfstream.deploy.services.ServicesConfig;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.testkit.InfluxTestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The query the demo prints (and the README shows) runs with the real {@code influx} CLI against a
 * real influxd holding a point in the sink's layout, and prints p95 and p99 per route.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DemoGuideIT {
    @Test
    void shouldPrintP95AndP99PerRouteWithTheReadmeQuery() throws Exception {
        try (InfluxTestServer influx = InfluxTestServer.start()) {
            influx.query("perfstream", "CREATE DATABASE perfstream");
            long now = System.currentTimeMillis();
            // One point per route as the sink writes it (measurement metric_stats, tags metric/service/route/window/unit).
            String lines = String.join("\n",
                "metric_stats,metric=http.server.duration,route=/cart,service=shop,unit=ms,window=10s count=100i,errors=1i,p95=120.5,p99=180.25 " + now,
                "metric_stats,metric=http.server.duration,route=/search,service=shop,unit=ms,window=10s count=50i,errors=0i,p95=80.5,p99=99.75 " + now);
            HttpResponse<String> w = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(influx.url() + "/write?db=perfstream&precision=ms"))
                .POST(HttpRequest.BodyPublishers.ofString(lines)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(w.statusCode()).as(w.body()).isEqualTo(204);

            ServicesConfig c = ServicesConfig.from(Settings.of(Map.of("influx.url", influx.url())), Path.of("/tmp"));
            String cmd = new DemoGuide(c).influxCommand(new DemoGuide(c).statsQuery());
            Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("route=/cart", "route=/search", "120.5", "180.25", "80.5", "99.75");
        }
    }

    @Test
    void shouldKeepTheUsersSettingsAboveTheDemoDefaults() {
        ServicesConfig c = ServicesConfig.from(Settings.of(Map.of()), Path.of("/srv/ps"));
        Settings s = DemoSettingsAccess.stageSettings(Settings.of(Map.of("stats.grace", "20s")), c);
        assertThat(s.string("stats.grace", null)).isEqualTo("20s");
        assertThat(s.string("state.dir", null)).isEqualTo("/srv/ps/.perfstream/state");
        assertThat(List.of(s.string("loadgen.incidents.file", ""))).containsExactly("/srv/ps/.perfstream/incidents.jsonl");
        // Every stage (the load generator too) reads and writes Avro through the local registry ...
        assertThat(s.string("schema.registry.url", null)).isEqualTo("http://127.0.0.1:8081/apis/ccompat/v7");
        // ... unless it is switched off: JSON everywhere, as before.
        ServicesConfig off = ServicesConfig.from(Settings.of(Map.of("services.registry.enabled", "false")), Path.of("/srv/ps"));
        assertThat(DemoSettingsAccess.stageSettings(Settings.of(Map.of()), off).string("schema.registry.url", null)).isNull();
    }
}
