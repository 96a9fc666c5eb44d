package dev.perfstream.sink.influx;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Configuration of the sink, read from {@link Settings}. Every problem is reported at once, naming
 * the key (see the module README for the keys and their defaults).
 *
 * @param bootstrapServers  Kafka bootstrap servers
 * @param groupId           consumer group; offsets are committed only after InfluxDB acknowledged a batch
 * @param topics            result topics to read, each one of {@code statsTopic..alertsTopic, queriesTopic, cacheTopic}
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
 * @param queriesTopic      topic carrying {@code QueryStats}
 * @param cacheTopic        topic carrying {@code CacheStats}
 * @param impactTopic       topic carrying {@code UxImpact}
 * @param recommendationsTopic topic carrying {@code Recommendation} (scaling advice)
 * @param rumElementsTopic  topic carrying {@code RumElementStats} (RUM stats per element and script)
 */
public record SinkConfig(String bootstrapServers, String groupId, List<String> topics,
                         String statsTopic, String anomaliesTopic, String forecastsTopic, String alertsTopic,
                         String deadLetterTopic, String influxUrl, Api api, String database, String retentionPolicy,
                         String username, String password, String token, String org, String bucket,
                         Duration timeout, int batchSize, Duration linger, Duration backoffMin, Duration backoffMax,
                         Duration progressInterval, TrustStore trustStore, String queriesTopic, String cacheTopic,
                         String impactTopic, String recommendationsTopic, String rumElementsTopic) {

    /** The CA certificates an https {@code influx.url} is checked against; null: the JVM's default CAs. */
    public record TrustStore(String location, String password, String type) {
        /** Never prints the password. */
        @Override
        public String toString() {
            return type + " " + location;
        }
    }

    /** Which InfluxDB write API the sink uses. */
    public enum Api { V1, V2 }

    public static final ConfigKey<String> GROUP_ID = ConfigKey.string("sink.group.id", "perfstream-sink")
        .doc("Consumer group of the sink (its offsets, committed after InfluxDB acknowledged a batch)");
    public static final ConfigKey<List<String>> TOPICS = ConfigKey.list("sink.topics", List.of())
        .defaultText("topic.stats,topic.anomalies,topic.forecasts,topic.alerts,topic.queries,topic.cache,topic.impact,"
            + "topic.recommendations,topic.rum.elements")
        .doc("Result topics the sink reads (by default topic.queries, topic.cache, topic.impact, topic.recommendations"
            + " and topic.rum.elements only when they exist at start)");
    public static final ConfigKey<String> INFLUX_URL = ConfigKey.string("influx.url", "http://127.0.0.1:8086")
        .check(u -> u.startsWith("http://") || u.startsWith("https://"), "must start with http:// or https://")
        .doc("InfluxDB the sink writes to; the local influxd (services start, demo) listens here (loopback only)");
    public static final ConfigKey<String> INFLUX_API = ConfigKey.string("influx.api", "v1").oneOf("v1", "v2")
        .doc("v1: POST /write (InfluxDB 1.x; 2.x and 3.x accept it too); v2: /api/v2/write (2.x, 3.x, Cloud, 1.8+)");
    public static final ConfigKey<String> INFLUX_DATABASE = ConfigKey.string("influx.database", "perfstream")
        .doc("v1 database, created at start (also by the local services)");
    public static final ConfigKey<String> INFLUX_RETENTION_POLICY = ConfigKey.string("influx.retention.policy", null)
        .defaultText("the database's default").doc("v1 retention policy");
    public static final ConfigKey<String> INFLUX_USERNAME = ConfigKey.string("influx.username", null)
        .doc("v1 user (with influx.password); with v2 and no token, sent as token user:password (InfluxDB 1.8+)");
    public static final ConfigKey<String> INFLUX_PASSWORD = ConfigKey.string("influx.password", null).secret()
        .doc("Password of influx.username");
    public static final ConfigKey<String> INFLUX_TOKEN = ConfigKey.string("influx.token", null).secret()
        .doc("v2 API token");
    public static final ConfigKey<String> INFLUX_ORG = ConfigKey.string("influx.org", null).doc("v2 organisation");
    public static final ConfigKey<String> INFLUX_BUCKET = ConfigKey.string("influx.bucket", null)
        .defaultText("influx.database").doc("v2 bucket");
    public static final ConfigKey<String> INFLUX_TRUSTSTORE = ConfigKey.string("influx.ssl.truststore.location", null)
        .defaultText("the JVM's default CAs")
        .doc("Trust store with the CA of an https influx.url (a private CA; public CAs need none), as the Kafka clients' "
            + "ssl.truststore.*");
    public static final ConfigKey<String> INFLUX_TRUSTSTORE_PASSWORD =
        ConfigKey.string("influx.ssl.truststore.password", null).secret().doc("Password of the trust store (none for PEM)");
    public static final ConfigKey<String> INFLUX_TRUSTSTORE_TYPE = ConfigKey.string("influx.ssl.truststore.type", "PKCS12")
        .oneOf("PKCS12", "JKS", "PEM").doc("Format of the trust store; PEM: CA certificates as text, no password");
    public static final ConfigKey<Duration> INFLUX_TIMEOUT = ConfigKey.duration("influx.timeout", Duration.ofSeconds(10))
        .doc("HTTP read/write timeout towards InfluxDB");
    public static final ConfigKey<Integer> BATCH_SIZE = ConfigKey.integer("sink.batch.size", 1000, 1, 100_000)
        .doc("Points per write at most");
    public static final ConfigKey<Duration> LINGER = ConfigKey.duration("sink.linger", Duration.ofSeconds(1))
        .doc("How long a partial batch waits for more records");
    public static final ConfigKey<Duration> BACKOFF_MIN = ConfigKey.duration("sink.retry.backoff.min",
        Duration.ofMillis(500)).doc("First retry delay while InfluxDB is down (doubling)");
    public static final ConfigKey<Duration> BACKOFF_MAX = ConfigKey.duration("sink.retry.backoff.max",
        Duration.ofSeconds(30)).doc("Longest retry delay while InfluxDB is down");
    public static final ConfigKey<Duration> PROGRESS_INTERVAL = ConfigKey.duration("sink.progress.interval",
        Duration.ofSeconds(30)).doc("How often progress is logged");

    /** @throws IllegalArgumentException listing every invalid key */
    public static SinkConfig from(Settings s) {
        String stats = s.get(TopicKeys.STATS);
        String anomalies = s.get(TopicKeys.ANOMALIES);
        String forecasts = s.get(TopicKeys.FORECASTS);
        String alerts = s.get(TopicKeys.ALERTS);
        String queries = s.get(TopicKeys.QUERIES);
        String cache = s.get(TopicKeys.CACHE);
        String impact = s.get(TopicKeys.IMPACT);
        String recommendations = s.get(TopicKeys.RECOMMENDATIONS);
        String rumElements = s.get(TopicKeys.RUM_ELEMENTS);
        List<String> known = List.of(stats, anomalies, forecasts, alerts, queries, cache, impact, recommendations,
            rumElements);
        List<String> topics = s.isSet(TOPICS) ? s.get(TOPICS) : known;
        for (String t : topics) {
            if (!known.contains(t)) {
                s.problem("sink.topics: \"" + t + "\" is not one of the result topics " + known
                    + " (set topic.stats/topic.anomalies/topic.forecasts/topic.alerts/topic.queries/topic.cache/"
                    + "topic.impact/topic.recommendations/topic.rum.elements to rename them)");
            }
        }
        if (topics.isEmpty()) {
            s.problem("sink.topics: at least one topic is needed");
        }
        Api api = "v2".equalsIgnoreCase(s.get(INFLUX_API)) ? Api.V2 : Api.V1;
        String url = s.get(INFLUX_URL);
        String database = s.get(INFLUX_DATABASE);
        String username = s.get(INFLUX_USERNAME);
        String password = s.get(INFLUX_PASSWORD);
        if ((username == null) != (password == null)) {
            s.problem("influx.username/influx.password: give both or neither");
        }
        String token = s.get(INFLUX_TOKEN);
        Duration backoffMin = s.get(BACKOFF_MIN);
        Duration backoffMax = s.get(BACKOFF_MAX);
        if (backoffMin.isZero() || backoffMin.isNegative() || backoffMax.compareTo(backoffMin) < 0) {
            s.problem("sink.retry.backoff.min/max: need 0 < min <= max, got " + backoffMin + " and " + backoffMax);
        }
        String bucket = s.get(INFLUX_BUCKET);
        TrustStore trustStore = null;
        String ts = s.get(INFLUX_TRUSTSTORE);
        if (ts != null) {
            if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(ts))) {
                s.problem(INFLUX_TRUSTSTORE.name() + ": " + ts + " does not exist or is not readable");
            }
            trustStore = new TrustStore(ts, s.get(INFLUX_TRUSTSTORE_PASSWORD),
                s.get(INFLUX_TRUSTSTORE_TYPE).toUpperCase(java.util.Locale.ROOT));
        }
        SinkConfig c = new SinkConfig(
            s.get(KafkaClients.BOOTSTRAP_SERVERS),
            s.get(GROUP_ID),
            List.copyOf(new ArrayList<>(topics)), stats, anomalies, forecasts, alerts,
            s.get(TopicKeys.DEADLETTER),
            url, api, database, s.get(INFLUX_RETENTION_POLICY), username, password, token,
            s.get(INFLUX_ORG),
            // InfluxDB 1.8+ maps a v2 bucket "db/rp" (or just "db") onto a database: default to the same one.
            bucket == null ? database : bucket,
            s.get(INFLUX_TIMEOUT),
            s.get(BATCH_SIZE),
            s.get(LINGER),
            backoffMin, backoffMax,
            s.get(PROGRESS_INTERVAL), trustStore, queries, cache, impact, recommendations, rumElements);
        s.throwIfInvalid("sink");
        return c;
    }

    /** The same configuration reading {@code newTopics}. */
    SinkConfig withTopics(List<String> newTopics) {
        return new SinkConfig(bootstrapServers, groupId, List.copyOf(newTopics), statsTopic, anomaliesTopic, forecastsTopic,
            alertsTopic, deadLetterTopic, influxUrl, api, database, retentionPolicy, username, password, token, org, bucket,
            timeout, batchSize, linger, backoffMin, backoffMax, progressInterval, trustStore, queriesTopic, cacheTopic,
            impactTopic, recommendationsTopic, rumElementsTopic);
    }

    /** Never prints the password or the token. */
    @Override
    public String toString() {
        return "SinkConfig[kafka=" + bootstrapServers + ", group=" + groupId + ", topics=" + topics
            + ", deadletter=" + deadLetterTopic + ", influx=" + influxUrl + " (" + api + "), database=" + database
            + ", bucket=" + bucket + ", org=" + org + ", user=" + username + ", token=" + (token == null ? "unset" : "set")
            + (trustStore == null ? "" : ", truststore=" + trustStore) + ", batch=" + batchSize + ", linger=" + linger + ", backoff=" + backoffMin + ".." + backoffMax + "]";
    }
}
