package dev.perfstream.sink.notify;

import dev.perfstream.schemas.config.ConfigKey;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.kafka.KafkaClients;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Configuration of the notifier ({@code perfstream run notify}).
 *
 * @param alertmanagerUrls    base URLs of every Alertmanager (an HA pair gets every alert at each URL); empty: none
 * @param resend              how often the active (firing) alerts are sent again; Alertmanager treats them as
 *                            resolved after endsAt = last send + 4 x this, as it does with Prometheus
 * @param webhookUrl          a generic webhook that gets every FIRING and RESOLVED alert as JSON; null: none
 * @param webhookSecret       key of the {@code X-Perfstream-Signature} HMAC-SHA256 header; null: unsigned
 * @param webhookMaxAttempts  attempts per alert before it goes to the dead-letter topic
 * @param stateTopic          compacted topic of the active alerts (created at start)
 */
public record NotifierConfig(String bootstrapServers, String alertsTopic, String deadLetterTopic, String groupId,
                             String stateTopic, List<URI> alertmanagerUrls, Duration resend, URI webhookUrl,
                             String webhookSecret, int webhookMaxAttempts, Duration requestTimeout, Duration backoffMin,
                             Duration backoffMax, String generatorUrl) {

    /** Most alerts delivered at once: a poll's records (max.poll.records), and a request of the active set's re-send. */
    static final int BATCH = 500;

    public static final ConfigKey<List<String>> ALERTMANAGER_URL = ConfigKey.list("alertmanager.url", null)
        .doc("Alertmanager base URL(s) the notifier posts every alert to (comma-separated: an HA pair gets each alert at each);"
            + " the demo and services start run one on http://127.0.0.1:9095");
    public static final ConfigKey<Duration> RESEND = ConfigKey.duration("alertmanager.resend", Duration.ofMinutes(1))
        .check(d -> !d.isZero() && !d.isNegative(), "must be positive")
        .doc("How often the firing alerts are sent again; each is valid for 4 x this (Alertmanager resolves it after that)");
    public static final ConfigKey<String> WEBHOOK_URL = ConfigKey.string("alerts.webhook.url", null)
        .doc("A webhook that gets every FIRING and RESOLVED alert as one JSON object per request");
    public static final ConfigKey<String> WEBHOOK_SECRET = ConfigKey.string("alerts.webhook.secret", null).secret()
        .doc("Key of the X-Perfstream-Signature header: sha256=<hex HMAC-SHA256 of the body>; keep it in the environment");
    public static final ConfigKey<Integer> WEBHOOK_MAX_ATTEMPTS = ConfigKey.integer("alerts.webhook.max-attempts", 5, 1, 1000)
        .doc("Attempts per alert before it goes to the dead-letter topic (code delivery)");
    public static final ConfigKey<String> GROUP_ID = ConfigKey.string("notify.group.id", "perfstream-notifier")
        .doc("Consumer group of the notifier (offsets committed after every receiver accepted)");
    public static final ConfigKey<String> STATE_TOPIC = ConfigKey.string("notify.state.topic", null)
        .defaultText("<notify.group.id>-active").doc("Compacted topic of the firing alerts (created at start)");
    public static final ConfigKey<Duration> REQUEST_TIMEOUT = ConfigKey.duration("notify.request.timeout", Duration.ofSeconds(10))
        .doc("HTTP connect and request timeout towards Alertmanager and the webhook");
    public static final ConfigKey<Duration> BACKOFF_MIN = ConfigKey.duration("notify.retry.backoff.min", Duration.ofMillis(500))
        .doc("First retry delay while a receiver is down (doubling)");
    public static final ConfigKey<Duration> BACKOFF_MAX = ConfigKey.duration("notify.retry.backoff.max", Duration.ofSeconds(30))
        .doc("Longest retry delay while a receiver is down");
    public static final ConfigKey<String> GENERATOR_URL = ConfigKey.string("notify.generator.url", null)
        .doc("generatorURL of every alert in Alertmanager (a link to your dashboard)");

    /** @throws IllegalArgumentException listing every invalid key */
    public static NotifierConfig from(Settings s) {
        String group = s.get(GROUP_ID);
        List<URI> am = (s.get(ALERTMANAGER_URL) == null ? List.<String>of() : s.get(ALERTMANAGER_URL)).stream().map(u -> uri(s, ALERTMANAGER_URL.name(), u)).toList();
        String hook = s.get(WEBHOOK_URL);
        String state = s.get(STATE_TOPIC);
        Duration backoffMin = s.get(BACKOFF_MIN);
        Duration backoffMax = s.get(BACKOFF_MAX);
        if (backoffMin.isZero() || backoffMin.isNegative() || backoffMax.compareTo(backoffMin) < 0) {
            s.problem("notify.retry.backoff.min/max: need 0 < min <= max, got " + backoffMin + " and " + backoffMax);
        }
        NotifierConfig c = new NotifierConfig(
            s.get(KafkaClients.BOOTSTRAP_SERVERS),
            s.get(TopicKeys.ALERTS),
            s.get(TopicKeys.DEADLETTER),
            group,
            state == null ? group + "-active" : state,
            am,
            s.get(RESEND),
            hook == null || hook.isBlank() ? null : uri(s, WEBHOOK_URL.name(), hook),
            s.get(WEBHOOK_SECRET),
            s.get(WEBHOOK_MAX_ATTEMPTS),
            s.get(REQUEST_TIMEOUT),
            backoffMin,
            backoffMax,
            s.get(GENERATOR_URL));
        if (am.isEmpty() && c.webhookUrl == null) {
            s.problem("alertmanager.url: set it (and/or alerts.webhook.url): the notifier has nowhere to send alerts");
        }
        s.throwIfInvalid("notifier");
        return c;
    }

    private static URI uri(Settings s, String key, String raw) {
        try {
            URI u = URI.create(raw.trim());
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                s.problem(key + ": \"" + raw + "\" is not an http(s)://host[:port] URL");
            }
            return u;
        } catch (IllegalArgumentException e) {
            s.problem(key + ": \"" + raw + "\" is not a URL: " + e.getMessage());
            return URI.create("http://invalid");
        }
    }

    /** Never prints the webhook secret. */
    @Override
    public String toString() {
        return "NotifierConfig[kafka=" + bootstrapServers + ", alerts=" + alertsTopic + ", group=" + groupId + ", state="
            + stateTopic + ", alertmanager=" + alertmanagerUrls + ", resend=" + resend + ", webhook=" + webhookUrl
            + ", secret=" + (webhookSecret == null ? "unset" : "set") + "]";
    }

    /** The user's Kafka client settings ({@link KafkaClients}) under the notifier's own. */
    Properties consumerProperties(KafkaClients clients) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(BATCH));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId() + "-consumer");
        // 10 s, not Kafka's 45 s: a notifier restarted after a crash (or its standby) gets the dead one's partitions
        // only when the dead member's session expires, and alerts wait until then; as the stats stage's default
        // (stats.session.timeout). kafka.consumer.session.timeout.ms overrides it.
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        return clients.consumer(p);
    }

    Properties producerProperties(KafkaClients clients) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, groupId() + "-producer");
        return clients.producer(p);
    }
}
