package dev.perfstream.bench.stats;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.kafka.KafkaClients;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The events of {@code bench stats}: {@code series} series (100 services x routes) with lognormal values over
 * {@code span} of event time, as plain request latencies or the mixed traffic (requests, statements, cache
 * lookups), produced keyed as {@code keying} says.
 */
final class BenchWorkload {
    private final int series;
    private final StatsBenchCommand.Keying keying;
    private final StatsBenchCommand.Traffic traffic;
    private final String span;
    private final String registry;

    BenchWorkload(int series, StatsBenchCommand.Keying keying, StatsBenchCommand.Traffic traffic, String span, String registry) {
        this.series = series;
        this.keying = keying;
        this.traffic = traffic;
        this.span = span;
        this.registry = registry;
    }

    /** One event as JSON (the random draws of plain traffic are the same as before). */
    private String json(java.util.Random r, long ts, String service, String route, int s, double v) {
        String outcome = r.nextInt(100) == 0 ? "ERROR" : "OK";
        if (traffic == StatsBenchCommand.Traffic.plain) {
            return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"http.server.duration\","
                + "\"value\":%.3f,\"unit\":\"ms\",\"outcome\":\"%s\",\"route\":\"%s\"}", ts, service, v, outcome, route);
        }
        int kind = r.nextInt(100);
        if (kind < 55) {
            return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"http.server.duration\","
                + "\"value\":%.3f,\"unit\":\"ms\",\"outcome\":\"%s\",\"route\":\"%s\",\"serviceVersion\":\"%s\"}", ts,
                service, v, outcome, route, s % 5 == 0 && r.nextBoolean() ? "1.5.0" : "1.4.0");
        }
        if (kind < 85) {
            return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"db.query.duration\","
                + "\"value\":%.3f,\"unit\":\"ms\",\"route\":\"%s\",\"dbStatement\":\"SELECT * FROM orders_%d WHERE id = %d"
                + " AND state IN ('a', 'b')\"}", ts, service, v / 4, route, s % 40, ts % 9973);
        }
        return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"cache.lookup\","
            + "\"value\":%.3f,\"unit\":\"ms\",\"route\":\"%s\",\"cache\":\"cache-%d\",\"cacheHit\":%s}", ts, service,
            v / 20, route, s % 3, r.nextInt(10) != 0);
    }

    /**
     * Pre-generates the events (JSON, or Confluent Avro with a registry: the same events through the
     * stages' own codec), then produces them keyed as {@code keying} says.
     *
     * @return events per second produced
     */
    double produce(String bs, String topic, int events, long seed) throws Exception {
        Random r = new Random(seed);
        long spanMs = Settings.parseDuration(span).toMillis();
        long start = System.currentTimeMillis() - spanMs - 60_000;
        List<byte[]> keys = new ArrayList<>(series);
        String[] services = new String[series];
        String[] routes = new String[series];
        for (int s = 0; s < series; s++) {
            services[s] = "svc-" + (s % 100);
            routes[s] = "/api/r" + (s / 100);
            keys.add(switch (keying) {
                case service -> services[s].getBytes(StandardCharsets.UTF_8);
                case series -> (services[s] + "|" + routes[s]).getBytes(StandardCharsets.UTF_8);
                case random, none -> null;
            });
        }
        byte[][] values = new byte[events][];
        int[] seriesOf = new int[events];
        RecordCodec<MetricEvent> avro = registry == null ? null
            : Codecs.create(MetricEvent.getClassSchema(), Settings.of(Map.of("schema.registry.url", registry)));
        for (int i = 0; i < events; i++) {
            int s = r.nextInt(series);
            seriesOf[i] = s;
            long ts = start + (long) i * spanMs / events;
            double v = Math.exp(3 + 0.8 * r.nextGaussian());
            values[i] = json(r, ts, services[s], routes[s], s, v).getBytes(StandardCharsets.UTF_8);
            if (avro != null) {
                values[i] = avro.encode(topic, avro.decode(topic, values[i]));
            }
        }
        Properties p = KafkaClients.plain(bs).producer(Map.of());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        // Without keys the client's sticky partitioner fills one batch per partition in turn: with the client's
        // default batch size (16 KB) the events spread over the partitions as a default producer's do.
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, keying == StatsBenchCommand.Keying.none ? 16 * 1024 : 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        long t = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                long ts = start + (long) i * spanMs / events;
                byte[] key = keying == StatsBenchCommand.Keying.random ? Long.toString(r.nextLong(), 36).getBytes(StandardCharsets.UTF_8)
                    : keys.get(seriesOf[i]);
                producer.send(new ProducerRecord<>(topic, null, ts, key, values[i]));
            }
            producer.flush();
        }
        return events / ((System.nanoTime() - t) / 1e9);
    }

    /** A plain read_committed consumer's rate over the topic: the ceiling of any stage reading it. */
    static double consume(String bs, String topic, int events) {
        Properties p = KafkaClients.plain(bs).consumer(Map.of());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-consumer-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        long n = 0;
        long t = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (n < events && System.nanoTime() < deadline) {
                int got = c.poll(Duration.ofMillis(500)).count();
                if (got > 0 && t == 0) {
                    t = System.nanoTime(); // from the first record: group join is not throughput
                }
                n += got;
            }
        }
        return n / ((System.nanoTime() - t) / 1e9);
    }
}
