package dev.perfstream.sink.notify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifier's receivers: every Alertmanager ({@code notify.alertmanager.urls}) and the webhook
 * ({@code notify.webhook.url}). A batch is done once every Alertmanager took all of it and the webhook took
 * (or, after {@code notify.webhook.max.attempts}, dead-lettered) each alert.
 */
final class Receivers {
    /** Most alerts in one re-send request: the size of a delivery batch. */
    static final int RESEND_CHUNK = NotifierConfig.BATCH;

    private static final Logger LOG = LoggerFactory.getLogger(Receivers.class);
    private static final String STAGE = NotifierApp.STAGE;

    /** Where an alert the webhook kept refusing goes ({@code perf.deadletter}). */
    interface DeadLetterSink {
        void send(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value, String code, String reason);
    }

    private final NotifierConfig config;
    private final HttpPost http;
    private final DeadLetterSink deadLetters;
    private long failedAttempts;

    Receivers(NotifierConfig config, HttpPost http, DeadLetterSink deadLetters) {
        this.config = config;
        this.http = http;
        this.deadLetters = deadLetters;
    }

    /** @return whether every receiver has the whole batch (the webhook: accepted or dead-lettered) */
    boolean deliver(Batch b, Map<String, ObjectNode> firing, Instant now) {
        boolean done = true;
        if (!b.alerts.isEmpty()) {
            byte[] body = AlertmanagerAlerts.bytes(AlertmanagerAlerts.batch(b.alerts, firing,
                now.plus(config.resend().multipliedBy(4)), config.generatorUrl()));
            for (URI am : config.alertmanagerUrls()) {
                if (b.alertmanagersDone.contains(am)) {
                    continue;
                }
                String error = http.post(am.resolve("/api/v2/alerts"), body, Map.of());
                if (error == null) {
                    b.alertmanagersDone.add(am);
                    for (Alert a : b.alerts) {
                        PerfstreamMetrics.NOTIFICATIONS.labelValues(STAGE, "alertmanager", a.getState().name()).inc();
                    }
                } else {
                    done = false;
                    PerfstreamMetrics.NOTIFICATION_FAILURES.labelValues(STAGE, "alertmanager").inc();
                    if (failedAttempts++ % 10 == 0) {
                        LOG.warn("Alertmanager {} did not take {} alerts ({}); holding them and retrying with backoff"
                            + " (attempt {})", am, b.alerts.size(), error, failedAttempts);
                    }
                }
            }
        }
        if (config.webhookUrl() != null) {
            while (b.webhookDone < b.alerts.size()) {
                Alert a = b.alerts.get(b.webhookDone);
                byte[] body = AlertmanagerAlerts.bytes(WebhookBody.of(a));
                Map<String, String> headers = config.webhookSecret() == null ? Map.of()
                    : Map.of(HttpPost.SIGNATURE_HEADER, HttpPost.sign(config.webhookSecret(), body));
                String error = http.post(config.webhookUrl(), body, headers);
                if (error == null) {
                    PerfstreamMetrics.NOTIFICATIONS.labelValues(STAGE, "webhook", a.getState().name()).inc();
                    b.webhookDone++;
                    b.webhookAttempts = 0;
                    continue;
                }
                PerfstreamMetrics.NOTIFICATION_FAILURES.labelValues(STAGE, "webhook").inc();
                if (++b.webhookAttempts >= config.webhookMaxAttempts()) {
                    deadLetters.send(config.alertsTopic(), -1, -1L, a.getNotifiedAt().toEpochMilli(),
                        a.getFingerprint().getBytes(StandardCharsets.UTF_8), body, "delivery",
                        "webhook " + config.webhookUrl() + " refused alert " + a.getFingerprint() + " (" + a.getState() + ") "
                            + b.webhookAttempts + " times; last answer: " + error);
                    LOG.warn("webhook {} refused alert {} {} times ({}): dead-lettered", config.webhookUrl(),
                        a.getFingerprint(), b.webhookAttempts, error);
                    b.webhookDone++;
                    b.webhookAttempts = 0;
                    continue;
                }
                LOG.warn("webhook {} did not take alert {} ({}), attempt {} of {}", config.webhookUrl(), a.getFingerprint(), error,
                    b.webhookAttempts, config.webhookMaxAttempts());
                done = false;
                break;
            }
        }
        return done;
    }

    /**
     * Posts the alerts still firing again, with endsAt = now + 4 x notify.alertmanager.resend, in requests of at most
     * {@value #RESEND_CHUNK}: one request of the whole set (10,000 in an alert storm) can outlast the request timeout
     * every time, and Alertmanager would then let every alert expire; a failed part is tried again at the next re-send.
     */
    void resend(List<ObjectNode> copy, Instant now) {
        if (copy.isEmpty() || config.alertmanagerUrls().isEmpty()) {
            return;
        }
        Instant until = now.plus(config.resend().multipliedBy(4));
        for (URI am : config.alertmanagerUrls()) {
            int failed = 0;
            String error = null;
            for (int from = 0; from < copy.size(); from += RESEND_CHUNK) {
                ArrayNode body = AlertmanagerAlerts.array();
                copy.subList(from, Math.min(copy.size(), from + RESEND_CHUNK))
                    .forEach(a -> body.add(AlertmanagerAlerts.withEndsAt(a, until)));
                String e = http.post(am.resolve("/api/v2/alerts"), AlertmanagerAlerts.bytes(body), Map.of());
                if (e != null) {
                    failed += body.size();
                    error = e;
                }
            }
            if (failed > 0) {
                LOG.warn("re-sending {} of {} active alerts to {} failed ({}); next try in {}", failed, copy.size(), am, error,
                    config.resend());
            }
        }
    }
}
