package dev.perfstream.sink.influx;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.config.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Configuration of the sink, read from {@link Settings}. Every problem is reported at once, naming
 * the key (see the module README for the keys and their defaults).
 *
 * @param bootstrapServers  Kafka bootstrap servers
 * @param groupId           consumer group; offsets are committed only after InfluxDB acknowledged a batch
 * @param topics            result topics to read, each one of {@code statsTopic..alertsTopic}
 * @param statsTopic        topic carrying {@code WindowStats}
 * @param anomaliesTopic    topic carrying {@code Anomaly}
 * @param forecastsTopic    topic carrying {@code Forecast}
 * @param alertsTopic       topic carrying {@code Alert}
 * @param deadLetterTopic   where undecodable or rejected records go, with their reason
 * @param influxUrl         base URL of InfluxDB
 * @param api               {@link Api#V1} ({@code /write}) or {@link Api#V2} ({@code /api/v2/write})
 * @param database          v1 database (created on start)
 * @param retentionPolicy   v1 retention policy, or null for the database's default
 * @param username          v1 user (or v2 on 1.8+ with user:password as token), or null
 * @param password          password for {@code username}, or null
 * @param token             v2 token, or null
 * @param org               v2 organisation, or null
 * @param bucket            v2 bucket
 * @param timeout           HTTP read/write timeout towards InfluxDB
 * @param batchSize         points per write request at most
 * @param linger            how long a partial batch waits for more records
 * @param backoffMin        first retry delay after a failed write
 * @param backoffMax        retry delays double up to this
 * @param progressInterval  how often progress is logged at INFO
 */
public record SinkConfig(String bootstrapServers, String groupId, List<String> topics,
                         String statsTopic, String anomaliesTopic, String forecastsTopic, String alertsTopic,
                         String deadLetterTopic, String influxUrl, Api api, String database, String retentionPolicy,
                         String username, String password, String token, String org, String bucket,
                         Duration timeout, int batchSize, Duration linger, Duration backoffMin, Duration backoffMax,
                         Duration progressInterval) {

    /** Which InfluxDB write API the sink uses. */
    public enum Api { V1, V2 }

    /** @throws IllegalArgumentException listing every invalid key */
    public static SinkConfig from(Settings s) {
        String stats = s.string("topic.stats", Topics.STATS);
        String anomalies = s.string("topic.anomalies", Topics.ANOMALIES);
        String forecasts = s.string("topic.forecasts", Topics.FORECASTS);
        String alerts = s.string("topic.alerts", Topics.ALERTS);
        List<String> known = List.of(stats, anomalies, forecasts, alerts);
        List<String> topics = s.list("sink.topics", known);
        for (String t : topics) {
            if (!known.contains(t)) {
                s.problem("sink.topics: \"" + t + "\" is not one of the result topics " + known
                    + " (set topic.stats/topic.anomalies/topic.forecasts/topic.alerts to rename them)");
            }
        }
        if (topics.isEmpty()) {
            s.problem("sink.topics: at least one topic is needed");
        }
        Api api = api(s);
        String url = s.string("influx.url", "http://127.0.0.1:8086");
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            s.problem("influx.url: \"" + url + "\" must start with http:// or https://");
        }
        String database = s.string("influx.database", "perfstream");
        String username = s.string("influx.username", null);
        String password = s.string("influx.password", null);
        if ((username == null) != (password == null)) {
            s.problem("influx.username/influx.password: give both or neither");
        }
        String token = s.string("influx.token", null);
        Duration backoffMin = s.duration("sink.retry.backoff.min", Duration.ofMillis(500));
        Duration backoffMax = s.duration("sink.retry.backoff.max", Duration.ofSeconds(30));
        if (backoffMin.isZero() || backoffMin.isNegative() || backoffMax.compareTo(backoffMin) < 0) {
            s.problem("sink.retry.backoff.min/max: need 0 < min <= max, got " + backoffMin + " and " + backoffMax);
        }
        SinkConfig c = new SinkConfig(
            s.string("kafka.bootstrap.servers", "127.0.0.1:9092"),
            s.string("sink.group.id", "perfstream-sink"),
            List.copyOf(new ArrayList<>(topics)), stats, anomalies, forecasts, alerts,
            s.string("topic.deadletter", Topics.DEADLETTER),
            url, api, database, s.string("influx.retention.policy", null), username, password, token,
            s.string("influx.org", null),
            // InfluxDB 1.8+ maps a v2 bucket "db/rp" (or just "db") onto a database: default to the same one.
            s.string("influx.bucket", database),
            s.duration("influx.timeout", Duration.ofSeconds(10)),
            s.integer("sink.batch.size", 1000, 1, 100_000),
            s.duration("sink.linger", Duration.ofSeconds(1)),
            backoffMin, backoffMax,
            s.duration("sink.progress.interval", Duration.ofSeconds(30)));
        s.throwIfInvalid("sink");
        return c;
    }

    private static Api api(Settings s) {
        String raw = s.string("influx.api", "v1").toLowerCase(Locale.ROOT);
        switch (raw) {
            case "v1": return Api.V1;
            case "v2": return Api.V2;
            default:
                s.problem("influx.api: \"" + raw + "\" is not v1 or v2");
                return Api.V1;
        }
    }

    /** Never prints the password or the token. */
    @Override
    public String toString() {
        return "SinkConfig[kafka=" + bootstrapServers + ", group=" + groupId + ", topics=" + topics
            + ", deadletter=" + deadLetterTopic + ", influx=" + influxUrl + " (" + api + "), database=" + database
            + ", bucket=" + bucket + ", org=" + org + ", user=" + username + ", token=" + (token == null ? "unset" : "set")
            + ", batch=" + batchSize + ", linger=" + linger + ", backoff=" + backoffMin + ".." + backoffMax + "]";
    }
}
