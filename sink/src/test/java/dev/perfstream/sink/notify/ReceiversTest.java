package dev.perfstream.sink.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.perfstream.schemas.config.Settings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ReceiversTest {
    @Test
    void shouldReSendTheActiveSetInRequestsOfAtMost500AlertsEachWithTheNewEndsAt() throws Exception {
        List<JsonNode> bodies = new CopyOnWriteArrayList<>();
        HttpServer am = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        am.createContext("/api/v2/alerts", ex -> {
            bodies.add(AlertmanagerAlerts.json().readTree(ex.getRequestBody().readAllBytes()));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        am.start();
        try {
            NotifierConfig c = NotifierConfig.from(Settings.of(Map.of("alertmanager.url",
                "http://127.0.0.1:" + am.getAddress().getPort(), "alertmanager.resend", "1m")));
            Receivers r = new Receivers(c, new HttpPost(Duration.ofSeconds(5)),
                (topic, partition, offset, timestamp, key, value, code, reason) -> { });
            List<ObjectNode> active = new ArrayList<>();
            for (int i = 0; i < 1_200; i++) {
                ObjectNode a = AlertmanagerAlerts.json().createObjectNode();
                a.putObject("labels").put("alertname", "storm").put("service", "svc" + i);
                a.put("startsAt", "2026-12-07T19:00:00Z");
                active.add(a);
            }
            Instant now = Instant.parse("2026-12-07T19:30:00Z");
            r.resend(active, now);
            assertThat(bodies).extracting(JsonNode::size).containsExactly(500, 500, 200);
            List<String> services = new ArrayList<>();
            bodies.forEach(b -> b.forEach(a -> {
                assertThat(a.get("endsAt").asText()).isEqualTo("2026-12-07T19:34:00Z");
                services.add(a.get("labels").get("service").asText());
            }));
            assertThat(services).hasSize(1_200).doesNotHaveDuplicates();
        } finally {
            am.stop(0);
        }
    }
}
