package dev.perfstream.ingest.collector;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.config.Settings;
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
 */
public record CollectorConfig(String host, int port, String bootstrapServers, String metricsTopic, String rumTopic,
                              int maxBodyBytes, double ratePerClient, int burstPerClient, List<String> corsOrigins,
                              List<String> apiKeys, int routesPerApp, String sessionSalt, long bufferBytes,
                              Duration sendTimeout, int maxEventsPerRequest, int threads) {
    public static CollectorConfig from(Settings s) {
        CollectorConfig c = new CollectorConfig(
            s.string("collector.host", "127.0.0.1"),
            s.integer("collector.port", 8088, 0, 65_535),
            s.string("kafka.bootstrap.servers", "127.0.0.1:9092"),
            s.string("topic.metrics", Topics.METRICS),
            s.string("topic.rum", Topics.RUM),
            s.integer("collector.body.max.bytes", 64 * 1024, 256, 16 * 1024 * 1024),
            s.decimal("collector.ratelimit.per.second", 50, 0.01, 1e9),
            s.integer("collector.ratelimit.burst", 100, 1, 1_000_000_000),
            s.list("collector.cors.origins", List.of()),
            s.list("collector.api.keys", List.of()),
            s.integer("collector.routes.per.app", 500, 1, 1_000_000),
            s.string("collector.session.salt", null),
            s.longValue("collector.producer.buffer.bytes", 32L * 1024 * 1024, 1024 * 1024, 4L * 1024 * 1024 * 1024),
            s.duration("collector.send.timeout", Duration.ofSeconds(10)),
            s.integer("collector.max.events.per.request", 500, 1, 100_000),
            s.integer("collector.threads", 8, 4, 1000));
        if (c.sendTimeout.toMillis() < 1000) {
            s.problem("collector.send.timeout: must be at least 1s, got " + c.sendTimeout);
        }
        for (String o : c.corsOrigins) {
            if (!o.equals("*") && !o.matches("https?://[^/\\s]+")) {
                s.problem("collector.cors.origins: \"" + o + "\" is not an origin like https://shop.example.com");
            }
        }
        s.throwIfInvalid("collector");
        return c;
    }
}
