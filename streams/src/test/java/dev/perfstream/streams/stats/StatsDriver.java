package dev.perfstream.streams.stats;

import dev.perfstream.schemas.avro.CacheStats;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.QueryStats;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** The stats topology in a TopologyTestDriver, with JSON helpers. */
final class StatsDriver implements AutoCloseable {
    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    /** Settings of a stage with 1-minute windows only, in memory, no rollup, then {@code kv} (key, value, ...). */
    static java.util.Map<String, String> oneMinute(String applicationId, String... kv) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        m.put("stats.application.id", applicationId);
        m.put("stats.store", "memory");
        m.put("stats.windows", "1m");
        m.put("stats.rollup", "0");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    final Settings settings;
    final StatsConfig config;
    final TopologyTestDriver driver;
    final TestInputTopic<byte[], byte[]> metrics;
    final TestInputTopic<byte[], byte[]> rum;
    final TestOutputTopic<String, byte[]> stats;
    final TestOutputTopic<byte[], byte[]> dlq;
    final RecordCodec<WindowStats> statsCodec;
    final RecordCodec<DeadLetter> dlqCodec;

    final TestOutputTopic<String, byte[]> queries;
    final TestOutputTopic<String, byte[]> impact;
    final TestOutputTopic<String, byte[]> caches;
    final TestOutputTopic<String, byte[]> rumElements;
    final TestInputTopic<String, byte[]> partialsIn;
    final TestOutputTopic<String, byte[]> partialsOut;

    StatsDriver(Map<String, String> keys) {
        this(keys, SeriesOwnership.SINGLE);
    }

    /** With the given ownership; the driver's wall clock starts at {@link #NOW}. */
    StatsDriver(Map<String, String> keys, SeriesOwnership ownership) {
        this(keys, ownership, InputLag.NONE);
    }

    /** With the given ownership and input lag; the driver's wall clock starts at {@link #NOW}. */
    StatsDriver(Map<String, String> keys, SeriesOwnership ownership, InputLag lag) {
        settings = Settings.of(keys);
        config = StatsConfig.from(settings);
        Properties p = StatsApp.properties(config);
        p.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/ttd-state");
        driver = ownership == SeriesOwnership.SINGLE && lag == InputLag.NONE
            ? new TopologyTestDriver(StatsTopology.build(config, settings, Clock.fixed(NOW, ZoneOffset.UTC)), p)
            : new TopologyTestDriver(StatsTopology.build(config, settings, Clock.fixed(NOW, ZoneOffset.UTC), ownership,
                lag, new java.util.concurrent.atomic.AtomicLong()), p, NOW);
        partialsIn = driver.createInputTopic(config.partialsTopic(), new StringSerializer(), new ByteArraySerializer());
        partialsOut = driver.createOutputTopic(config.partialsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
        metrics = driver.createInputTopic(config.metricsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        rum = driver.createInputTopic(config.rumTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        stats = driver.createOutputTopic(config.statsTopic(), new StringDeserializer(), new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(config.deadLetterTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        QueryCacheConfig qc = QueryCacheConfig.from(settings);
        queries = driver.createOutputTopic(qc.queriesTopic(), new StringDeserializer(), new ByteArrayDeserializer());
        caches = driver.createOutputTopic(qc.cacheTopic(), new StringDeserializer(), new ByteArrayDeserializer());
        impact = driver.createOutputTopic(settings.get(dev.perfstream.schemas.config.TopicKeys.IMPACT), new StringDeserializer(),
            new ByteArrayDeserializer());
        rumElements = driver.createOutputTopic(settings.get(dev.perfstream.schemas.config.TopicKeys.RUM_ELEMENTS),
            new StringDeserializer(), new ByteArrayDeserializer());
        statsCodec = Codecs.create(WindowStats.getClassSchema(), settings);
        dlqCodec = Codecs.create(DeadLetter.getClassSchema(), settings);
    }

    static String metric(long ts, String service, String route, double value, String outcome) {
        return String.format(Locale.ROOT,
            "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"http.server.duration\",\"value\":%s,\"unit\":\"ms\","
                + "\"outcome\":\"%s\"%s}",
            ts, service, Double.toString(value), outcome, route == null ? "" : ",\"route\":\"" + route + "\"");
    }

    static String vital(long ts, String app, String page, String vital, double value, String device) {
        return String.format(Locale.ROOT,
            "{\"timestamp\":%d,\"app\":\"%s\",\"page\":\"%s\",\"vital\":\"%s\",\"value\":%s,\"deviceClass\":\"%s\"}",
            ts, app, page, vital, Double.toString(value), device);
    }

    void sendMetric(String json) {
        metrics.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
    }

    void sendRum(String json) {
        rum.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
    }

    /** All stats emitted so far, decoded. */
    List<WindowStats> readStats() {
        List<WindowStats> out = new ArrayList<>();
        for (TestRecord<String, byte[]> r : stats.readRecordsToList()) {
            try {
                out.add(statsCodec.decode(config.statsTopic(), r.value()));
            } catch (DecodeException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    /** All perf.queries records emitted so far, decoded. */
    List<QueryStats> readQueries() {
        RecordCodec<QueryStats> codec = Codecs.create(QueryStats.getClassSchema(), settings);
        List<QueryStats> out = new ArrayList<>();
        for (TestRecord<String, byte[]> r : queries.readRecordsToList()) {
            try {
                out.add(codec.decode("q", r.value()));
            } catch (DecodeException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    /** All perf.impact records emitted so far, decoded. */
    List<dev.perfstream.schemas.avro.UxImpact> readImpact() {
        RecordCodec<dev.perfstream.schemas.avro.UxImpact> codec =
            Codecs.create(dev.perfstream.schemas.avro.UxImpact.getClassSchema(), settings);
        List<dev.perfstream.schemas.avro.UxImpact> out = new ArrayList<>();
        for (TestRecord<String, byte[]> r : impact.readRecordsToList()) {
            try {
                out.add(codec.decode("i", r.value()));
            } catch (DecodeException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    /** All perf.rum.elements records emitted so far, decoded. */
    List<dev.perfstream.schemas.avro.RumElementStats> readRumElements() {
        RecordCodec<dev.perfstream.schemas.avro.RumElementStats> codec =
            Codecs.create(dev.perfstream.schemas.avro.RumElementStats.getClassSchema(), settings);
        List<dev.perfstream.schemas.avro.RumElementStats> out = new ArrayList<>();
        for (TestRecord<String, byte[]> r : rumElements.readRecordsToList()) {
            try {
                out.add(codec.decode("e", r.value()));
            } catch (DecodeException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    /** All perf.cache records emitted so far, decoded. */
    List<CacheStats> readCaches() {
        RecordCodec<CacheStats> codec = Codecs.create(CacheStats.getClassSchema(), settings);
        List<CacheStats> out = new ArrayList<>();
        for (TestRecord<String, byte[]> r : caches.readRecordsToList()) {
            try {
                out.add(codec.decode("c", r.value()));
            } catch (DecodeException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    List<DeadLetter> readDeadLetters() {
        List<DeadLetter> out = new ArrayList<>();
        for (TestRecord<byte[], byte[]> r : dlq.readRecordsToList()) {
            try {
                out.add(dlqCodec.decode(config.deadLetterTopic(), r.value()));
            } catch (DecodeException e) {
                // The shared JSON reader refuses records over 64 KiB; a dead letter carrying a huge
                // payload (base64) is larger. Read such records field by field instead.
                out.add(largeDeadLetter(r.value()));
            }
        }
        return out;
    }

    private static DeadLetter largeDeadLetter(byte[] json) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            return DeadLetter.newBuilder()
                .setReason(n.get("reason").asText())
                .setReasonCode(n.get("reasonCode").asText())
                .setStage(n.get("stage").asText())
                .setSourceTopic(n.get("sourceTopic").asText())
                .setSourcePartition(n.get("sourcePartition").asInt())
                .setSourceOffset(n.get("sourceOffset").asLong())
                .setRejectedAt(Instant.EPOCH)
                .setPayload(java.nio.ByteBuffer.wrap(n.get("payload").binaryValue()))
                .build();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        driver.close();
    }
}
