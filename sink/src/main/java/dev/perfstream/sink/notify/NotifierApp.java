package dev.perfstream.sink.notify;

import dev.perfstream.runtime.KafkaMetricsBridge;
import dev.perfstream.runtime.KafkaReadiness;
import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import java.util.Optional;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DeadLetters;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.sink.influx.Backoff;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifier: a plain consumer of {@code perf.alerts} (not Kafka Streams: its work is HTTP calls,
 * and it must not commit before they succeeded). For each batch of alerts it posts them to every
 * Alertmanager and to the webhook, then records the active set in its compacted state topic, then
 * commits the offsets. While a receiver is down it holds the batch, pauses the consumer and retries
 * with backoff: nothing is dropped, and the next alerts wait behind it in order. A crash between the
 * delivery and the commit sends the batch again on restart; Alertmanager deduplicates by labels, a
 * webhook receiver sees it twice (at-least-once, as every webhook sender). Every {@code alertmanager.resend}
 * the active alerts are posted again with endsAt = now + 4 x resend, so Alertmanager keeps them
 * firing however long they last and resolves them by itself only if perfstream is gone for that long.
 * A new consumer group starts at the end of {@code perf.alerts}, after delivering the alerts still firing
 * there; see {@link #recover}.
 */
public final class NotifierApp implements StageRunner.Stage {
    private static final Logger LOG = LoggerFactory.getLogger(NotifierApp.class);
    static final String STAGE = "notify";

    private final NotifierConfig config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final RecordCodec<Alert> alerts;
    private final RecordCodec<DeadLetter> deadLetters;
    private final HttpPost http;
    private final Clock clock;
    private final Map<String, ObjectNode> active = new LinkedHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Exception failure;
    private boolean closed;
    private PerfstreamMetrics.Registration consumerMetrics;
    private PerfstreamMetrics.Registration producerMetrics;
    private PerfstreamMetrics.Registration activeGauge;
    private Batch pending;
    private volatile Batch startup;
    private long delivered;
    private long failedAttempts;

    /** Alerts of one poll, and how far each receiver got with them. */
    private static final class Batch {
        final List<Alert> alerts = new ArrayList<>();
        final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        final Set<URI> alertmanagersDone = new HashSet<>();
        int webhookDone;
        int webhookAttempts;
    }

    private final KafkaClients clients;

    private NotifierApp(NotifierConfig config, Settings settings, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.alerts = Codecs.create(Alert.getClassSchema(), settings);
        this.deadLetters = Codecs.create(DeadLetter.getClassSchema(), settings);
        this.http = new HttpPost(config.requestTimeout());
        this.clients = KafkaClients.from(settings);
        this.producer = new KafkaProducer<>(producerProperties(config, clients), new ByteArraySerializer(), new ByteArraySerializer());
        this.consumer = new KafkaConsumer<>(consumerProperties(config, clients), new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "perfstream-notifier");
    }

    /** Creates the state topic if needed, loads the active alerts from it, and starts the loop. */
    public static NotifierApp start(Settings settings) {
        NotifierConfig c = NotifierConfig.from(settings);
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("notifier").reads(c.alertsTopic()).writes(c.deadLetterTopic())
            .group(c.groupId()));
        createStateTopic(c, settings);
        NotifierApp app = new NotifierApp(c, settings, Clock.systemUTC());
        app.startup = app.recover(app.loadActive());
        app.consumerMetrics = KafkaMetricsBridge.register(STAGE, app.consumer::metrics);
        app.activeGauge = PerfstreamMetrics.ACTIVE_ALERTS.register(STAGE, app::activeCount);
        app.producerMetrics = KafkaMetricsBridge.register(STAGE, app.producer::metrics);
        app.thread.start();
        LOG.info("notifier: {} active alerts loaded from {}; alerts from {} to {} Alertmanager(s) {}{}", app.active.size(),
            c.stateTopic(), c.alertsTopic(), c.alertmanagerUrls().size(), c.alertmanagerUrls(),
            c.webhookUrl() == null ? "" : " and the webhook " + c.webhookUrl());
        return app;
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    public Exception failure() {
        return failure;
    }

    /** Alerts delivered to every receiver so far. */
    public long delivered() {
        return delivered;
    }

    /** Number of firing alerts being kept and re-sent. */
    public synchronized int activeCount() {
        return active.size();
    }

    private void run() {
        Backoff backoff = new Backoff(config.backoffMin(), config.backoffMax());
        long nextResend = clock.millis(); // at once: Alertmanager may have lost them while this notifier was down
        try {
            while (running && startup != null) {
                if (deliver(startup)) {
                    commit(startup);
                    startup = null;
                } else {
                    sleep(backoff.next());
                }
            }
            backoff.reset();
            consumer.subscribe(List.of(config.alertsTopic()));
            while (running) {
                if (pending == null) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                    if (!records.isEmpty()) {
                        pending = decode(records);
                    }
                } else {
                    consumer.poll(Duration.ZERO); // paused while the batch waits: stays in the group
                }
                if (pending != null) {
                    if (deliver(pending)) {
                        commit(pending);
                        consumer.resume(consumer.paused());
                        pending = null;
                        backoff.reset();
                    } else {
                        consumer.pause(consumer.assignment());
                        sleep(backoff.next());
                    }
                }
                if (pending == null && clock.millis() >= nextResend) {
                    resendActive();
                    nextResend = clock.millis() + config.resend().toMillis();
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // close() during poll
        } catch (Exception e) {
            failure = e;
            LOG.error("notifier stopped: {}", e.toString(), e);
        }
    }

    private Batch decode(ConsumerRecords<byte[], byte[]> records) {
        Batch b = new Batch();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            b.offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
            try {
                b.alerts.add(alerts.decode(r.topic(), r.value()));
            } catch (DecodeException e) {
                deadLetter(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), e.code(), e.getMessage());
            }
        }
        return b;
    }

    /** @return whether every receiver has the whole batch (the webhook: accepted or dead-lettered) */
    private boolean deliver(Batch b) {
        boolean done = true;
        if (!b.alerts.isEmpty()) {
            byte[] body = bytes(alertmanagerBody(b.alerts));
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
                byte[] body = bytes(webhookBody(a));
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
                    deadLetter(config.alertsTopic(), -1, -1L, a.getNotifiedAt().toEpochMilli(),
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

    /** The active set and the state topic follow the batch, then the offsets are committed. */
    private void commit(Batch b) {
        synchronized (this) {
            for (Alert a : b.alerts) {
                String fp = a.getFingerprint();
                if (a.getState() == AlertState.FIRING) {
                    ObjectNode am = AlertmanagerAlerts.of(a, config.generatorUrl());
                    active.put(fp, am);
                    producer.send(new ProducerRecord<>(config.stateTopic(), fp.getBytes(StandardCharsets.UTF_8), bytes(am)));
                } else {
                    active.remove(fp);
                    producer.send(new ProducerRecord<>(config.stateTopic(), fp.getBytes(StandardCharsets.UTF_8), null));
                }
            }
        }
        producer.flush();
        consumer.commitSync(b.offsets);
        delivered += b.alerts.size();
        if (!b.alerts.isEmpty()) {
            LOG.info("delivered {} alert(s) ({} firing now)", b.alerts.size(), activeCount());
        }
    }

    private void resendActive() {
        List<ObjectNode> copy;
        synchronized (this) {
            copy = new ArrayList<>(active.values());
        }
        if (copy.isEmpty() || config.alertmanagerUrls().isEmpty()) {
            return;
        }
        Instant until = clock.instant().plus(config.resend().multipliedBy(4));
        ArrayNode body = AlertmanagerAlerts.array();
        copy.forEach(a -> body.add(AlertmanagerAlerts.withEndsAt(a, until)));
        byte[] bytes = bytes(body);
        for (URI am : config.alertmanagerUrls()) {
            String error = http.post(am.resolve("/api/v2/alerts"), bytes, Map.of());
            if (error != null) {
                LOG.warn("re-sending {} active alerts to {} failed ({}); next try in {}", copy.size(), am, error, config.resend());
            }
        }
    }

    /**
     * A resolution is sent with the labels its FIRING was sent with (kept in the active set), so that
     * Alertmanager resolves that very alert even if something about it changed since (its severity, say).
     */
    private ArrayNode alertmanagerBody(List<Alert> batch) {
        Instant until = clock.instant().plus(config.resend().multipliedBy(4));
        ArrayNode body = AlertmanagerAlerts.array();
        Map<String, ObjectNode> firing = new HashMap<>();
        synchronized (this) {
            firing.putAll(active);
        }
        for (Alert a : batch) {
            ObjectNode am = AlertmanagerAlerts.of(a, config.generatorUrl());
            if (a.getState() == AlertState.FIRING) {
                firing.put(a.getFingerprint(), am);
                body.add(AlertmanagerAlerts.withEndsAt(am, until));
            } else {
                ObjectNode known = firing.remove(a.getFingerprint());
                body.add(AlertmanagerAlerts.withEndsAt(known == null ? am : AlertmanagerAlerts.resolving(known, a),
                    a.getNotifiedAt()));
            }
        }
        return body;
    }

    static ObjectNode webhookBody(Alert a) {
        ObjectNode o = AlertmanagerAlerts.json().createObjectNode();
        o.put("fingerprint", a.getFingerprint());
        o.put("state", a.getState().name());
        o.put("rule", a.getRule());
        o.put("source", a.getSource().name());
        o.put("severity", a.getSeverity().name());
        o.put("series", a.getSeries());
        o.put("statistic", a.getStatistic());
        o.put("value", a.getValue());
        o.put("threshold", a.getThreshold());
        o.put("startedAt", a.getStartedAt().toString());
        o.put("notifiedAt", a.getNotifiedAt().toString());
        o.put("windowStart", a.getWindowStart().toString());
        o.put("windowEnd", a.getWindowEnd().toString());
        o.put("summary", a.getSummary());
        o.put("playbook", a.getPlaybook());
        ObjectNode labels = o.putObject("labels");
        a.getLabels().forEach(labels::put);
        dev.perfstream.schemas.avro.Attribution at = a.getAttribution();
        if (at != null) { // a route latency alert's bottleneck attribution, field for field
            ObjectNode t = o.putObject("attribution");
            t.put("statistic", at.getStatistic());
            number(t, "statisticDelta", at.getStatisticDelta());
            number(t, "meanDelta", at.getMeanDelta());
            t.put("alertWindows", at.getAlertWindows());
            t.put("baselineWindows", at.getBaselineWindows());
            number(t, "unexplained", at.getUnexplained());
            t.put("note", at.getNote());
            com.fasterxml.jackson.databind.node.ArrayNode causes = t.putArray("causes");
            for (dev.perfstream.schemas.avro.AttributionCause c : at.getCauses()) {
                ObjectNode n = causes.addObject();
                n.put("kind", c.getKind());
                n.put("name", c.getName());
                number(n, "share", c.getShare());
                number(n, "deltaMs", c.getDeltaMs());
                number(n, "before", c.getBefore());
                number(n, "after", c.getAfter());
                n.put("unit", c.getUnit());
                n.put("detail", c.getDetail());
            }
        }
        return o;
    }

    /** A number, or null when missing or not finite (JSON has no NaN). */
    private static void number(ObjectNode o, String field, Double v) {
        if (v == null || !Double.isFinite(v)) {
            o.putNull(field);
        } else {
            o.put(field, v.doubleValue());
        }
    }

    private static byte[] bytes(Object json) {
        try {
            return AlertmanagerAlerts.json().writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void deadLetter(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value, String code,
                            String reason) {
        DeadLetter d = DeadLetters.of(code, reason, STAGE, topic, partition, offset, timestamp, key, value, clock.instant());
        producer.send(new ProducerRecord<>(config.deadLetterTopic(), key, deadLetters.encode(config.deadLetterTopic(), d)));
    }

    /**
     * When the state topic is empty (gone, or a new one) or this consumer group never committed on a
     * partition of the alerts topic (a new {@code notify.group.id}), the active set is rebuilt from the
     * alerts topic itself ({@link AlertsHistory}) up to the committed offsets, or to the end where there
     * are none, and written to the state topic. A new group starts at the end of the alerts topic, not at
     * its beginning: replaying the history would page again for every alert that resolved long ago.
     *
     * @return for a new group, the batch of the alerts still firing, to deliver before anything else (they
     *         may never have reached these receivers); null otherwise
     */
    private Batch recover(boolean stateKnown) {
        Set<TopicPartition> parts = new HashSet<>();
        consumer.partitionsFor(config.alertsTopic()).forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(parts, Duration.ofSeconds(30));
        List<TopicPartition> fresh = parts.stream().filter(tp -> committed.get(tp) == null).toList();
        if (stateKnown && fresh.isEmpty()) {
            return null;
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(30));
        Map<TopicPartition, Long> until = new HashMap<>();
        parts.forEach(tp -> until.put(tp, committed.get(tp) == null ? end.get(tp) : committed.get(tp).offset()));
        Map<String, Alert> firing = AlertsHistory.firing(consumerProperties(config, clients), alerts, until);
        synchronized (this) {
            for (String fp : active.keySet()) {
                if (!firing.containsKey(fp)) {
                    producer.send(new ProducerRecord<>(config.stateTopic(), fp.getBytes(StandardCharsets.UTF_8), null));
                }
            }
            active.clear();
            firing.forEach((fp, a) -> {
                ObjectNode am = AlertmanagerAlerts.of(a, config.generatorUrl());
                active.put(fp, am);
                producer.send(new ProducerRecord<>(config.stateTopic(), fp.getBytes(StandardCharsets.UTF_8), bytes(am)));
            });
        }
        producer.flush();
        LOG.info("notifier: active set rebuilt from {} ({}): {} alert(s) firing", config.alertsTopic(),
            fresh.isEmpty() ? "state topic " + config.stateTopic() + " was empty" : "group " + config.groupId()
                + " had no committed offsets on " + fresh.size() + " partition(s); they start at their end", firing.size());
        if (fresh.isEmpty()) {
            return null;
        }
        Batch b = new Batch();
        b.alerts.addAll(firing.values());
        fresh.forEach(tp -> b.offsets.put(tp, new OffsetAndMetadata(until.get(tp))));
        return b;
    }

    /** @return whether the state topic held any record (an active alert or a tombstone) */
    private boolean loadActive() {
        boolean any = false;
        List<TopicPartition> parts = consumer.partitionsFor(config.stateTopic()).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        Properties p = consumerProperties(config, clients);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the notifier's state topic " + config.stateTopic()
                        + " to its end within 60 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    any = true;
                    String fp = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        active.remove(fp);
                    } else {
                        try {
                            active.put(fp, (ObjectNode) AlertmanagerAlerts.json().readTree(r.value()));
                        } catch (java.io.IOException | ClassCastException e) {
                            LOG.warn("state topic {}-{}@{}: undecodable active alert {} skipped: {}", r.topic(), r.partition(),
                                r.offset(), fp, e.getMessage());
                        }
                    }
                }
            }
        }
        return any;
    }

    private static void createStateTopic(NotifierConfig c, Settings settings) {
        try (Admin admin = Admin.create(KafkaClients.from(settings).admin(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(c.stateTopic(), 1, (short) -1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                .all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the notifier's state topic " + c.stateTopic() + ": "
                    + e.getCause().getMessage(), e);
            }
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka at " + c.bootstrapServers() + " did not answer creating " + c.stateTopic(), e);
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** The user's Kafka client settings ({@link KafkaClients}) under the notifier's own. */
    static Properties consumerProperties(NotifierConfig c, KafkaClients clients) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, c.groupId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, c.groupId() + "-consumer");
        return clients.consumer(p);
    }

    static Properties producerProperties(NotifierConfig c, KafkaClients clients) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, c.groupId() + "-producer");
        return clients.producer(p);
    }

    /** Runs the notifier with {@code key=value} arguments until SIGTERM (tests run it as a child JVM to kill it). */
    public static void main(String[] args) throws Exception {
        Settings settings = Settings.fromMainArgs(args, System.getenv());
        System.exit(StageRunner.run(STAGE, settings, NotifierApp::start, app -> "notifier running", System.out));
    }

    @Override
    public String stage() {
        return STAGE;
    }

    @Override
    public Optional<String> notAlive() {
        if (failure != null) {
            return Optional.of("the notifier loop stopped on an error: " + failure);
        }
        return running && !thread.isAlive() ? Optional.of("the notifier loop has ended") : Optional.empty();
    }

    @Override
    public Optional<String> notReady() {
        Optional<String> dead = notAlive();
        if (dead.isPresent() || !running) {
            return dead.isPresent() ? dead : Optional.of("stopping");
        }
        if (startup != null) {
            return Optional.of("delivering the alerts still firing, recovered at start, before reading " + config.alertsTopic());
        }
        return KafkaReadiness.heartbeatProblem(consumer.metrics());
    }

    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    /** Stops the loop; what is not committed by then is delivered again on the next start. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        consumer.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
        if (consumerMetrics != null) { // null when start() failed before registering
            consumerMetrics.close();
            producerMetrics.close();
            activeGauge.close();
        }
    }
}
