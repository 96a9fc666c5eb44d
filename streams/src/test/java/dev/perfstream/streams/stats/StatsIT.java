package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Kcat;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.StageSettings;
import dev.perfstream.testkit.TestClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stats stage on a real KRaft broker with exactly-once: known latencies in, exact stats out. */
@Timeout(180)
class StatsIT {
    static final long MIN = 60_000;
    static KafkaTestCluster kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaTestCluster.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Map<String, String> settings(String tag) {
        return StatsStageSettings.of(kafka, tag).createTopics(2).map();
    }

    // Idempotence off (the kit's default): on this loaded machine the in-process broker once answered the idempotent
    // producer's first batch with OUT_OF_ORDER_SEQUENCE forever. One request in flight keeps order; a duplicate from
    // a retry would show up as a wrong count, not pass silently.
    private static KafkaProducer<byte[], byte[]> producer() {
        return kafka.clients().producer();
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String topic, String key, String json) {
        p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
    }

    private static long minuteAgo(int minutes) {
        long now = System.currentTimeMillis();
        return (now / MIN) * MIN - minutes * MIN;
    }

    @Test
    void shouldWriteExactCountsAndPercentilesWithin1PercentAndDeadLetterMalformedRecords() throws Exception {
        Map<String, String> s = settings("exact");
        Settings settings = Settings.of(s);
        long t0 = minuteAgo(5);
        Random r = new Random(1);
        Map<String, double[]> sent = new HashMap<>();
        String[] routes = {"/api/orders", "/api/users", "/api/search"};
        int n = 3000;
        try (StatsApp app = StatsApp.start(settings); KafkaProducer<byte[], byte[]> p = producer()) {
            for (String route : routes) {
                sent.put(route, new double[n]);
            }
            for (int i = 0; i < n; i++) {
                for (String route : routes) {
                    double v = Math.exp(3 + 0.7 * r.nextGaussian());
                    sent.get(route)[i] = v;
                    send(p, s.get("topic.metrics"), "checkout", StatsDriver.metric(t0 + i * 19L, "checkout", route, v, "OK"));
                }
                if (i % 1000 == 0) {
                    send(p, s.get("topic.metrics"), "checkout", "{broken json " + i);
                    send(p, s.get("topic.metrics"), "checkout", StatsDriver.metric(t0 + i, "checkout", "/x", -1, "OK"));
                }
            }
            send(p, s.get("topic.metrics"), "checkout", StatsDriver.metric(t0 + 3 * MIN, "checkout", "/api/orders", 1, "OK"));
            p.flush();

            RecordCodec<WindowStats> sc = Codecs.create(WindowStats.getClassSchema(), settings);
            RecordCodec<DeadLetter> dc = Codecs.create(DeadLetter.getClassSchema(), settings);
            List<WindowStats> stats = new ArrayList<>();
            List<DeadLetter> dead = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> cs = kafka.clients().subscribed(s.get("topic.stats"));
                 KafkaConsumer<byte[], byte[]> cd = kafka.clients().subscribed(s.get("topic.deadletter"))) {
                Poll.until(Duration.ofSeconds(90), "three 1-minute windows and six dead letters", () -> {
                    TestClients.pollInto(cs, sc::decode, stats);
                    TestClients.pollInto(cd, dc::decode, dead);
                    long minutes = stats.stream().filter(w -> w.getWindowStart().toEpochMilli() == t0
                        && w.getWindowEnd().toEpochMilli() == t0 + MIN).count();
                    return minutes == 3 && dead.size() >= 6 ? Boolean.TRUE : null;
                });
            }
            for (String route : routes) {
                WindowStats w = stats.stream().filter(x -> x.getRoute().equals(route)
                    && x.getWindowEnd().toEpochMilli() - x.getWindowStart().toEpochMilli() == MIN).findFirst().orElseThrow();
                assertThat(w.getCount()).isEqualTo(n);
                double[] v = sent.get(route);
                for (double q : StatsTopologyTest.QS) {
                    double exact = Quantiles.exact(v, q);
                    double got = q == 0.5 ? w.getP50() : q == 0.75 ? w.getP75() : q == 0.9 ? w.getP90()
                        : q == 0.95 ? w.getP95() : q == 0.99 ? w.getP99() : w.getP999();
                    assertThat(got).as(route + " q" + q).isCloseTo(exact, within(exact * 0.01));
                }
                long tens = stats.stream().filter(x -> x.getRoute().equals(route)
                    && x.getWindowEnd().toEpochMilli() - x.getWindowStart().toEpochMilli() == 10_000)
                    .mapToLong(WindowStats::getCount).sum();
                assertThat(tens).isEqualTo(n);
            }
            assertThat(dead).hasSize(6);
            assertThat(dead).extracting(DeadLetter::getReasonCode).containsOnly("parse", "validation");
            assertThat(dead).allSatisfy(d -> {
                assertThat(d.getSourceTopic()).isEqualTo(s.get("topic.metrics"));
                assertThat(d.getSourceOffset()).isNotNull();
                assertThat(d.getReason()).isNotBlank();
            });
        }
    }

    @Test
    void shouldNeitherLoseNorDoubleAWindowWhenRestartedMidStreamWithEmptyLocalState() throws Exception {
        Map<String, String> s = settings("restart");
        long t0 = minuteAgo(5);
        int half = 500;
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            try (StatsApp app = StatsApp.start(Settings.of(s))) {
                for (int i = 0; i < half; i++) {
                    send(p, s.get("topic.metrics"), "svc", StatsDriver.metric(t0 + i * 50L, "svc", "/r", i + 1, "OK"));
                }
                p.flush();
                // wait until the first half is committed: its input offsets are in the group
                Poll.until(Duration.ofSeconds(60), "first half committed",
                    () -> kafka.committedOffsets(s.get("stats.application.id")) >= half ? Boolean.TRUE : null);
            }
            // restart with an empty state directory: state must come back from the changelog
            s.put("state.dir", StageSettings.freshDir("stats-restart").toString());
            try (StatsApp app = StatsApp.start(Settings.of(s))) {
                for (int i = half; i < 2 * half; i++) {
                    send(p, s.get("topic.metrics"), "svc", StatsDriver.metric(t0 + i * 50L, "svc", "/r", i + 1, "OK"));
                }
                send(p, s.get("topic.metrics"), "svc", StatsDriver.metric(t0 + 3 * MIN, "svc", "/r", 1, "OK"));
                p.flush();
                RecordCodec<WindowStats> sc = Codecs.create(WindowStats.getClassSchema(), Settings.of(s));
                List<WindowStats> stats = new ArrayList<>();
                try (KafkaConsumer<byte[], byte[]> cs = kafka.clients().subscribed(s.get("topic.stats"))) {
                    Poll.until(Duration.ofSeconds(90), "the minute window", () -> {
                        TestClients.pollInto(cs, sc::decode, stats);
                        return stats.stream().anyMatch(w -> w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli() == MIN)
                            ? Boolean.TRUE : null;
                    });
                    TestClients.pollInto(cs, sc::decode, stats);
                }
                // the marker event at t0 + 3 min may have its own window closed too, by the wall-clock close of a
                // quiet partition when the wait runs long: it is a window of its own, count 1, never a duplicate
                long marker = t0 + 3 * MIN;
                assertThat(stats).filteredOn(w -> w.getWindowStart().toEpochMilli() >= marker)
                    .allSatisfy(w -> assertThat(w.getCount()).isEqualTo(1));
                stats.removeIf(w -> w.getWindowStart().toEpochMilli() >= marker);
                List<WindowStats> minute = stats.stream()
                    .filter(w -> w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli() == MIN).toList();
                assertThat(minute).hasSize(1);
                assertThat(minute.get(0).getWindowStart().toEpochMilli()).isEqualTo(t0);
                assertThat(minute.get(0).getCount()).isEqualTo(2 * half);
                assertThat(minute.get(0).getMin()).isEqualTo(1);
                assertThat(minute.get(0).getMax()).isEqualTo(2 * half);
                List<WindowStats> tens = stats.stream()
                    .filter(w -> w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli() == 10_000).toList();
                assertThat(tens).hasSize(5); // 1000 events * 50 ms = 50 s
                assertThat(tens.stream().map(WindowStats::getWindowStart).distinct().count()).isEqualTo(5);
                assertThat(tens.stream().mapToLong(WindowStats::getCount).sum()).isEqualTo(2 * half);
            }
        }
    }

    /**
     * The stage's producer is fenced mid-stream (another producer takes its transactional id, as the broker does when
     * a transaction outlives {@code transaction.timeout.ms}, e.g. a thread blocked on the schema registry): its stream
     * thread rejoins the group and its tasks start again from the last commit. The windows still close, exact.
     */
    @Test
    void shouldCloseExactWindowsAfterTheStreamThreadIsFencedMidStream() throws Exception {
        Map<String, String> s = settings("fenced");
        long t0 = minuteAgo(5);
        int half = 500;
        int routes = 6; // keyed by route: both tasks read events, and the one that does not own service svc forwards partials
        String group = s.get("stats.application.id");
        try (KafkaProducer<byte[], byte[]> p = producer(); StatsApp app = StatsApp.start(Settings.of(s))) {
            for (int i = 0; i < half; i++) {
                send(p, s.get("topic.metrics"), "/r" + i % routes, StatsDriver.metric(t0 + i * 50L, "svc", "/r" + i % routes, i + 1, "OK"));
            }
            p.flush();
            Poll.until(Duration.ofSeconds(60), "first half committed",
                () -> kafka.committedOffsets(group) >= half ? Boolean.TRUE : null);
            assertThat(kafka.fenceTransactions(group + "-")).as("transactional ids of " + group).isNotEmpty();
            for (int i = half; i < 2 * half; i++) {
                send(p, s.get("topic.metrics"), "/r" + i % routes, StatsDriver.metric(t0 + i * 50L, "svc", "/r" + i % routes, i + 1, "OK"));
            }
            send(p, s.get("topic.metrics"), "svc", StatsDriver.metric(t0 + 3 * MIN, "svc", "/closer", 1, "OK"));
            p.flush();
            RecordCodec<WindowStats> sc = Codecs.create(WindowStats.getClassSchema(), Settings.of(s));
            List<WindowStats> stats = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> cs = kafka.clients().subscribed(s.get("topic.stats"))) {
                Poll.until(Duration.ofSeconds(90), "the minute windows of all " + routes + " routes after the fence", () -> {
                    TestClients.pollInto(cs, sc::decode, stats);
                    return minuteFrom(stats, t0).size() >= routes ? Boolean.TRUE : null;
                });
            }
            List<WindowStats> minute = minuteFrom(stats, t0);
            assertThat(minute).hasSize(routes);
            for (WindowStats w : minute) {
                int r = Integer.parseInt(w.getRoute().substring(2));
                assertThat(w.getCount()).as(w.getRoute()).isEqualTo(2 * half / routes + (r < 2 * half % routes ? 1 : 0));
                assertThat(w.getMin()).as(w.getRoute()).isEqualTo(r + 1);
                assertThat(w.getMax()).as(w.getRoute()).isEqualTo(2 * half - (2 * half - 1 - r) % routes);
            }
        }
    }

    private static List<WindowStats> minuteFrom(List<WindowStats> stats, long t0) {
        return stats.stream().filter(w -> w.getWindowStart().toEpochMilli() == t0
            && w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli() == MIN).toList();
    }

    /**
     * Both inputs have a backlog when the stage starts, the metrics produced first (as after an outage of the stage):
     * Kafka Streams orders a task's partitions by record timestamp (the producers' send time), not event time, so the
     * stage must not let the metrics' event time close the windows of RUM events still on the broker. Every RUM event
     * counted, none late. Produced keyed by the project's Java producer.
     */
    @Test
    void shouldNotLetTheMetricsBacklogCloseWindowsOfTheRumBacklog() throws Exception {
        assertBacklogsCounted("order", (s, t0) -> {
            try (KafkaProducer<byte[], byte[]> p = producer()) {
                for (int i = 0; i < BACKLOG; i++) { // 10 minutes of both, metrics produced first
                    send(p, s.get("topic.metrics"), "svc" + i % 2, backlogMetric(t0, i));
                }
                for (int i = 0; i < BACKLOG; i++) {
                    send(p, s.get("topic.rum"), "shop" + i % 2, backlogVital(t0, i));
                }
                p.flush();
            }
        });
    }

    /**
     * The same backlogs produced by a client we did not write: kcat (librdkafka), one JSON event per line, no keys,
     * each record on a random partition, the metrics file first.
     */
    @Test
    void shouldCountBothBacklogsProducedByKcatWithoutKeys() throws Exception {
        assertBacklogsCounted("kcat", (s, t0) -> {
            StringBuilder metrics = new StringBuilder();
            StringBuilder rum = new StringBuilder();
            for (int i = 0; i < BACKLOG; i++) {
                metrics.append(backlogMetric(t0, i)).append('\n');
                rum.append(backlogVital(t0, i)).append('\n');
            }
            Kcat.produce(kafka.bootstrapServers(), s.get("topic.metrics"), metrics.toString());
            Kcat.produce(kafka.bootstrapServers(), s.get("topic.rum"), rum.toString());
        });
    }

    private static final int BACKLOG = 20_000;

    private static String backlogMetric(long t0, int i) {
        return StatsDriver.metric(t0 + i * 30L, "svc" + i % 2, "/r", 5, "OK");
    }

    private static String backlogVital(long t0, int i) {
        return StatsDriver.vital(t0 + i * 30L + 15, "shop" + i % 2, "/", "LCP", 1000 + i % 500, "desktop");
    }

    /** Backlogs of {@link #BACKLOG} metrics and RUM events over 10 minutes, produced before the stage starts. */
    private void assertBacklogsCounted(String tag, BacklogProducer produce) throws Exception {
        Map<String, String> s = settings(tag);
        long t0 = minuteAgo(15);
        int n = BACKLOG;
        produce.accept(s, t0);
        Settings settings = Settings.of(s);
        RecordCodec<WindowStats> sc = Codecs.create(WindowStats.getClassSchema(), settings);
        RecordCodec<DeadLetter> dc = Codecs.create(DeadLetter.getClassSchema(), settings);
        List<WindowStats> stats = new ArrayList<>();
        List<DeadLetter> dead = new ArrayList<>();
        try (StatsApp app = StatsApp.start(settings);
             KafkaConsumer<byte[], byte[]> cs = kafka.clients().subscribed(s.get("topic.stats"));
             KafkaConsumer<byte[], byte[]> cd = kafka.clients().subscribed(s.get("topic.deadletter"))) {
            Poll.until(Duration.ofSeconds(120), "every event in a closed 10 s window", () -> {
                TestClients.pollInto(cs, sc::decode, stats);
                TestClients.pollInto(cd, dc::decode, dead);
                long counted = stats.stream().filter(w -> w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli()
                    == 10_000).mapToLong(WindowStats::getCount).sum();
                return counted + dead.size() >= 2L * n ? Boolean.TRUE : null;
            });
            TestClients.pollInto(cd, dc::decode, dead);
        }
        assertThat(dead).as("late or refused events").isEmpty();
        List<WindowStats> tens = stats.stream()
            .filter(w -> w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli() == 10_000).toList();
        assertThat(tens.stream().filter(w -> w.getName().equals("LCP")).mapToLong(WindowStats::getCount).sum()).isEqualTo(n);
        assertThat(tens.stream().filter(w -> !w.getName().equals("LCP")).mapToLong(WindowStats::getCount).sum()).isEqualTo(n);
        assertThat(tens.stream().map(w -> w.getName() + w.getService() + w.getRoute() + w.getWindowStart()).distinct().count())
            .as("one WindowStats per series and window").isEqualTo(tens.size());
    }

    @FunctionalInterface
    private interface BacklogProducer {
        void accept(Map<String, String> settings, long t0) throws Exception;
    }
}
