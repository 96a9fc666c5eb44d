package dev.perfstream.sink.notify;

import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.Topics;
import java.net.URI;
import java.time.Duration;
import java.util.List;

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

    public static NotifierConfig from(Settings s) {
        String group = s.string("notify.group.id", "perfstream-notifier");
        List<URI> am = s.list("alertmanager.url", List.of()).stream().map(u -> uri(s, "alertmanager.url", u)).toList();
        String hook = s.string("alerts.webhook.url", null);
        NotifierConfig c = new NotifierConfig(
            s.string("kafka.bootstrap.servers", "127.0.0.1:9092"),
            s.string("topic.alerts", Topics.ALERTS),
            s.string("topic.deadletter", Topics.DEADLETTER),
            group,
            s.string("notify.state.topic", group + "-active"),
            am,
            s.duration("alertmanager.resend", Duration.ofMinutes(1)),
            hook == null || hook.isBlank() ? null : uri(s, "alerts.webhook.url", hook),
            s.string("alerts.webhook.secret", null),
            s.integer("alerts.webhook.max-attempts", 5, 1, 1000),
            s.duration("notify.request.timeout", Duration.ofSeconds(10)),
            s.duration("notify.retry.backoff.min", Duration.ofMillis(500)),
            s.duration("notify.retry.backoff.max", Duration.ofSeconds(30)),
            s.string("notify.generator.url", ""));
        if (c.resend.isZero() || c.resend.isNegative()) {
            s.problem("alertmanager.resend: must be positive, got " + c.resend);
        }
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
}
