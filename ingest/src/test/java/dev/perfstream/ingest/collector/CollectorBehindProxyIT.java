package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.ingest.collector.ClientAddresses.Source;
import dev.perfstream.ingest.collector.NginxTestServer.Forwarding;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.testkit.KafkaTestCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The collector behind a real reverse proxy (Debian's nginx) on loopback, against a real Kafka broker.
 * Clients connect from distinct loopback addresses (127.0.0.10, 127.0.0.11, ...: Linux routes all of
 * 127/8 to the loopback interface), so nginx sees many clients and appends each one's address to
 * X-Forwarded-For, as an ingress does. The rate limit allows a burst of 3 and refills 0.01 per second, so
 * within the test every client has exactly 3 requests.
 */
@Timeout(120)
class CollectorBehindProxyIT {
    static final int BURST = 3;
    static final int CLIENTS = 20;
    static final int PER_CLIENT = 5;
    static final String BEACON = "{\"app\":\"proxy-shop\",\"page\":\"/cart\",\"metrics\":[{\"name\":\"LCP\",\"value\":1200}]}";

    static KafkaTestCluster kafka;
    /** trusts nginx (127.0.0.1) */
    static CollectorApp behind;
    /** trusts nobody: what every collector did before collector.trusted.proxies */
    static CollectorApp naive;
    /** trusts nginx, reads RFC 7239 Forwarded */
    static CollectorApp rfc7239;
    static NginxTestServer nginx;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaTestCluster.start();
        kafka.createTopics(1, "it-proxy-rum", "it-proxy-metrics");
        behind = CollectorApp.start(settings(Map.of("collector.trusted.proxies", "127.0.0.1/32, ::1")));
        naive = CollectorApp.start(settings(Map.of()));
        rfc7239 = CollectorApp.start(settings(Map.of("collector.trusted.proxies", "127.0.0.1", "collector.forwarded.header", "Forwarded")));
        nginx = NginxTestServer.start(new NginxTestServer.Route(behind.port(), Forwarding.APPEND_X_FORWARDED_FOR),
            new NginxTestServer.Route(behind.port(), Forwarding.PASS_THROUGH),
            new NginxTestServer.Route(naive.port(), Forwarding.APPEND_X_FORWARDED_FOR),
            new NginxTestServer.Route(rfc7239.port(), Forwarding.APPEND_FORWARDED));
    }

    static Settings settings(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
            "collector.port", "0", "topic.rum", "it-proxy-rum", "topic.metrics", "it-proxy-metrics",
            "collector.session.salt", "it", "collector.ratelimit.per.second", "0.01",
            "collector.ratelimit.burst", Integer.toString(BURST)));
        m.putAll(extra);
        return Settings.of(m);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {nginx, behind, naive, rfc7239, kafka}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.out.println("closing " + c + ": " + e);
            }
        }
    }

    @Test
    void shouldLimitEachClientBehindTheProxyOnItsOwnAndIgnoreSpoofedHops() throws Exception {
        double forwardedBefore = behind.metrics().clientAddresses(Source.FORWARDED);
        Map<String, List<Integer>> statuses = new LinkedHashMap<>();
        for (int c = 0; c < CLIENTS; c++) {
            String client = "127.0.0." + (10 + c);
            for (int i = 0; i < PER_CLIENT; i++) {
                // Every request names another made-up client of its own: believed, each would get a fresh budget.
                int status = post(client, nginx.port(0), "X-Forwarded-For", "203.0.113." + (c * PER_CLIENT + i));
                statuses.computeIfAbsent(client, k -> new ArrayList<>()).add(status);
            }
        }
        System.out.println("behind nginx, trusted: " + statuses);
        assertThat(statuses).hasSize(CLIENTS).allSatisfy((client, s) ->
            assertThat(s).as(client).containsExactly(202, 202, 202, 429, 429));
        assertThat(behind.metrics().clientAddresses(Source.FORWARDED) - forwardedBefore).isEqualTo(CLIENTS * PER_CLIENT);
    }

    @Test
    void shouldLimitEachClientOnItsOwnThroughRfc7239Forwarded() throws Exception {
        Map<String, List<Integer>> statuses = new LinkedHashMap<>();
        for (int c = 0; c < 5; c++) {
            String client = "127.0.0." + (70 + c);
            for (int i = 0; i < PER_CLIENT; i++) {
                int status = post(client, nginx.port(3), "Forwarded", "for=203.0.113." + (c * PER_CLIENT + i) + ";proto=https");
                statuses.computeIfAbsent(client, k -> new ArrayList<>()).add(status);
            }
        }
        System.out.println("behind nginx, Forwarded: " + statuses);
        assertThat(statuses).hasSize(5).allSatisfy((client, s) -> assertThat(s).as(client).containsExactly(202, 202, 202, 429, 429));
        assertThat(rfc7239.metrics().clientAddresses(Source.FORWARDED)).isEqualTo(5 * PER_CLIENT);
    }

    @Test
    void shouldShareOneBudgetForEveryClientWhenTheProxyIsNotTrusted() throws Exception {
        int accepted = 0;
        int limited = 0;
        for (int c = 0; c < CLIENTS; c++) {
            for (int i = 0; i < PER_CLIENT; i++) {
                int status = post("127.0.0." + (50 + c), nginx.port(2));
                accepted += status == 202 ? 1 : 0;
                limited += status == 429 ? 1 : 0;
            }
        }
        System.out.println("behind nginx, not trusted: " + accepted + " accepted, " + limited + " limited of " + CLIENTS * PER_CLIENT);
        assertThat(accepted).isEqualTo(BURST);
        assertThat(limited).isEqualTo(CLIENTS * PER_CLIENT - BURST);
        assertThat(naive.metrics().clientAddresses(Source.IGNORED_UNTRUSTED)).isEqualTo(CLIENTS * PER_CLIENT);
    }

    @Test
    void shouldIgnoreAForwardingHeaderFromAnUntrustedPeer() throws Exception {
        double ignoredBefore = behind.metrics().clientAddresses(Source.IGNORED_UNTRUSTED);
        List<Integer> s = new ArrayList<>();
        for (int i = 0; i < PER_CLIENT; i++) { // straight to the collector, not through nginx
            s.add(post("127.0.0.99", behind.port(), "X-Forwarded-For", "198.51.100." + i));
        }
        assertThat(s).containsExactly(202, 202, 202, 429, 429);
        assertThat(behind.metrics().clientAddresses(Source.IGNORED_UNTRUSTED) - ignoredBefore).isEqualTo(PER_CLIENT);
    }

    @Test
    void shouldCountMalformedForwardingHeadersFromATrustedProxyWithoutFailing() throws Exception {
        // nginx route 1 passes the client's X-Forwarded-For through unchanged: the collector sees what a broken or
        // hostile chain of proxies might send.
        Map<String, Source> cases = new LinkedHashMap<>();
        cases.put("garbage", Source.MALFORMED);
        cases.put("198.51.100.7, not-an-ip", Source.MALFORMED);
        cases.put("1.2.3.4, ,", Source.MALFORMED);
        cases.put("999.1.1.1", Source.MALFORMED);
        cases.put("[2001:db8::1", Source.MALFORMED);
        cases.put("'); DROP TABLE x; --", Source.MALFORMED);
        cases.put("unknown", Source.UNKNOWN);
        cases.put("198.51.100.7, unknown", Source.UNKNOWN);
        cases.put("_hidden-client.7", Source.OBFUSCATED);
        cases.put("198.51.100.9" + ", 127.0.0.1".repeat(ClientAddresses.MAX_HOPS + 3), Source.TOO_MANY_HOPS);
        cases.put("[2001:db8:aa::1]:443", Source.FORWARDED);
        cases.put("2001:db8:bb::1", Source.FORWARDED);
        cases.put("198.51.100.200:61000", Source.FORWARDED);
        cases.put("127.0.0.1, 127.0.0.1", Source.ALL_TRUSTED);
        Map<Source, Double> before = new HashMap<>();
        Map<Source, Integer> expected = new HashMap<>();
        for (Source src : Source.values()) {
            before.put(src, behind.metrics().clientAddresses(src));
        }
        List<Integer> statuses = new ArrayList<>();
        for (Map.Entry<String, Source> e : cases.entrySet()) {
            statuses.add(post("127.0.0.98", nginx.port(1), "X-Forwarded-For", e.getKey()));
            expected.merge(e.getValue(), 1, Integer::sum);
        }
        // No header at all from the trusted proxy:
        statuses.add(post("127.0.0.98", nginx.port(1)));
        expected.merge(Source.TRUSTED_NO_HEADER, 1, Integer::sum);
        System.out.println("malformed forwarding headers through nginx: " + statuses);
        assertThat(statuses).allSatisfy(s -> assertThat(s).isIn(202, 429));
        for (Source src : Source.values()) {
            assertThat(behind.metrics().clientAddresses(src) - before.get(src)).as(src.label)
                .isEqualTo(expected.getOrDefault(src, 0).doubleValue());
        }
        String scrape = new String(behind.metrics().scrape(), StandardCharsets.UTF_8);
        assertThat(scrape).contains("perfstream_collector_client_address_total{source=\"malformed\"}")
            .doesNotContain("198.51.100").doesNotContain("127.0.0.98");
        assertThat(behind.ready()).isTrue();
    }

    /** POST /rum from source address {@code from}; returns the status code. */
    static int post(String from, int port, String... headers) throws Exception {
        byte[] body = BEACON.getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(30_000);
            StringBuilder req = new StringBuilder("POST /rum HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n");
            for (int i = 0; i < headers.length; i += 2) {
                req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }
}
