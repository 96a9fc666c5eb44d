package dev.perfstream.ingest.collector;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.kafka.KafkaClients;
import java.time.Duration;
import java.util.List;

/**
 * Configuration of the collector; keys and defaults are listed in the module README.
 *
 * @param corsOrigins    origins (scheme://host[:port]) allowed to post beacons; a request whose
 *                       {@code Origin} is neither listed nor the collector's own is refused (403)
 * @param apiKeys        keys accepted on {@code /v1/metrics} ({@code Authorization: Bearer KEY} or
 *                       {@code X-API-Key}); empty = the endpoint is closed
 * @param sessionSalt    salt of the session id hash; null = random per process
 * @param bufferBytes    Kafka producer buffer; when full, requests get 503 + Retry-After
 * @param sendTimeout    how long a request waits for Kafka's acknowledgement before 503
 * @param threads        Jetty's request thread pool (selectors and acceptors included)
 * @param otlpMaxBodyBytes body limit of OTLP requests on {@code /v1/traces} and {@code /v1/metrics}, after gzip
 * @param otlpMaxStreams how many cumulative OTLP streams the collector remembers to compute deltas
 * @param trustedProxies proxies whose forwarding header names the client for the rate limit
 * @param forwardedHeader the forwarding header read from them
 * @param elementsPerApp distinct attribution elements (and, separately, scripts) per app before __overflow__
 */
public record CollectorConfig(String host, int port, String bootstrapServers, String metricsTopic, String rumTopic,
                              int maxBodyBytes, double ratePerClient, int burstPerClient, List<String> corsOrigins,
                              List<String> apiKeys, int routesPerApp, String sessionSalt, long bufferBytes,
                              Duration sendTimeout, int maxEventsPerRequest, int threads,
                              int otlpMaxBodyBytes, int otlpMaxStreams, TrustedProxies trustedProxies,
                              ClientAddresses.Header forwardedHeader, int elementsPerApp) {
    public static final ConfigKey<String> HOST = ConfigKey.string("collector.host", "127.0.0.1").doc("Bind address");
    public static final ConfigKey<Integer> PORT = ConfigKey.integer("collector.port", 8088, 0, 65_535)
        .doc("HTTP port; 0 = any free port");
    public static final ConfigKey<Integer> BODY_MAX_BYTES =
        ConfigKey.integer("collector.body.max.bytes", 64 * 1024, 256, 16 * 1024 * 1024).unit("bytes").doc("413 above");
    public static final ConfigKey<Double> RATE_PER_SECOND = ConfigKey.decimal("collector.ratelimit.per.second", 50, 0.01, 1e9)
        .doc("Requests per second per client (token bucket)");
    public static final ConfigKey<Integer> RATE_BURST = ConfigKey.integer("collector.ratelimit.burst", 100, 1, 1_000_000_000)
        .doc("Burst per client (token bucket size)");
    public static final ConfigKey<List<String>> CORS_ORIGINS = ConfigKey.list("collector.cors.origins", List.of())
        .doc("Comma-separated origins allowed to post (* = any); the collector's own origin is always allowed");
    public static final ConfigKey<List<String>> API_KEYS = ConfigKey.list("collector.api.keys", List.of()).secret()
        .doc("Comma-separated keys for /v1/metrics; empty = endpoint closed");
    public static final ConfigKey<Integer> ROUTES_PER_APP = ConfigKey.integer("collector.routes.per.app", 500, 1, 1_000_000)
        .doc("Distinct routes/pages per app or service");
    public static final ConfigKey<String> SESSION_SALT = ConfigKey.string("collector.session.salt", null).secret()
        .defaultText("random per process").doc("Salt of the session id hash; set it so hashes survive restarts");
    public static final ConfigKey<Long> BUFFER_BYTES = ConfigKey.longValue("collector.producer.buffer.bytes",
        32L * 1024 * 1024, 1024 * 1024, 4L * 1024 * 1024 * 1024).unit("bytes")
        .doc("Kafka producer buffer; 503 when full");
    public static final ConfigKey<Duration> SEND_TIMEOUT = ConfigKey.duration("collector.send.timeout", Duration.ofSeconds(10))
        .atLeast(Duration.ofSeconds(1)).doc("Kafka's delivery timeout: a batch's longest wait for the acknowledgement; a "
            + "buffered beacon event not stored by then counts as a send failure");
    public static final ConfigKey<Integer> MAX_EVENTS_PER_REQUEST =
        ConfigKey.integer("collector.max.events.per.request", 500, 1, 100_000).doc("Items per beacon or batch");
    public static final ConfigKey<Integer> THREADS = ConfigKey.integer("collector.threads", 8, 4, 1000)
        .doc("Jetty's request thread pool, acceptor and selector included. No request thread waits for Kafka or a slow "
            + "beacon body, so a few suffice: on 2 cores 32 threads cost about twice the CPU per beacon of 8");

    public static final ConfigKey<Integer> OTLP_BODY_MAX_BYTES = ConfigKey.integer("collector.otlp.body.max.bytes",
        4 * 1024 * 1024, 256, 64 * 1024 * 1024).unit("bytes")
        .doc("OTLP/HTTP requests (/v1/traces, /v1/metrics in OTLP): 413 above, counted after gzip; an SDK's batch of "
            + "512 spans is 50-200 KB");
    public static final ConfigKey<Integer> OTLP_STREAMS_MAX = ConfigKey.integer("collector.otlp.streams.max", 100_000, 1, 10_000_000)
        .doc("Cumulative OTLP streams (metric, resource and point attributes) remembered to turn cumulative sums and "
            + "histograms into deltas; least recently used forgotten first (such a stream starts again from a baseline)");

    public static final ConfigKey<List<String>> TRUSTED_PROXIES = ConfigKey.list("collector.trusted.proxies", List.of())
        .doc("Comma-separated CIDR ranges (IPv4, IPv6; a bare address is a range of one) of the proxies, load balancers or "
            + "ingress controllers in front of the collector: from these peers the forwarding header names the client, "
            + "whose right-most address that is not itself trusted becomes the per-client rate limit's key. Empty = "
            + "trust nobody: every client is its TCP peer and forwarding headers are ignored");
    public static final ConfigKey<String> FORWARDED_HEADER = ConfigKey.string("collector.forwarded.header", "X-Forwarded-For")
        .oneOf("X-Forwarded-For", "Forwarded")
        .doc("The forwarding header read from trusted proxies: X-Forwarded-For (ingress-nginx, HAProxy, cloud load "
            + "balancers) or Forwarded (RFC 7239); only this one, so a client cannot pick its key through the other");

    public static final ConfigKey<Integer> ELEMENTS_PER_APP = ConfigKey.integer("collector.elements.per.app", 200, 1, 100_000)
        .doc("Distinct RUM attribution elements (LCP element, INP target, CLS shift target) per app, and as many scripts, "
            + "then __overflow__ (the cardinality guard)");

    public static CollectorConfig from(Settings s) {
        CollectorConfig c = new CollectorConfig(
            s.get(HOST),
            s.get(PORT),
            s.get(KafkaClients.BOOTSTRAP_SERVERS),
            s.get(TopicKeys.METRICS),
            s.get(TopicKeys.RUM),
            s.get(BODY_MAX_BYTES),
            s.get(RATE_PER_SECOND),
            s.get(RATE_BURST),
            s.get(CORS_ORIGINS),
            s.get(API_KEYS),
            s.get(ROUTES_PER_APP),
            s.get(SESSION_SALT),
            s.get(BUFFER_BYTES),
            s.get(SEND_TIMEOUT),
            s.get(MAX_EVENTS_PER_REQUEST),
            s.get(THREADS),
            s.get(OTLP_BODY_MAX_BYTES),
            s.get(OTLP_STREAMS_MAX),
            TrustedProxies.parse(s.get(TRUSTED_PROXIES), m -> s.problem("collector.trusted.proxies: " + m)),
            ClientAddresses.Header.of(s.get(FORWARDED_HEADER)),
            s.get(ELEMENTS_PER_APP));
        for (String o : c.corsOrigins) {
            if (!o.equals("*") && !o.matches("https?://[^/\\s]+")) {
                s.problem("collector.cors.origins: \"" + o + "\" is not an origin like https://shop.example.com");
            }
        }
        s.throwIfInvalid("collector");
        return c;
    }
}
