package dev.perfstream.bench.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.ingest.loadgen.Incident;
import dev.perfstream.ingest.loadgen.IncidentSchedules;
import dev.perfstream.ingest.loadgen.LoadGenerator;
import dev.perfstream.ingest.loadgen.TrafficModel;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.streams.alerts.AlertsApp;
import dev.perfstream.streams.stats.StatsApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole path on a real broker: the load generator's scripted incidents -> perf.metrics -> the
 * stats stage -> perf.stats -> the alerts stage -> perf.alerts. Rules are derived from the traffic
 * model's baseline (a fixed KPI would fire on routes whose normal p95 is above it). Each incident
 * must yield exactly one FIRING and one RESOLVED on the series it hits, and no alert may start in a
 * calm period.
 */
class AlertsEndToEndIT {
    static final String HTTP = TrafficModel.HTTP;
    static final String DB = TrafficModel.DB;

    /** A rules file from the model: thresholds a multiple of each series' baseline. */
    static String rules(TrafficModel m, Instant from, Instant to) {
        StringBuilder y = new StringBuilder("defaults: {window: 1m, for: 2, resolve-for: 2, renotify: 0}\nrules:\n");
        y.append("  - {id: error-rate, select: {metric: ").append(HTTP).append("}, statistic: error_rate, threshold: 5%,"
            + " resolve: 2%, min-count: 30, class: error-burst}\n");
        for (TrafficModel.Route r : m.routes()) {
            String sel = "{metric: " + HTTP + ", service: " + r.service() + ", route: \"" + r.path() + "\"}";
            double p95 = new TrafficModel.Lognormal(r.medianMs(), r.sigma()).quantile(0.95);
            y.append("  - {id: \"latency ").append(r.service()).append(r.path()).append("\", select: ").append(sel)
                .append(", statistic: p95, threshold: ").append(2 * p95).append(", resolve: ").append(1.5 * p95).append("}\n");
            double maxRate = 0;
            for (Instant t = from; t.isBefore(to); t = t.plusSeconds(60)) {
                maxRate = Math.max(maxRate, m.requestRate(r, t, List.of()));
            }
            y.append("  - {id: \"rate ").append(r.service()).append(r.path()).append("\", select: ").append(sel)
                .append(", statistic: rate, threshold: ").append(2 * maxRate).append(", resolve: ").append(1.4 * maxRate)
                .append(", min-count: 0, class: traffic-surge}\n");
            if (r.dbShare() > 0) {
                double dbMean = r.dbMedianMs() * Math.exp(0.6 * 0.6 / 2);
                y.append("  - {id: \"db ").append(r.service()).append(r.path()).append("\", select: {metric: ").append(DB)
                    .append(", service: ").append(r.service()).append(", route: \"").append(r.path())
                    .append("\"}, statistic: mean, threshold: ").append(3 * dbMean).append(", resolve: ")
                    .append(2 * dbMean).append(", min-count: 10, class: database}\n");
            }
        }
        return y.toString();
    }

    /** The (rule, series) pairs an incident must fire. */
    static Set<String> expected(TrafficModel m, Incident i) {
        Set<String> out = new LinkedHashSet<>();
        for (TrafficModel.Route r : m.routes()) {
            if (!i.affects(r.service(), r.path())) {
                continue;
            }
            String http = "metric=" + HTTP + ",service=" + r.service() + ",route=" + r.path();
            switch (i.kind()) {
                case LATENCY_SPIKE -> out.add("latency " + r.service() + r.path() + " | " + http);
                case ERROR_BURST -> out.add("error-rate | " + http);
                case TRAFFIC_SURGE -> out.add("rate " + r.service() + r.path() + " | " + http);
                case SLOW_DATABASE -> {
                    if (r.dbShare() > 0) {
                        out.add("db " + r.service() + r.path() + " | metric=" + DB + ",service=" + r.service()
                            + ",route=" + r.path());
                    }
                }
                default -> { }
            }
        }
        return out;
    }

    @Test
    @Timeout(600)
    void shouldTurnEachScriptedIncidentIntoOneFiringAndOneResolved() throws Exception {
        TrafficModel model = TrafficModel.standard().withRate(40);
        Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(15));
        Instant from = to.minus(Duration.ofHours(1));
        Instant end = to.plus(Duration.ofMinutes(8)); // calm tail: the last incident resolves, its windows close
        List<Incident> incidents = IncidentSchedules.scripted(from, to, 42);
        Path tmp = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "e2e-alerts");
        Path rulesFile = tmp.resolve("rules.yaml");
        Files.writeString(rulesFile, rules(model, from, end));
        try (KafkaTestCluster kafka = KafkaTestCluster.start()) {
            kafka.createTopics(1, "e2e.metrics", "e2e.rum", "e2e.stats", "e2e.alerts", "e2e.deadletter");
            Map<String, String> s = new HashMap<>();
            s.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            s.put("topic.metrics", "e2e.metrics");
            s.put("topic.rum", "e2e.rum");
            s.put("topic.stats", "e2e.stats");
            s.put("topic.alerts", "e2e.alerts");
            s.put("topic.deadletter", "e2e.deadletter");
            s.put("state.dir", tmp.resolve("state").toString());
            s.put("stats.windows", "1m");
            s.put("stats.rollup", "off");
            s.put("stats.grace", "5s");
            s.put("stats.application.id", "e2e-stats");
            s.put("alerts.application.id", "e2e-alerts");
            s.put("alerts.rules.file", rulesFile.toString());
            Settings settings = Settings.of(s);
            RecordCodec<Alert> alerts = Codecs.create(Alert.getClassSchema(), settings);
            try (StatsApp stats = StatsApp.start(settings); AlertsApp app = AlertsApp.start(settings)) {
                produce(kafka, settings, model, incidents, from, end);
                Set<String> all = new LinkedHashSet<>();
                incidents.forEach(i -> all.addAll(expected(model, i)));
                Poll.until(Duration.ofMinutes(8), "a RESOLVED for every incident's series " + all, () -> {
                    Set<String> resolved = new LinkedHashSet<>();
                    read(kafka, alerts).stream().filter(a -> a.getState() == AlertState.RESOLVED)
                        .forEach(a -> resolved.add(a.getRule() + " | " + a.getSeries()));
                    return resolved.containsAll(all) ? Boolean.TRUE : null;
                });
            }
            List<Alert> seen = read(kafka, alerts);
            seen.forEach(a -> System.out.println("e2e alert: " + a.getState() + " " + a.getRule() + " " + a.getSeries()
                + " started " + a.getStartedAt() + " window " + a.getWindowStart()));
            incidents.forEach(i -> System.out.println("e2e incident: " + i));
            for (Incident i : incidents) {
                for (String key : expected(model, i)) {
                    List<Alert> mine = seen.stream().filter(a -> (a.getRule() + " | " + a.getSeries()).equals(key))
                        .filter(a -> !a.getStartedAt().isBefore(i.start().minus(Duration.ofMinutes(1)))
                            && a.getStartedAt().isBefore(i.end().plus(Duration.ofMinutes(1)))).toList();
                    assertThat(mine).as(i + " on " + key).extracting(Alert::getState)
                        .containsExactly(AlertState.FIRING, AlertState.RESOLVED);
                }
            }
            // Nothing starts in a calm period (side effects inside an incident, e.g. a slow DB slowing
            // its route, are allowed but also fire only once).
            for (Alert a : seen) {
                boolean inIncident = incidents.stream().anyMatch(i -> !a.getStartedAt().isBefore(i.start().minus(Duration.ofMinutes(1)))
                    && a.getStartedAt().isBefore(i.end().plus(Duration.ofMinutes(1))));
                assertThat(inIncident).as("alert outside every incident: " + a.getSummary()).isTrue();
            }
            assertThat(seen.stream().filter(a -> a.getState() == AlertState.FIRING)
                .map(a -> a.getFingerprint() + a.getStartedAt()).distinct().count())
                .as("one FIRING per alert start").isEqualTo(seen.stream().filter(a -> a.getState() == AlertState.FIRING).count());
        }
    }

    static void produce(KafkaTestCluster kafka, Settings settings, TrafficModel model, List<Incident> incidents,
                        Instant from, Instant end) throws Exception {
        RecordCodec<MetricEvent> mc = Codecs.create(MetricEvent.getClassSchema(), settings);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        AtomicLong n = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            new LoadGenerator(model, incidents, 7).generate(from, end, 0, m -> {
                n.incrementAndGet();
                producer.send(new ProducerRecord<>("e2e.metrics", null, m.getTimestamp().toEpochMilli(),
                    m.getService().getBytes(StandardCharsets.UTF_8), mc.encode("e2e.metrics", m)));
            }, r -> { });
            producer.flush();
        }
        System.out.println("e2e: produced " + n.get() + " metric events");
    }

    static List<Alert> read(KafkaTestCluster kafka, RecordCodec<Alert> codec) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<Alert> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition("e2e.alerts", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long endOffset = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < endOffset) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    try {
                        out.add(codec.decode("e2e.alerts", r.value()));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return out;
    }
}
