package dev.perfstream.bench.stats;

import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.streams.stats.StatsApp;
import dev.perfstream.streams.stats.StatsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/** One measured Kafka Streams run of {@code bench stats}, and the checks that tell when it is done. */
final class StreamsRun {
    private StreamsRun() {
    }

    /**
     * Runs {@code topology} over {@code input} until every input offset is committed (and, for the stats stage,
     * what its tasks forwarded to each other is merged), with the stage's own client settings.
     *
     * @return events per second, from the first processed record (or RUNNING) to done
     */
    static double measure(Admin admin, String bs, String appId, Topology topology, String input, int events,
                          StatsConfig c, Path workDir, Map<String, String> streamsConfig) throws Exception {
        // Every run gets the stage's own client settings (exactly_once_v2, commit interval, producer
        // compression, handlers), so the runs differ only in their topology.
        Properties p = StatsApp.properties(c);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(workDir.resolve("state")).toAbsolutePath().toString());
        p.putAll(streamsConfig);
        Map<TopicPartition, Long> end = endOffsets(admin, input);
        long[] runningAt = {0};
        try (KafkaStreams ks = new KafkaStreams(topology, p)) {
            ks.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING && runningAt[0] == 0) {
                    runningAt[0] = System.nanoTime();
                }
            });
            ks.start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            long lastReport = System.nanoTime();
            long firstProcessedAt = 0;
            long doneAt = 0;
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
                long done = 0;
                boolean all = true;
                for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                    OffsetAndMetadata o = committed.get(e.getKey());
                    // under EOS the committed offset may sit one past a transaction marker
                    all &= e.getValue() == 0 || o != null && o.offset() >= e.getValue(); // an empty partition has nothing to commit
                    done += o == null ? 0 : Math.min(o.offset(), e.getValue());
                }
                if (all) {
                    long inputDone = System.nanoTime();
                    String partials = appId + "-perfstream-stats-partials";
                    awaitPartials(admin, partials);
                    // Done when what the tasks forwarded to each other is merged too; if they forwarded only
                    // watermarks (keyed by service), the input alone is the work.
                    long forwarded = forwardedPartials(bs, admin, partials);
                    if (forwarded >= 0) {
                        log("  %s: %,d partial aggregates forwarded between tasks", appId, forwarded);
                    }
                    doneAt = forwarded > 0 ? System.nanoTime() : inputDone;
                    break;
                }
                if (ks.state() == KafkaStreams.State.ERROR || ks.state() == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException(appId + " stopped: " + ks.state());
                }
                if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(10)) {
                    log("  %s: %,d of %,d committed", appId, done, events);
                    lastReport = System.nanoTime();
                }
                if (firstProcessedAt == 0 && processed(ks) > 0) {
                    firstProcessedAt = System.nanoTime();
                }
                Thread.sleep(firstProcessedAt == 0 ? 10 : 100);
            }
            // From the first processed record, or from RUNNING if that came first: with several stream
            // threads the application reaches RUNNING only once every thread has its tasks, which can be
            // after one thread has processed much of the input.
            long from = runningAt[0] == 0 || firstProcessedAt == 0 ? Math.max(runningAt[0], firstProcessedAt)
                : Math.min(runningAt[0], firstProcessedAt);
            long t = (doneAt == 0 ? System.nanoTime() : doneAt) - from;
            return events / (t / 1e9);
        }
    }

    /**
     * The stats stage is done when, besides its input, what its tasks forwarded to each other (the partials
     * topic, if the run has one) has been consumed up to where it was when the input was.
     */
    static void awaitPartials(Admin admin, String topic) throws Exception {
        if (!admin.listTopics().names().get().contains(topic)) {
            return;
        }
        String group = topic.substring(0, topic.length() - "-perfstream-stats-partials".length());
        Map<TopicPartition, Long> end = endOffsets(admin, topic);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            if (end.entrySet().stream().allMatch(e -> e.getValue() == 0
                || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(group + " did not consume its partials topic within 5 minutes");
    }

    /** Partial aggregates (not watermarks) on the stage's partials topic; -1 if the run has none. */
    private static long forwardedPartials(String bs, Admin admin, String topic) throws Exception {
        if (!admin.listTopics().names().get().contains(topic)) {
            return -1;
        }
        Map<TopicPartition, Long> end = endOffsets(admin, topic);
        Properties p = KafkaClients.plain(bs).consumer(Map.of());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long n = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(end.keySet());
            c.seekToBeginning(end.keySet());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (System.nanoTime() < deadline && end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && r.value().length > 1 && r.value()[1] == 'P') {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** Records processed so far by all stream threads (the thread-level {@code process-total} metric). */
    private static double processed(KafkaStreams ks) {
        double n = 0;
        for (Map.Entry<MetricName, ? extends Metric> m : ks.metrics().entrySet()) {
            if (m.getKey().name().equals("process-total") && m.getKey().group().equals("stream-thread-metrics")
                && m.getValue().metricValue() instanceof Number v) {
                n += v.doubleValue();
            }
        }
        return n;
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        int n = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        for (int i = 0; i < n; i++) {
            q.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(q).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    static Admin admin(String bs) {
        Properties p = KafkaClients.plain(bs).admin(Map.of());
        return Admin.create(p);
    }

    private static void log(String fmt, Object... args) {
        StatsBenchCommand.log(fmt, args);
    }
}
