package dev.perfstream.ingest.loadgen;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.ingest.source.OtlpSourceConfig;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link LoadGenerator} on a background thread and produces its events to Kafka
 * (metrics keyed by service, RUM keyed by app) with an idempotent producer, in the configured
 * output format. Writes the incidents file before the first event. {@link #close()} stops the
 * generator and flushes.
 */
public final class LoadgenApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadgenApp.class);

    private final LoadgenConfig config;
    private final List<Incident> incidents;
    private final Instant from;
    private final Instant to;
    private final KafkaProducer<String, byte[]> producer;
    private final Thread thread;
    private final AtomicLong metrics = new AtomicLong();
    private final AtomicLong rum = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstError = new AtomicReference<>();
    private volatile Instant simulatedNow;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private LoadgenApp(LoadgenConfig config, Settings settings, Clock clock) throws IOException {
        this.config = config;
        Instant[] w = config.window(clock.instant());
        this.from = w[0];
        this.to = w[1];
        this.simulatedNow = from;
        this.incidents = incidents(config, from, to);
        TrafficModel model = config.model().withRate(config.simulatedRate());
        if (config.incidentsFile() != null) {
            IncidentFile.write(config.incidentsFile(), incidents, model);
        }
        this.producer = new KafkaProducer<>(producerProps(KafkaClients.from(settings)), new StringSerializer(), new ByteArraySerializer());
        RecordCodec<MetricEvent> mc = Codecs.create(MetricEvent.getClassSchema(), settings);
        RecordCodec<RumEvent> rc = Codecs.create(RumEvent.getClassSchema(), settings);
        LoadGenerator gen = new LoadGenerator(model, incidents, config.seed());
        Callback cb = counted(1);
        java.util.function.Consumer<MetricEvent> metricSink;
        OtlpBatcher otlp;
        if (otlp(settings)) {
            String spans = settings.get(OtlpSourceConfig.SPANS_TOPIC);
            String points = settings.get(OtlpSourceConfig.METRICS_TOPIC);
            // no key, as the OpenTelemetry Collector's Kafka exporter writes: the otlp stage keys by series
            otlp = new OtlpBatcher(200, TimeUnit.SECONDS.toNanos(1),
                (trace, bytes, events) -> producer.send(new ProducerRecord<>(trace ? spans : points, null, bytes), counted(events)));
            metricSink = otlp::add;
        } else {
            otlp = null;
            metricSink = m -> producer.send(new ProducerRecord<>(config.metricsTopic(), m.getService(),
                mc.encode(config.metricsTopic(), m)), cb);
        }
        this.thread = new Thread(() -> {
            try {
                gen.generate(from, to, config.speedup(),
                    m -> {
                        simulatedNow = m.getTimestamp();
                        metricSink.accept(m);
                        metrics.incrementAndGet();
                    },
                    r -> {
                        producer.send(new ProducerRecord<>(config.rumTopic(), r.getApp(), rc.encode(config.rumTopic(), r)), cb);
                        rum.incrementAndGet();
                    });
                if (otlp != null) {
                    otlp.flush();
                }
            } catch (RuntimeException e) {
                if (closed.get()) { // close() interrupts whatever the thread waits on (a send, the registry)
                    LOG.debug("loadgen: stopped while {}", e.toString());
                } else {
                    LOG.error("loadgen: stopped generating after {} metric and {} RUM events: {}", metrics.get(),
                        rum.get(), e.toString(), e);
                }
            }
        }, "perfstream-loadgen");
        thread.setDaemon(true);
    }

    /** Starts generating; see the module README for the {@code loadgen.*} keys. */
    public static LoadgenApp start(Settings settings) {
        return start(settings, Clock.systemUTC());
    }

    static LoadgenApp start(Settings settings, Clock clock) {
        LoadgenConfig c = LoadgenConfig.from(settings);
        String[] topics = otlp(settings)
            ? new String[] {settings.get(OtlpSourceConfig.SPANS_TOPIC), settings.get(OtlpSourceConfig.METRICS_TOPIC), c.rumTopic()}
            : new String[] {c.metricsTopic(), c.rumTopic()};
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("load generator").writes(topics));
        requireTopics(KafkaClients.from(settings), topics);
        try {
            LoadgenApp app = new LoadgenApp(c, settings, clock);
            LOG.info("loadgen: simulated {} .. {} at {} events/s (speedup {}), {} incidents, seed {}; {}",
                app.from, app.to, c.rate(), c.speedup(), app.incidents.size(), c.seed(),
                c.model().conversion() == null ? "no conversions" : c.model().conversion());
            app.thread.start();
            return app;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the incidents file " + c.incidentsFile(), e);
        }
    }

    /**
     * A missing topic fails the start with its name: the producer would otherwise wait 60 s per batch for its
     * metadata and count every event as failed.
     */
    static void requireTopics(KafkaClients clients, String... topics) {
        try (org.apache.kafka.clients.admin.Admin a = org.apache.kafka.clients.admin.Admin.create(clients.admin(Map.of()))) {
            java.util.Set<String> existing = a.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> missing = java.util.Arrays.stream(topics).filter(t -> !existing.contains(t)).toList();
            if (!missing.isEmpty()) {
                throw new IllegalStateException("load generator: topic(s) " + missing + " do not exist on "
                    + clients.bootstrapServers() + "; create them (deploy/perfstream services start creates perfstream's "
                    + "and the OTLP topics) or set topic.metrics / topic.rum / otlp.topic.*");
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("load generator: cannot list the topics on " + clients.bootstrapServers() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
    }

    /** Counts the events of one record (an OTLP batch holds many) as acknowledged or failed. */
    private Callback counted(int events) {
        return (md, e) -> {
            if (e == null) {
                acked.addAndGet(events);
            } else {
                failed.addAndGet(events);
                if (firstError.compareAndSet(null, e)) {
                    LOG.error("Kafka send failed (further failures are counted, not logged)", e);
                }
            }
        };
    }

    static boolean otlp(Settings settings) {
        return "otlp".equals(settings.get(LoadgenConfig.FORMAT));
    }

    private static List<Incident> incidents(LoadgenConfig c, Instant from, Instant to) throws IOException {
        if (!c.incidents()) {
            return List.of();
        }
        if (c.incidentScript() != null) {
            return IncidentFile.read(c.incidentScript());
        }
        if (c.incidentsEvery() != null) {
            java.time.Duration length = c.incidentsEvery().compareTo(java.time.Duration.ofMinutes(10)) < 0
                ? c.incidentsEvery().dividedBy(2) : java.time.Duration.ofMinutes(5);
            return IncidentSchedules.recurring(from, to, c.incidentsFirst(), c.incidentsEvery(), length);
        }
        if (java.time.Duration.between(from, to).toMinutes() < 5) {
            LOG.warn("loadgen: simulated window under 5 minutes, too short for scripted incidents; none scheduled");
            return List.of();
        }
        return IncidentSchedules.scripted(from, to, c.seed());
    }

    static Properties producerProps(KafkaClients clients) {
        return clients.producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true", ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.LINGER_MS_CONFIG, "20", ProducerConfig.CLIENT_ID_CONFIG, "perfstream-loadgen"));
    }

    /** Blocks until the generator has produced its whole window (and flushed), or the timeout passes. */
    public boolean awaitCompletion(long timeout, TimeUnit unit) throws InterruptedException {
        thread.join(unit.toMillis(timeout));
        if (thread.isAlive()) {
            return false;
        }
        producer.flush();
        return true;
    }

    public boolean running() {
        return thread.isAlive();
    }

    public List<Incident> incidents() {
        return incidents;
    }

    public Instant from() {
        return from;
    }

    public Instant to() {
        return to;
    }

    /** Latest simulated timestamp handed to the producer. */
    public Instant simulatedNow() {
        return simulatedNow;
    }

    public long metricsSent() {
        return metrics.get();
    }

    public long rumSent() {
        return rum.get();
    }

    public long acked() {
        return acked.get();
    }

    public long failed() {
        return failed.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(java.time.Duration.ofSeconds(30));
        LOG.info("loadgen: stopped after {} metric and {} RUM events ({} acknowledged, {} failed)",
            metrics.get(), rum.get(), acked.get(), failed.get());
    }

    LoadgenConfig config() {
        return config;
    }
}
