package dev.perfstream.sink.notify;

import dev.perfstream.runtime.KafkaMetricsBridge;
import dev.perfstream.runtime.KafkaReadiness;
import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import java.util.Optional;
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
import dev.perfstream.schemas.retry.Backoff;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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
    private final Receivers receivers;
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

    private final KafkaClients clients;

    private NotifierApp(NotifierConfig config, Settings settings, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.alerts = Codecs.create(Alert.getClassSchema(), settings);
        this.deadLetters = Codecs.create(DeadLetter.getClassSchema(), settings);
        this.receivers = new Receivers(config, new HttpPost(config.requestTimeout()), this::deadLetter);
        this.clients = KafkaClients.from(settings);
        this.producer = new KafkaProducer<>(config.producerProperties(clients), new ByteArraySerializer(), new ByteArraySerializer());
        this.consumer = new KafkaConsumer<>(config.consumerProperties(clients), new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "perfstream-notifier");
    }

    /** Creates the state topic if needed, loads the active alerts from it, and starts the loop. */
    public static NotifierApp start(Settings settings) {
        NotifierConfig c = NotifierConfig.from(settings);
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("notifier").reads(c.alertsTopic()).writes(c.deadLetterTopic())
            .group(c.groupId()));
        StateTopic.create(c, settings);
        NotifierApp app = new NotifierApp(c, settings, Clock.systemUTC());
        app.startup = app.recover(StateTopic.load(c, c.consumerProperties(app.clients), app.active));
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

    private boolean deliver(Batch b) {
        Map<String, ObjectNode> firing;
        synchronized (this) {
            firing = new HashMap<>(active);
        }
        return receivers.deliver(b, firing, clock.instant());
    }

    private void resendActive() {
        List<ObjectNode> copy;
        synchronized (this) {
            copy = new ArrayList<>(active.values());
        }
        receivers.resend(copy, clock.instant());
    }

    /** The active set and the state topic follow the batch, then the offsets are committed. */
    private void commit(Batch b) {
        synchronized (this) {
            for (Alert a : b.alerts) {
                String fp = a.getFingerprint();
                if (a.getState() == AlertState.FIRING) {
                    ObjectNode am = AlertmanagerAlerts.of(a, config.generatorUrl());
                    active.put(fp, am);
                    producer.send(new ProducerRecord<>(config.stateTopic(), fp.getBytes(StandardCharsets.UTF_8), AlertmanagerAlerts.bytes(am)));
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
        Map<String, Alert> firing = AlertsHistory.firing(config.consumerProperties(clients), alerts, until);
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
                producer.send(new ProducerRecord<>(config.stateTopic(), fp.getBytes(StandardCharsets.UTF_8), AlertmanagerAlerts.bytes(am)));
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

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
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
