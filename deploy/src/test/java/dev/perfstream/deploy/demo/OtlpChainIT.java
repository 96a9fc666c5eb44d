package dev.perfstream.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.ingest.collector.CollectorApp;
import dev.perfstream.ingest.source.OtlpSourceApp;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.testkit.InfluxTestServer;
import dev.perfstream.testkit.KafkaTestCluster;
import dev.perfstream.testkit.Poll;
import dev.perfstream.sink.influx.SinkApp;
import dev.perfstream.streams.stats.StatsApp;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.DefaultAggregationSelector;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenTelemetry in, end to end on real components: the OpenTelemetry Java SDK records SERVER spans with
 * known latencies and exports them with its OTLP/HTTP exporter (one service over protobuf with gzip, one
 * over JSON) to the collector; the events go through a real Kafka broker, the stats stage and the sink into
 * a real influxd, where the one-minute window of each service has the exact count and error count, and
 * percentiles within the sketch's 1 % relative accuracy of the exact quantiles (spans are raw durations,
 * so the sketch is the only error).
 */
@Timeout(300)
class OtlpChainIT {
    private static final long MIN = 60_000;
    private static final String ROUTE = "/api/orders/{id}";
    private static final double[] QS = {0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
    private static final String[] FIELDS = {"p50", "p75", "p90", "p95", "p99", "p999"};

    @TempDir
    Path tmp;

    @Test
    void shouldLandSdkSpansAsExactCountsAndPercentilesWithinOnePercentInInfluxDb() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start()) {
            Settings settings = settings(kafka, influx);

            long t0 = (System.currentTimeMillis() / MIN) * MIN - 5 * MIN;
            try (StatsApp stats = StatsApp.start(settings); SinkApp sink = SinkApp.start(settings);
                 CollectorApp collector = CollectorApp.start(settings)) {
                String endpoint = "http://127.0.0.1:" + collector.port() + "/v1/traces";
                Sent proto = record(endpoint, "chain-otel-proto", false, t0, 11);
                Sent json = record(endpoint, "chain-otel-json", true, t0, 12);
                // One span two minutes later moves stream time past the minute's end plus grace (after both
                // services' spans: an earlier one would make the second service's spans late).
                record(endpoint, "chain-otel-closer", false, t0 + 2 * MIN + 10_000, 0, 1);
                for (Sent s : new Sent[] {proto, json}) {
                    Map<String, JsonNode> row = Poll.until(Duration.ofSeconds(150), "the 1-minute window of " + s.service
                        + " in InfluxDB", () -> oneMinuteRow(influx, s.service, t0));
                    System.out.println("otlp chain: " + s.service + " InfluxDB " + row);
                    assertThat(row.get("count").asLong()).as(s.service + " count").isEqualTo(s.values.length);
                    assertThat(row.get("errors").asLong()).as(s.service + " errors").isEqualTo(s.errors);
                    assertThat(row.get("unit").asText()).isEqualTo("ms");
                    for (int i = 0; i < QS.length; i++) {
                        double exact = exact(s.values, QS[i]);
                        assertThat(row.get(FIELDS[i]).asDouble()).as(s.service + " " + FIELDS[i])
                            .isCloseTo(exact, within(exact * 0.01));
                    }
                }
            }
        }
    }

    private Settings settings(KafkaTestCluster kafka, InfluxTestServer influx) throws Exception {
        return settings(kafka, influx, Map.of());
    }

    private Settings settings(KafkaTestCluster kafka, InfluxTestServer influx, Map<String, String> extra) throws Exception {
        kafka.createTopics(1, "oc-metrics", "oc-rum", "oc-stats", "oc-dlq");
        Map<String, String> m = new HashMap<>(extra);
        m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        m.put("topic.metrics", "oc-metrics");
        m.put("topic.rum", "oc-rum");
        m.put("topic.stats", "oc-stats");
        m.put("topic.deadletter", "oc-dlq");
        m.put("stats.windows", "1m");
        m.put("stats.rollup", "off");
        m.put("stats.grace", "5s");
        // Windows close on event time (the tests send a later event); a quiet spell of the wall clock between two
        // exports (a slow or paused machine) must not close them early.
        m.put("stats.idle.close", "10m");
        // The histogram test closes the current minute with an event two minutes ahead of the wall clock.
        m.put("stats.max-future", "5m");
        m.put("stats.commit.interval", "200ms");
        m.put("state.dir", tmp.resolve("state").toString());
        m.put("influx.url", influx.url());
        m.put("influx.database", "otlpchain");
        m.put("sink.topics", "oc-stats");
        m.put("sink.linger", "200ms");
        m.put("collector.port", "0");
        m.put("collector.api.keys", "chain-key");
        m.put("collector.session.salt", "chain");
        return Settings.of(m);
    }

    /**
     * Histograms of the SDK, explicit-bucket (the semantic conventions' advised bounds in seconds) and base-2
     * exponential, delta and cumulative, over protobuf and JSON: two batches of 1,000 lognormal latencies per
     * service, one export after each. In InfluxDB every 1-minute window of each service has the exact count
     * of the batches exported into it, and p50..p99.9 within the error the window states
     * ({@code bucket_error}, on top of the sketch's 1 %) of the exact quantiles of those batches.
     */
    @Test
    void shouldLandSdkHistogramsWithExactCountsAndPercentilesWithinTheStatedError() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start()) {
            Settings settings = settings(kafka, influx);
            try (StatsApp stats = StatsApp.start(settings); SinkApp sink = SinkApp.start(settings);
                 CollectorApp collector = CollectorApp.start(settings)) {
                String base = "http://127.0.0.1:" + collector.port();
                List<HistogramRun> runs = List.of(
                    histograms(base, "chain-hist-explicit-delta", false, true, false, 21),
                    histograms(base, "chain-hist-explicit-cumulative", false, false, true, 22),
                    histograms(base, "chain-hist-expo-delta", true, true, true, 23),
                    histograms(base, "chain-hist-expo-cumulative", true, false, false, 24));
                // A span two minutes ahead closes the windows the histograms went into (time_unix_nano is the
                // SDK's collection time, now).
                record(base + "/v1/traces", "chain-otel-closer", false, System.currentTimeMillis() + 2 * MIN, 0, 1);
                Map<String, List<MetricEvent>> events = histogramEvents(kafka, settings);
                for (HistogramRun run : runs) {
                    List<MetricEvent> es = events.getOrDefault(run.service, List.of());
                    assertThat(es).as(run.service + " histogram events, one per export with data").hasSize(2);
                    // the batches by the window their export's time falls into
                    Map<Long, List<Double>> byWindow = new TreeMap<>();
                    for (int i = 0; i < 2; i++) {
                        long w = Math.floorDiv(es.get(i).getTimestamp().toEpochMilli(), MIN) * MIN;
                        assertThat(es.get(i).getHistogram().getCount()).isEqualTo(run.batches.get(i).size());
                        byWindow.computeIfAbsent(w, k -> new ArrayList<>()).addAll(run.batches.get(i));
                    }
                    for (Map.Entry<Long, List<Double>> w : byWindow.entrySet()) {
                        Map<String, JsonNode> row = Poll.until(Duration.ofSeconds(150), "the window " + w.getKey() + " of "
                            + run.service + " in InfluxDB", () -> row(influx, run.service, w.getKey()));
                        System.out.println("otlp chain: " + run.service + " InfluxDB " + row);
                        double[] v = w.getValue().stream().mapToDouble(Double::doubleValue).toArray();
                        assertThat(row.get("count").asLong()).as(run.service + " count").isEqualTo(v.length);
                        double stated = row.get("bucket_error").asDouble();
                        assertThat(stated).as(run.service + " stated bucket error").isBetween(0.0, 1.0);
                        if (run.exponential) {
                            assertThat(stated).as("exponential buckets of the SDK's default 160 buckets").isLessThan(0.05);
                        }
                        double allowed = (1 + stated) * 1.01 - 1;
                        for (int i = 0; i < QS.length; i++) {
                            double exact = exact(v, QS[i]);
                            assertThat(row.get(FIELDS[i]).asDouble()).as(run.service + " " + FIELDS[i] + " (stated error " + stated + ")")
                                .isCloseTo(exact, within(exact * allowed + 1e-9));
                        }
                    }
                }
            }
        }
    }

    /**
     * The OpenTelemetry Collector's Kafka path: {@code otlp_proto} trace batches (built with the OTLP protobuf
     * classes) with null keys on a 6-partition topic, through {@code perfstream run otlp}, the stats stage and
     * the sink: the same exact count, errors and percentiles within 1 % in InfluxDB; a truncated batch is a
     * dead letter with its reason.
     */
    @Test
    void shouldLandOtlpProtoBatchesWithNullKeysFromSixPartitions() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start()) {
            kafka.createTopics(6, "oc-otlp-spans", "oc-otlp-metrics");
            Settings settings = settings(kafka, influx, Map.of("otlp.topic.spans", "oc-otlp-spans",
                "otlp.topic.metrics", "oc-otlp-metrics", "otlp.group.id", "oc-otlp"));
            long t0 = (System.currentTimeMillis() / MIN) * MIN - 5 * MIN;
            String service = "chain-kafka-otlp";
            Random r = new Random(31);
            double[] values = new double[2000];
            int errors = 0;
            try (StatsApp stats = StatsApp.start(settings); SinkApp sink = SinkApp.start(settings);
                 OtlpSourceApp source = OtlpSourceApp.start(settings);
                 KafkaProducer<byte[], byte[]> p = rawProducer(kafka)) {
                for (int batch = 0; batch < 20; batch++) {
                    List<io.opentelemetry.proto.trace.v1.Span> spans = new ArrayList<>();
                    for (int i = batch * 100; i < batch * 100 + 100; i++) {
                        long dur = Math.round(Math.exp(3.5 + 0.8 * r.nextGaussian()) * 1e6);
                        boolean error = i % 100 == 3;
                        spans.add(protoSpan(TimeUnit.MILLISECONDS.toNanos(t0 + i * 25L), dur, error));
                        values[i] = dur / 1e6;
                        errors += error ? 1 : 0;
                    }
                    // null key, spread over the six partitions as the Collector's exporter does
                    p.send(new ProducerRecord<>("oc-otlp-spans", batch % 6, null, traces(service, spans).toByteArray())).get();
                }
                byte[] whole = traces(service, List.of(protoSpan(TimeUnit.MILLISECONDS.toNanos(t0), 1_000_000, false))).toByteArray();
                p.send(new ProducerRecord<>("oc-otlp-spans", 2, null, Arrays.copyOf(whole, whole.length - 3))).get();
                // Every span event on the metrics topic first: with six input partitions a later span could
                // otherwise be read first and close the window early.
                Poll.until(Duration.ofSeconds(60), "2000 events on the metrics topic", () -> endOffset(kafka, "oc-metrics") >= 2000 ? true : null);
                p.send(new ProducerRecord<>("oc-otlp-spans", 0, null, traces("chain-kafka-closer",
                    List.of(protoSpan(TimeUnit.MILLISECONDS.toNanos(t0 + 2 * MIN + 10_000), 1_000_000, false))).toByteArray())).get();

                Map<String, JsonNode> row = Poll.until(Duration.ofSeconds(150), "the 1-minute window of " + service + " in InfluxDB",
                    () -> oneMinuteRow(influx, service, t0));
                System.out.println("otlp chain: " + service + " (Kafka, 6 partitions, null keys) InfluxDB " + row);
                assertThat(row.get("count").asLong()).isEqualTo(values.length);
                assertThat(row.get("errors").asLong()).isEqualTo(errors);
                for (int i = 0; i < QS.length; i++) {
                    double exact = exact(values, QS[i]);
                    assertThat(row.get(FIELDS[i]).asDouble()).as(service + " " + FIELDS[i]).isCloseTo(exact, within(exact * 0.01));
                }
                List<DeadLetter> dead = deadLetters(kafka, settings);
                assertThat(dead).singleElement().satisfies(d -> {
                    assertThat(d.getReason()).contains("not a valid OTLP protobuf message");
                    assertThat(d.getSourceTopic()).isEqualTo("oc-otlp-spans");
                    assertThat(d.getStage()).isEqualTo("otlp");
                });
            }
        }
    }

    /**
     * {@code loadgen.format=otlp} (what {@code demo --set loadgen.format=otlp} runs): the load generator's metric
     * events leave as OTLP batches without keys on three partitions, and the OTLP source puts every one of them on
     * the metrics topic, request latencies under the semantic-convention name, nothing dead-lettered.
     */
    @Test
    void shouldCarryEveryEventOfTheLoadGeneratorInOtlpFormatOntoTheMetricsTopic() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(); InfluxTestServer influx = InfluxTestServer.start()) {
            kafka.createTopics(3, "lg-otlp-spans", "lg-otlp-metrics");
            Map<String, String> extra = new HashMap<>();
            extra.put("otlp.topic.spans", "lg-otlp-spans");
            extra.put("otlp.topic.metrics", "lg-otlp-metrics");
            extra.put("otlp.group.id", "lg-otlp");
            extra.put("loadgen.format", "otlp");
            extra.put("loadgen.speedup", "0");
            extra.put("loadgen.duration", "3m");
            extra.put("loadgen.rate", "20");
            extra.put("loadgen.incidents.enabled", "false");
            extra.put("loadgen.start", java.time.Instant.ofEpochMilli((System.currentTimeMillis() / MIN) * MIN - 10 * MIN).toString());
            Settings settings = settings(kafka, influx, extra);
            try (OtlpSourceApp source = OtlpSourceApp.start(settings);
                 dev.perfstream.ingest.loadgen.LoadgenApp loadgen = dev.perfstream.ingest.loadgen.LoadgenApp.start(settings)) {
                assertThat(loadgen.awaitCompletion(120, TimeUnit.SECONDS)).isTrue();
                long sent = loadgen.metricsSent();
                assertThat(sent).isGreaterThan(1000);
                Poll.until(Duration.ofSeconds(90), sent + " events on the metrics topic",
                    () -> endOffset(kafka, "oc-metrics") >= sent ? true : null);
                assertThat(loadgen.acked()).isEqualTo(sent + loadgen.rumSent());
                Thread.sleep(2_000); // nothing more comes: no event twice
                assertThat(endOffset(kafka, "oc-metrics")).isEqualTo(sent);
                Map<String, Integer> byMetric = new TreeMap<>();
                Properties p = new Properties();
                p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    TopicPartition tp = new TopicPartition("oc-metrics", 0);
                    c.assign(List.of(tp));
                    c.seekToBeginning(List.of(tp));
                    long read = 0;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (read < sent && System.nanoTime() < deadline) {
                        for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(500))) {
                            read++;
                            byMetric.merge(new ObjectMapper().readTree(rec.value()).path("metric").asText(), 1, Integer::sum);
                        }
                    }
                }
                System.out.println("loadgen as OTLP: " + sent + " metric events, on the metrics topic by name: " + byMetric);
                assertThat(byMetric).containsKey("http.server.request.duration").doesNotContainKey("http.server.duration");
                assertThat(byMetric.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo((int) sent);
                assertThat(deadLetters(kafka, settings)).isEmpty();
            }
        }
    }

    private static io.opentelemetry.proto.trace.v1.Span protoSpan(long startNanos, long durNanos, boolean error) {
        io.opentelemetry.proto.trace.v1.Span.Builder b = io.opentelemetry.proto.trace.v1.Span.newBuilder().setName("GET " + ROUTE)
            .setKind(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER)
            .setStartTimeUnixNano(startNanos).setEndTimeUnixNano(startNanos + durNanos)
            .addAttributes(KeyValue.newBuilder().setKey("http.route").setValue(AnyValue.newBuilder().setStringValue(ROUTE)));
        if (error) {
            b.setStatus(io.opentelemetry.proto.trace.v1.Status.newBuilder()
                .setCode(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR));
        }
        return b.build();
    }

    private static ExportTraceServiceRequest traces(String service, List<io.opentelemetry.proto.trace.v1.Span> spans) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
            .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder().addAttributes(KeyValue.newBuilder()
                .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))))
            .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(spans))).build();
    }

    private static KafkaProducer<byte[], byte[]> rawProducer(KafkaTestCluster kafka) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static long endOffset(KafkaTestCluster kafka, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    private static List<DeadLetter> deadLetters(KafkaTestCluster kafka, Settings settings) {
        RecordCodec<DeadLetter> codec = Codecs.create(DeadLetter.getClassSchema(), settings);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        List<DeadLetter> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition("oc-dlq", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            Poll.until(Duration.ofSeconds(60), "the dead-letter topic read to offset " + end, () -> {
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(200))) {
                    try {
                        out.add(codec.decode(rec.topic(), rec.value()));
                    } catch (DecodeException ex) {
                        throw new AssertionError(ex);
                    }
                }
                return c.position(tp) >= end ? Boolean.TRUE : null;
            });
        }
        return out;
    }

    /** What one service recorded: its batches of latencies in ms, one export after each. */
    record HistogramRun(String service, boolean exponential, List<List<Double>> batches) {
    }

    private static HistogramRun histograms(String base, String service, boolean exponential, boolean delta, boolean json, long seed)
        throws Exception {
        OtlpHttpMetricExporterBuilder b = OtlpHttpMetricExporter.builder().setEndpoint(base + "/v1/metrics")
            .addHeader("Authorization", "Bearer chain-key")
            .setAggregationTemporalitySelector(delta ? AggregationTemporalitySelector.deltaPreferred()
                : AggregationTemporalitySelector.alwaysCumulative());
        if (exponential) {
            b.setDefaultAggregationSelector(DefaultAggregationSelector.getDefault()
                .with(InstrumentType.HISTOGRAM, Aggregation.base2ExponentialBucketHistogram()));
        }
        if (json) {
            Field f = OtlpHttpMetricExporterBuilder.class.getDeclaredField("delegate");
            f.setAccessible(true);
            Object delegate = f.get(b);
            delegate.getClass().getMethod("exportAsJson").invoke(delegate);
        } else {
            b.setCompression("gzip");
        }
        SdkMeterProvider mp = SdkMeterProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service))))
            .registerMetricReader(PeriodicMetricReader.builder(b.build()).setInterval(Duration.ofHours(1)).build()).build();
        Random r = new Random(seed);
        List<List<Double>> batches = new ArrayList<>();
        try {
            DoubleHistogram h = mp.get("otlp-chain").histogramBuilder("http.server.request.duration").setUnit("s")
                .setExplicitBucketBoundariesAdvice(List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0))
                .build();
            Attributes route = Attributes.of(AttributeKey.stringKey("http.route"), ROUTE);
            for (int batch = 0; batch < 2; batch++) {
                List<Double> ms = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    double seconds = Math.exp(3.5 + 0.8 * r.nextGaussian()) / 1000;
                    h.record(seconds, route);
                    ms.add(seconds * 1000);
                }
                batches.add(ms);
                assertThat(mp.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()).as(service + " export answered 200").isTrue();
            }
        } finally {
            mp.shutdown().join(10, TimeUnit.SECONDS);
        }
        return new HistogramRun(service, exponential, batches);
    }

    /** The http.server.request.duration histogram events on the metrics topic by service, in offset order. */
    private static Map<String, List<MetricEvent>> histogramEvents(KafkaTestCluster kafka, Settings settings) {
        RecordCodec<MetricEvent> codec = Codecs.create(MetricEvent.getClassSchema(), settings);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        Map<String, List<MetricEvent>> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition("oc-metrics", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            Poll.until(Duration.ofSeconds(60), "the metrics topic read to offset " + end, () -> {
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(200))) {
                    try {
                        MetricEvent e = codec.decode(rec.topic(), rec.value());
                        // (the SDK also exports its own otel.sdk.* histograms)
                        if (e.getHistogram() != null && e.getMetric().equals("http.server.request.duration")) {
                            out.computeIfAbsent(e.getService(), k -> new ArrayList<>()).add(e);
                        }
                    } catch (DecodeException ex) {
                        throw new AssertionError(ex);
                    }
                }
                return c.position(tp) >= end ? Boolean.TRUE : null;
            });
        }
        return out;
    }

    /** The service's 1-minute window at {@code start} as column -> value, or null while it is not in InfluxDB. */
    private static Map<String, JsonNode> row(InfluxTestServer influx, String service, long start) {
        return query(influx, "SELECT \"count\", \"errors\", bucket_error, p50, p75, p90, p95, p99, p999 FROM metric_stats WHERE service = '"
            + service + "' AND route = '" + ROUTE + "' AND metric = 'http.server.request.duration' AND \"window\" = '1m' AND time = "
            + start + "ms");
    }

    /** What one service sent: the durations in ms of its spans in the minute from t0, and how many were errors. */
    record Sent(String service, double[] values, int errors) {
    }

    /**
     * {@code n} SERVER spans of one service with lognormal durations, 25 ms apart from {@code t0}, plus a CLIENT
     * span for every tenth (not counted); exported by the SDK's BatchSpanProcessor and OTLP/HTTP exporter.
     */
    private static Sent record(String endpoint, String service, boolean json, long t0, long seed) throws Exception {
        return record(endpoint, service, json, t0, seed, 2000);
    }

    private static Sent record(String endpoint, String service, boolean json, long t0, long seed, int n) throws Exception {
        OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder().setEndpoint(endpoint)
            .addHeader("Authorization", "Bearer chain-key");
        if (json) {
            exportAsJson(b);
        } else {
            b.setCompression("gzip");
        }
        SdkTracerProvider tp = SdkTracerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service))))
            // the queue holds every span of the run (n SERVER + n/10 CLIENT): the SDK drops what does not fit (its
            // default 2048) when the exporter falls behind on a busy machine, and the counts would then be short
            .addSpanProcessor(BatchSpanProcessor.builder(b.build()).setMaxQueueSize(Math.max(2048, 2 * n)).build()).build();
        double[] values = new double[n];
        int errors = 0;
        Random r = new Random(seed);
        try {
            Tracer t = tp.get("otlp-chain");
            for (int i = 0; i < n; i++) {
                long durNanos = Math.round(Math.exp(3.5 + 0.8 * r.nextGaussian()) * 1e6);
                long start = TimeUnit.MILLISECONDS.toNanos(t0 + i * 25L);
                boolean error = i % 100 == 7;
                span(t, SpanKind.SERVER, start, durNanos, error);
                if (i % 10 == 0) {
                    span(t, SpanKind.CLIENT, start, durNanos / 2, false);
                }
                values[i] = durNanos / 1e6;
                errors += error ? 1 : 0;
            }
            assertThat(tp.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()).as("every export of " + service + " answered 200").isTrue();
        } finally {
            tp.shutdown().join(10, TimeUnit.SECONDS);
        }
        return new Sent(service, values, errors);
    }

    private static void span(Tracer t, SpanKind kind, long startNanos, long durNanos, boolean error) {
        Span s = t.spanBuilder("GET " + ROUTE).setSpanKind(kind).setStartTimestamp(startNanos, TimeUnit.NANOSECONDS)
            .setAttribute("http.route", ROUTE).setAttribute("http.request.method", "GET")
            .setAttribute("http.response.status_code", error ? 500L : 200L).startSpan();
        if (error) {
            s.setStatus(StatusCode.ERROR);
        }
        s.end(startNanos + durNanos, TimeUnit.NANOSECONDS);
    }

    /** The SDK's OTLP/HTTP JSON encoding is internal (HttpExporterBuilder.exportAsJson); reached by reflection. */
    private static void exportAsJson(OtlpHttpSpanExporterBuilder b) throws Exception {
        Field f = OtlpHttpSpanExporterBuilder.class.getDeclaredField("delegate");
        f.setAccessible(true);
        Object delegate = f.get(b);
        delegate.getClass().getMethod("exportAsJson").invoke(delegate);
    }

    /** The service's 1-minute window of the route starting at t0 as column -> value, or null while it is not in InfluxDB. */
    private static Map<String, JsonNode> oneMinuteRow(InfluxTestServer influx, String service, long t0) {
        return query(influx, "SELECT \"count\", \"errors\", \"unit\", p50, p75, p90, p95, p99, p999 FROM metric_stats WHERE service = '"
            + service + "' AND route = '" + ROUTE + "' AND metric = 'http.server.request.duration' AND \"window\" = '1m' AND time = "
            + t0 + "ms");
    }

    /** The first row of an InfluxQL query as column -> value, or null while there is none. */
    private static Map<String, JsonNode> query(InfluxTestServer influx, String q) {
        JsonNode series;
        try {
            series = new ObjectMapper().readTree(influx.query("otlpchain", q)).path("results").path(0).path("series");
        } catch (java.io.IOException | RuntimeException e) {
            return null; // the sink has not created the database yet
        }
        if (!series.isArray() || series.isEmpty()) {
            return null;
        }
        JsonNode cols = series.get(0).path("columns");
        JsonNode values = series.get(0).path("values").get(0);
        Map<String, JsonNode> row = new HashMap<>();
        for (int i = 0; i < cols.size(); i++) {
            row.put(cols.get(i).asText(), values.get(i));
        }
        return row;
    }

    private static double exact(double[] values, double q) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[(int) Math.floor(q * (s.length - 1))];
    }
}
