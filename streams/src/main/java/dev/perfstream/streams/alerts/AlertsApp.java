package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.config.TopicKeys;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaPreflight;
import dev.perfstream.streams.outage.OutputSchemas;
import dev.perfstream.streams.outage.ParkedRecords;
import dev.perfstream.streams.stage.StreamsProperties;
import dev.perfstream.streams.stage.StreamsStage;
import dev.perfstream.runtime.StageRunner;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
import java.util.List;
import java.util.Optional;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.streams.alerts.rule.RuleFileException;
import dev.perfstream.streams.alerts.rule.RuleSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alerts stage as a running application: loads the rules (fatal if invalid), watches the file
 * for changes, and runs {@link AlertsTopology} with exactly-once processing. {@link #close()} is a
 * clean shutdown.
 */
public final class AlertsApp implements StageRunner.Stage {
    private static final Logger LOG = LoggerFactory.getLogger(AlertsApp.class);
    private final StreamsStage stage;
    private final RuleSource rules;
    private final AtomicLong parked;

    private AlertsApp(StreamsStage stage, RuleSource rules, AtomicLong parked) {
        this.stage = stage;
        this.rules = rules;
        this.parked = parked;
    }

    /** perf.stats records waiting for an unreachable schema registry (0 when it answers). */
    public long parkedRecords() {
        return parked.get();
    }

    /**
     * Starts the stage.
     *
     * @throws IllegalArgumentException on bad configuration or a bad rules file (every problem, with file and line)
     */
    public static AlertsApp start(Settings settings) {
        AlertsConfig c = AlertsConfig.from(settings);
        KafkaPreflight.check(settings, KafkaPreflight.Access.of("alerts stage").reads(c.statsTopic())
            .writes(c.alertsTopic(), c.deadletterTopic()).group(c.applicationId()).transactionalIds(c.applicationId()));
        RuleSource rules;
        try {
            rules = RuleSource.load(c.rulesFile(), new HashSet<>(c.statsWindows()));
        } catch (RuleFileException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rules file " + c.rulesFile(), e);
        }
        LOG.info("alerts: {} rules, {} SLOs from {} (version {})", rules.get().rules().size(), rules.get().slos().size(),
            rules.get().source(), rules.get().version());
        rules.watch(c.rulesReloadInterval());
        // Registry lookups wait at most a few seconds in the stream thread; then records are parked (ParkedRecords).
        Settings codecSettings = ParkedRecords.forStreamThread(settings);
        AtomicLong parked = new AtomicLong();
        AlertsTopology.Wire wire = new AlertsTopology.Wire(Codecs.create(WindowStats.getClassSchema(), codecSettings),
            Codecs.create(Alert.getClassSchema(), codecSettings), Codecs.create(DeadLetter.getClassSchema(), codecSettings),
            ParkedRecords.Config.from(codecSettings), parked);
        // Encoding a result must never need the registry: register the outputs first.
        OutputSchemas.register(codecSettings, "alerts",
            Map.of(c.alertsTopic(), Alert.getClassSchema(), c.deadletterTopic(), DeadLetter.getClassSchema()));
        AlertsTopology.Derived derived = derived(settings, codecSettings);
        KafkaStreams streams = new KafkaStreams(AlertsTopology.build(c, wire, derived, rules, Clock.systemUTC()),
            properties(c, settings));
        return new AlertsApp(StreamsStage.start("alerts", streams, List.of(rules::close,
            PerfstreamMetrics.PARKED.register("alerts", parked::get))), rules, parked);
    }

    /**
     * The statement and cache topics the stage reads: those that exist at start (the stats stage creates them;
     * Kafka Streams refuses to start on a missing source topic). A missing one is named in an INFO.
     */
    static AlertsTopology.Derived derived(Settings settings, Settings codecSettings) {
        String queries = settings.get(TopicKeys.QUERIES);
        String cache = settings.get(TopicKeys.CACHE);
        java.util.Set<String> names;
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                dev.perfstream.schemas.kafka.KafkaClients.from(settings).admin(Map.of()))) {
            names = admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("alerts: cannot list topics ({}): not reading {} and {}", e.toString(), queries, cache);
            return AlertsTopology.Derived.NONE;
        }
        for (String t : List.of(queries, cache)) {
            if (!names.contains(t)) {
                LOG.info("alerts: {} does not exist, its rules are not evaluated (restart the stage once it does)", t);
            }
        }
        return new AlertsTopology.Derived(names.contains(queries) ? queries : null, names.contains(cache) ? cache : null,
            Codecs.create(QueryStats.getClassSchema(), codecSettings), Codecs.create(CacheStats.getClassSchema(), codecSettings));
    }

    /** @return true once the stage has stopped (closed, or shut down after a failure) */
    @Override
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stage.awaitStop(timeout);
    }

    @Override
    public String stage() {
        return "alerts";
    }

    @Override
    public Optional<String> notAlive() {
        return stage.notAlive();
    }

    @Override
    public Optional<String> notReady() {
        return stage.notReady();
    }

    /** The stage's Kafka Streams properties: {@link StreamsProperties} with the alerts stage's tuning. */
    public static Properties properties(AlertsConfig c, Settings settings) {
        Map<String, Object> tuning = new HashMap<>();
        tuning.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int) c.sessionTimeout().toMillis());
        tuning.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
            (int) Math.max(500, c.sessionTimeout().toMillis() / 6));
        // Alerts are latency-sensitive: no batching delay on the producer.
        tuning.put(StreamsConfig.producerPrefix("linger.ms"), 0);
        // With transactions v2 the first send after a commit often meets CONCURRENT_TRANSACTIONS while
        // the commit markers are written; the default 100 ms retry backoff (growing to 1 s) then
        // lands directly in alert latency. Retry after 10 ms, at most 100 ms.
        tuning.put(StreamsConfig.producerPrefix("retry.backoff.ms"), 10);
        tuning.put(StreamsConfig.producerPrefix("retry.backoff.max.ms"), 100);
        return StreamsProperties.build(settings, new StreamsProperties.Stage("alerts", c.applicationId(), c.stateDir(),
            c.commitInterval(), c.threads()), tuning);
    }

    public KafkaStreams.State state() {
        return stage.state();
    }

    /** The rules in force (reloaded from the file when it changes). */
    public RuleSource rules() {
        return rules;
    }

    @Override
    public void close() {
        stage.close();
    }

    /**
     * Runs in the foreground until killed; {@code key=value} arguments override settings. Used by
     * the crash test, which kills this JVM with SIGKILL.
     */
    public static void main(String[] args) throws Exception {
        Settings s = Settings.fromMainArgs(args, System.getenv());
        System.exit(StageRunner.run("alerts", s, AlertsApp::start, app -> "alerts app started", System.out));
    }
}
