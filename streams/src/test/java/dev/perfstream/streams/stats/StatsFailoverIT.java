package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.ChildJvm;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.TestClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two stats instances (child JVMs) on 1,000,000 events produced with null keys over six partitions:
 * one is killed with SIGKILL mid-stream and the broker is restarted once; every (series, window)
 * then has exactly the WindowStats of a fault-free run of one in-process instance over the same
 * input (0 lost, 0 doubled), and the time from the kill until every unfinished partition is being
 * processed again is printed.
 */
@Timeout(600)
class StatsFailoverIT {
    private static final int PARTITIONS = 6;
    private static final int EVENTS = 1_000_000;
    private static final int SERIES = 200;
    private static final long MIN = 60_000;

    @Test
    void shouldGiveExactlyTheResultsOfAFaultFreeRunAfterAKill9OfOneOfTwoInstancesAndABrokerRestart() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); Admin admin = kafka.admin()) {
            kafka.createTopics(PARTITIONS, "fo-metrics", "fo-rum", "fo-stats", "fo-stats-ref", "fo-dlq");
            Poll.until(Duration.ofSeconds(30), "a leader for every partition of fo-metrics", () -> {
                try {
                    return admin.describeTopics(List.of("fo-metrics")).allTopicNames().get().get("fo-metrics").partitions()
                        .stream().allMatch(pi -> pi.leader() != null && !pi.leader().isEmpty()) ? Boolean.TRUE : null;
                } catch (Exception e) {
                    return null;
                }
            });
            long t0 = (System.currentTimeMillis() / MIN) * MIN - 40 * MIN;
            produce(kafka, t0);

            Map<String, String> fault = settings(kafka, "fo-fault", "fo-stats");
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            Process a = child(fault, Files.createTempDirectory(tmp, "fo-a-"), tmp.resolve("stats-failover-a.log"));
            Process b = child(fault, Files.createTempDirectory(tmp, "fo-b-"), tmp.resolve("stats-failover-b.log"));
            int expected = SERIES * (40 * 6 + 40); // 40 minutes of 10 s and 1 min windows
            Map<String, WindowStats> faulty;
            try {
                Map<TopicPartition, Long> end = endOffsets(admin);
                assertThat(end.values().stream().mapToLong(Long::longValue).sum()).as("events in fo-metrics").isEqualTo(EVENTS);
                awaitCommitted(admin, EVENTS / 10);
                System.out.printf(Locale.ROOT, "failover: %,d of %,d committed; restarting the broker%n", committedSum(admin), EVENTS);
                kafka.kit().brokers().values().forEach(br -> br.shutdown());
                Thread.sleep(3_000);
                kafka.kit().brokers().values().forEach(br -> br.startup());
                awaitCommitted(admin, EVENTS * 4L / 10);
                Map<TopicPartition, Long> atKill = committed(admin, "fo-fault");
                System.out.printf(Locale.ROOT, "failover: %,d of %,d committed; kill -9 of one instance%n", committedSum(admin), EVENTS);
                long killedAt = System.nanoTime();
                a.destroyForcibly(); // SIGKILL: no shutdown hook, no commit, the open transaction is left behind
                a.waitFor(30, TimeUnit.SECONDS);
                // every partition that was not finished moves on again: the survivor has all tasks
                Poll.until(Duration.ofSeconds(120), "every unfinished partition processed again after the kill", () -> {
                    Map<TopicPartition, Long> now = committed(admin, "fo-fault");
                    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                        long before = atKill.getOrDefault(e.getKey(), 0L);
                        if (before < e.getValue() && now.getOrDefault(e.getKey(), 0L) <= before) {
                            return null;
                        }
                    }
                    return Boolean.TRUE;
                });
                System.out.printf(Locale.ROOT, "failover: kill -9 to every unfinished partition processed again: %.1f s%n",
                    (System.nanoTime() - killedAt) / 1e9);
                faulty = read(kafka, fault, "fo-stats", expected);
                assertThat(b.isAlive()).as("the survivor is still running").isTrue();
            } finally {
                a.destroyForcibly();
                b.destroy();
                b.waitFor(30, TimeUnit.SECONDS);
                b.destroyForcibly();
            }

            Map<String, String> ref = settings(kafka, "fo-ref", "fo-stats-ref");
            ref.put("state.dir", Files.createTempDirectory(tmp, "fo-ref-").toString());
            Map<String, WindowStats> reference;
            try (StatsApp app = StatsApp.start(Settings.of(ref))) {
                reference = read(kafka, ref, "fo-stats-ref", expected);
            }
            assertThat(reference).hasSize(expected);
            for (long size : new long[] {10_000, MIN}) {
                System.out.printf(Locale.ROOT, "failover: reference run, %d ms windows: %,d events%n", size, reference.values().stream()
                    .filter(w -> w.getWindowEnd().toEpochMilli() - w.getWindowStart().toEpochMilli() == size)
                    .mapToLong(WindowStats::getCount).sum());
            }
            assertThat(faulty.keySet()).containsExactlyInAnyOrderElementsOf(reference.keySet());
            List<String> differ = new ArrayList<>();
            for (Map.Entry<String, WindowStats> e : reference.entrySet()) {
                WindowStats f = faulty.get(e.getKey());
                if (f != null && f.getCount() != e.getValue().getCount()) {
                    differ.add(e.getKey() + " (" + SeriesOwnershipProbe.owner("svc" + e.getKey().substring(3, e.getKey().indexOf('/')))
                        + ") expected " + e.getValue().getCount() + " got " + f.getCount() + " late " + f.getLateEvents());
                }
            }
            List<String> dead = deadLetters(kafka);
            differ.sort(null);
            differ.forEach(d -> System.out.println("failover: window differs: " + d));
            dead.forEach(d -> System.out.println("failover: dead letter: " + d));
            assertThat(dead).as("dead letters").isEmpty();
            assertThat(differ).as("windows whose count differs from the fault-free run").isEmpty();
            assertThat(faulty.values().stream().mapToLong(WindowStats::getCount).sum() / 2).isEqualTo(EVENTS);
            for (Map.Entry<String, WindowStats> e : reference.entrySet()) {
                WindowStats r = e.getValue();
                WindowStats f = faulty.get(e.getKey());
                String k = e.getKey();
                assertThat(f.getCount()).as(k).isEqualTo(r.getCount());
                assertThat(f.getErrors()).as(k).isEqualTo(r.getErrors());
                assertThat(f.getLateEvents()).as(k).isEqualTo(r.getLateEvents()).isZero();
                assertThat(f.getMin()).as(k).isEqualTo(r.getMin());
                assertThat(f.getMax()).as(k).isEqualTo(r.getMax());
                // the sum of doubles depends on the order partials are merged in: equal to the last bits
                assertThat(f.getMean()).as(k).isCloseTo(r.getMean(), within(Math.abs(r.getMean()) * 1e-12));
                assertThat(List.of(f.getP50(), f.getP75(), f.getP90(), f.getP95(), f.getP99(), f.getP999())).as(k)
                    .isEqualTo(List.of(r.getP50(), r.getP75(), r.getP90(), r.getP95(), r.getP99(), r.getP999()));
            }
        }
    }

    private static Map<String, String> settings(KafkaTestCluster kafka, String appId, String statsTopic) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        m.put("stats.application.id", appId);
        m.put("topic.metrics", "fo-metrics");
        m.put("topic.rum", "fo-rum");
        m.put("topic.stats", statsTopic);
        m.put("topic.deadletter", "fo-dlq");
        m.put("stats.windows", "10s,1m");
        m.put("stats.rollup", "off");
        m.put("stats.grace", "5s");
        m.put("stats.max-age", "1d");
        return m;
    }

    private static void produce(KafkaTestCluster kafka, long t0) {
        // On a loaded 2-core machine the broker can fall 2 minutes behind a producer that queues 1 M events at once:
        // batches then expire in the client (delivery.timeout.ms) and the input is short. Send in chunks, wait longer.
        // Not idempotent (the kit's default): on a broker whose partitions had just been created, the idempotent
        // producer once retried a batch forever (OutOfOrderSequenceException, sequence 0 against 4207). In order (one
        // request in flight); a record written twice after a timed-out request would show in the end-offset check.
        Map<String, Object> batching = Map.of(ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.BATCH_SIZE_CONFIG, 32 * 1024,
            ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000);
        Random r = new Random(5);
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Exception> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer(batching)) {
            for (int i = 0; i < EVENTS; i++) {
                int s = r.nextInt(SERIES);
                long ts = t0 + (long) i * 40 * MIN / EVENTS;
                String json = String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"svc%d\",\"metric\":\"http.server.duration\","
                    + "\"value\":%.3f,\"unit\":\"ms\",\"outcome\":\"%s\",\"route\":\"/r%d\"}", ts, s % 20, Math.exp(3 + r.nextGaussian()),
                    r.nextInt(100) == 0 ? "ERROR" : "OK", s / 20);
                producer.send(new ProducerRecord<>("fo-metrics", null, ts, null, json.getBytes(StandardCharsets.UTF_8)), (md, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e);
                    }
                });
                if (i % 50_000 == 49_999) {
                    producer.flush();
                }
            }
            producer.flush();
        }
        assertThat(failed.get()).as("events the producer failed to send; first failure: " + firstFailure.get()).isZero();
    }

    /** Runs StatsApp in its own JVM on the test classpath, so it can be killed with SIGKILL. */
    private static Process child(Map<String, String> settings, Path stateDir, Path log) throws Exception {
        Map<String, String> s = new HashMap<>(settings);
        s.put("state.dir", stateDir.toString());
        return ChildJvm.start(StatsApp.class, s, log);
    }

    private static long committedSum(Admin admin) {
        return committed(admin, "fo-fault").values().stream().mapToLong(Long::longValue).sum();
    }

    private static void awaitCommitted(Admin admin, long n) {
        Poll.until(Duration.ofSeconds(180), n + " events committed", () -> committedSum(admin) >= n ? Boolean.TRUE : null);
    }

    private static Map<TopicPartition, Long> committed(Admin admin, String group) {
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).entrySet()) {
                if (e.getKey().topic().equals("fo-metrics") && e.getValue() != null) {
                    out.put(e.getKey(), e.getValue().offset());
                }
            }
            return out;
        } catch (Exception e) {
            return Map.of(); // the broker is restarting
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (int i = 0; i < PARTITIONS; i++) {
            q.put(new TopicPartition("fo-metrics", i), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(q).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Which stats task owns a service (the partials partition of its owner key). */
    static final class SeriesOwnershipProbe {
        static int owner(String service) {
            return new SeriesOwnership(PARTITIONS, PARTITIONS).ownerOf(service);
        }
    }

    /** Every dead letter on fo-dlq, as "code: reason (topic-partition@offset)". */
    private static List<String> deadLetters(KafkaTestCluster kafka) {
        RecordCodec<DeadLetter> codec = Codecs.create(DeadLetter.getClassSchema(), Settings.of(Map.of()));
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.clients().records("fo-dlq")) {
            try {
                DeadLetter d = codec.decode("fo-dlq", r.value());
                out.add(d.getReasonCode() + ": " + d.getReason() + " (" + d.getSourceTopic() + "-" + d.getSourcePartition()
                    + "@" + d.getSourceOffset() + ")");
            } catch (DecodeException e) {
                out.add("undecodable dead letter: " + e.getMessage());
            }
        }
        return out;
    }

    /** Every WindowStats of the topic by (series, window); fails on a second one for the same key. */
    private static Map<String, WindowStats> read(KafkaTestCluster kafka, Map<String, String> m, String topic, int expected) {
        RecordCodec<WindowStats> codec = Codecs.create(WindowStats.getClassSchema(), Settings.of(m));
        Map<String, WindowStats> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = kafka.clients().subscribed(topic)) {
            Poll.until(Duration.ofSeconds(180), expected + " window stats on " + topic, () -> {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    WindowStats w = TestClients.decode(codec::decode, r);
                    String k = w.getService() + w.getRoute() + " " + w.getWindowStart().toEpochMilli() + "-" + w.getWindowEnd().toEpochMilli();
                    assertThat(out.put(k, w)).as("a second WindowStats for " + k + " on " + topic).isNull();
                }
                return out.size() >= expected ? Boolean.TRUE : null;
            });
            c.poll(Duration.ofSeconds(2)).forEach(r -> {
                throw new AssertionError("more than " + expected + " window stats on " + topic);
            });
        }
        return out;
    }

}
