package dev.perfstream.schemas.serde;

import static dev.perfstream.testkit.ConfluentAvroProducing.frame;
import static dev.perfstream.testkit.ConfluentAvroProducing.metric;
import static dev.perfstream.testkit.ConfluentAvroProducing.toGeneric;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.registry.RegistryConfig;
import dev.perfstream.schemas.registry.RegistryUnavailableException;
import dev.perfstream.schemas.registry.SchemaRegistryClient;
import dev.perfstream.testkit.ConfluentAvroProducing;
import dev.perfstream.testkit.Poll;
import dev.perfstream.testkit.RegistryTestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The Confluent-Avro codec against a real registry (Apicurio 3.3.3, ccompat API): schema evolution
 * and every bad input of the issue. Outage tests run last and leave the registry running.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfluentAvroCodecIT {
    private static final String TOPIC = "perf.metrics";
    private static RegistryTestServer registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        registry = RegistryTestServer.start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private static RegistryConfig config(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("schema.registry.url", registry.url());
        m.put("schema.registry.retry.timeout", "5s");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return RegistryConfig.from(Settings.of(m));
    }

    private static ConfluentAvroCodec<MetricEvent> codec(SchemaRegistryClient client) {
        return new ConfluentAvroCodec<>(MetricEvent.getClassSchema(), client);
    }

    @Test
    @Order(1)
    void shouldEncodeAvroByDefaultAndRegisterUnderTheTopicSubject() throws Exception {
        RecordCodec<MetricEvent> c = Codecs.create(MetricEvent.getClassSchema(),
            Settings.of(Map.of("schema.registry.url", registry.url())));
        byte[] bytes = c.encode(TOPIC, metric(1));

        assertThat(bytes[0]).isEqualTo((byte) 0);
        assertThat(c.decode(TOPIC, bytes)).isEqualTo(metric(1));
        String versions = get("/subjects/perf.metrics-value/versions");
        assertThat(versions).isEqualTo("[1]");
        // JSON input still works next to Avro (per-record detection).
        assertThat(c.decode(TOPIC, "{\"timestamp\":1700000000000,\"service\":\"a\",\"metric\":\"m\",\"value\":1}"
            .getBytes(StandardCharsets.UTF_8)).getService()).isEqualTo("a");
    }

    @Test
    @Order(2)
    void shouldEncodeJsonWhenOutputFormatIsJsonAndStillReadAvro() throws Exception {
        RecordCodec<MetricEvent> c = Codecs.create(MetricEvent.getClassSchema(),
            Settings.of(Map.of("schema.registry.url", registry.url(), "output.format", "json")));
        byte[] json = c.encode(TOPIC, metric(2));
        byte[] avro = codec(new SchemaRegistryClient(config())).encode(TOPIC, metric(2));

        assertThat((char) json[0]).isEqualTo('{');
        assertThat(c.decode(TOPIC, json)).isEqualTo(metric(2));
        assertThat(c.decode(TOPIC, avro)).isEqualTo(metric(2));
    }

    @Test
    @Order(3)
    void shouldReadOlderAndNewerWriterSchemasIntoTheCurrentClass() throws Exception {
        SchemaRegistryClient client = new SchemaRegistryClient(config());
        int v0 = client.register("perf.metrics-value", ConfluentAvroProducing.metricEventV0());
        int v2 = client.register("perf.metrics-value", ConfluentAvroProducing.metricEventV2());
        MetricEvent e = metric(4); // has a region
        byte[] older = frame(v0, toGeneric(e, ConfluentAvroProducing.metricEventV0(), Map.of()));
        byte[] newer = frame(v2, toGeneric(e, ConfluentAvroProducing.metricEventV2(), Map.of("tenant", "acme")));

        ConfluentAvroCodec<MetricEvent> c = codec(new SchemaRegistryClient(config()));
        MetricEvent fromOlder = c.decode(TOPIC, older);
        MetricEvent fromNewer = c.decode(TOPIC, newer);

        assertThat(v0).isNotEqualTo(v2);
        assertThat(fromOlder).isEqualTo(MetricEvent.newBuilder(e).setRegion(null).build()); // v0 has no region: default
        assertThat(fromNewer).isEqualTo(e); // tenant is skipped
    }

    @Test
    @Order(4)
    void shouldRejectATruncatedBodyAsParseError() {
        ConfluentAvroCodec<MetricEvent> c = codec(new SchemaRegistryClient(config()));
        byte[] whole = c.encode(TOPIC, metric(5));
        byte[] truncated = Arrays.copyOf(whole, whole.length - 4);

        assertThatThrownBy(() -> c.decode(TOPIC, truncated))
            .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.code()).isEqualTo("parse"))
            .hasMessageContaining("truncated or corrupt");
    }

    @Test
    @Order(4)
    void shouldRejectGarbageDeclaringAHugeStringWithoutAllocatingIt() {
        SchemaRegistryClient client = new SchemaRegistryClient(config());
        int id = client.register("perf.metrics-value", MetricEvent.getClassSchema());
        // timestamp 1, then "service" claiming 2^30 bytes (zig-zag varint), then nothing.
        byte[] bytes = {0, 0, 0, 0, (byte) id, 2, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};

        assertThatThrownBy(() -> codec(client).decode(TOPIC, bytes))
            .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.code()).isEqualTo("parse"))
            .hasMessageContaining("truncated or corrupt");
    }

    @Test
    @Order(5)
    void shouldRejectAWrongMagicByteAsFormatError() throws Exception {
        ConfluentAvroCodec<MetricEvent> c = codec(new SchemaRegistryClient(config()));
        byte[] bytes = c.encode(TOPIC, metric(6));
        bytes[0] = 1;
        RecordCodec<MetricEvent> detecting = Codecs.create(MetricEvent.getClassSchema(),
            Settings.of(Map.of("schema.registry.url", registry.url())));

        assertThatThrownBy(() -> c.decode(TOPIC, bytes))
            .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.code()).isEqualTo("format"))
            .hasMessageContaining("wrong magic byte 0x01");
        assertThatThrownBy(() -> detecting.decode(TOPIC, bytes))
            .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.code()).isEqualTo("format"))
            .hasMessageContaining("neither JSON");
    }

    @Test
    @Order(6)
    void shouldReadACompatibleSchemaOfAnotherSubject() throws Exception {
        SchemaRegistryClient client = new SchemaRegistryClient(config());
        Schema v2 = ConfluentAvroProducing.metricEventV2();
        int id = client.register("dev.perfstream.schemas.avro.MetricEvent", v2); // RecordNameStrategy subject
        byte[] bytes = frame(id, toGeneric(metric(7), v2, Map.of("tenant", "t1")));

        assertThat(codec(client).decode(TOPIC, bytes)).isEqualTo(metric(7));
    }

    @Test
    @Order(7)
    void shouldDeadLetterAnIncompatibleSchemaOfAnotherSubjectNamingTheField() throws Exception {
        SchemaRegistryClient client = new SchemaRegistryClient(config());
        int rumId = client.register("perf.rum-value", RumEvent.getClassSchema());
        RumEvent rum = RumEvent.newBuilder().setTimestamp(Instant.ofEpochMilli(1_700_000_000_000L)).setApp("shop")
            .setPage("/").setVital(Vital.LCP).setValue(1200).build();
        byte[] rumBytes = new ConfluentAvroCodec<RumEvent>(RumEvent.getClassSchema(), client).encode("perf.rum", rum);
        // A MetricEvent whose value became a string: same name, incompatible field.
        Schema changed = new Schema.Parser().parse(MetricEvent.getClassSchema().toString()
            .replace("{\"name\":\"value\",\"type\":\"double\"", "{\"name\":\"value\",\"type\":\"string\""));
        int changedId = client.register("other.metrics-value", changed);
        byte[] changedBytes = frame(changedId, new org.apache.avro.generic.GenericRecordBuilder(changed)
            .set("timestamp", 1L).set("service", "s").set("metric", "m").set("value", "12ms")
            .set("outcome", new org.apache.avro.generic.GenericData.EnumSymbol(changed.getField("outcome").schema(), "OK")).build());

        ConfluentAvroCodec<MetricEvent> c = codec(client);
        assertThatThrownBy(() -> c.decode(TOPIC, rumBytes))
            .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.code()).isEqualTo("incompatible-schema"))
            .hasMessageContaining("schema id " + rumId + " (dev.perfstream.schemas.avro.RumEvent) cannot be read as dev.perfstream.schemas.avro.MetricEvent")
            .hasMessageContaining("name mismatch");
        assertThatThrownBy(() -> c.decode(TOPIC, changedBytes))
            .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.code()).isEqualTo("incompatible-schema"))
            .hasMessageContaining("field 'value'");
    }

    @Test
    @Order(8)
    void shouldDeadLetterAnUnknownSchemaIdWithoutAskingTheRegistryAgain() {
        SchemaRegistryClient client = new SchemaRegistryClient(config());
        ConfluentAvroCodec<MetricEvent> c = codec(client);
        byte[] bytes = {0, 0, 0x0f, 0x42, 0x40, 2, 4, 6}; // id 1000000

        assertThatThrownBy(() -> c.decode(TOPIC, bytes))
            .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.code()).isEqualTo("unknown-schema"))
            .hasMessageContaining("schema id 1000000 is not in the schema registry (404)");
        long calls = client.httpCalls();
        assertThatThrownBy(() -> c.decode(TOPIC, bytes)).isInstanceOf(DecodeException.class);
        assertThat(client.httpCalls()).isEqualTo(calls);
    }

    @Test
    @Order(9)
    void shouldExplainJsonMislabelledAsAvro() throws Exception {
        SchemaRegistryClient client = new SchemaRegistryClient(config());
        int id = client.register("perf.metrics-value", MetricEvent.getClassSchema());
        byte[] json = "{\"timestamp\":1700000000000,\"service\":\"a\",\"metric\":\"m\",\"value\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] framed = new byte[json.length + 5];
        framed[4] = (byte) id;
        System.arraycopy(json, 0, framed, 5, json.length);
        int jsonSchemaId = registerJsonSchema("json.metrics-value");
        byte[] framedJsonSchema = framed.clone();
        framedJsonSchema[4] = (byte) jsonSchemaId;

        assertThatThrownBy(() -> codec(client).decode(TOPIC, framed))
            .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.code()).isEqualTo("parse"))
            .hasMessageContaining("looks like JSON text, not Avro binary");
        assertThatThrownBy(() -> codec(client).decode(TOPIC, framedJsonSchema))
            .isInstanceOfSatisfying(DecodeException.class, e -> assertThat(e.code()).isEqualTo("format"))
            .hasMessageContaining("is a JSON schema in the registry, not Avro");
    }

    @Test
    @Order(20)
    void shouldRetryWhileTheRegistryIsDownAndResumeWhenItIsBack() throws Exception {
        int id = new SchemaRegistryClient(config()).register("perf.metrics-value", ConfluentAvroProducing.metricEventV2());
        byte[] bytes = frame(id, toGeneric(metric(9), ConfluentAvroProducing.metricEventV2(), Map.of()));
        registry.stop();
        try {
            // Bounded: a short budget gives up with the transient exception, never a DecodeException.
            SchemaRegistryClient impatient = new SchemaRegistryClient(config("schema.registry.retry.timeout", "1s"));
            assertThatThrownBy(() -> codec(impatient).decode(TOPIC, bytes))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("unreachable for PT1S");
            assertThat(impatient.failedAttempts()).isGreaterThan(1);

            SchemaRegistryClient patient = new SchemaRegistryClient(config("schema.registry.retry.timeout", "3m",
                "schema.registry.retry.backoff.max", "1s"));
            CompletableFuture<MetricEvent> decoded = CompletableFuture.supplyAsync(() -> {
                try {
                    return codec(patient).decode(TOPIC, bytes);
                } catch (DecodeException e) {
                    throw new IllegalStateException(e);
                }
            });
            Poll.until(Duration.ofSeconds(30), "the decoder to retry", () -> patient.failedAttempts() >= 3 ? true : null);
            assertThat(decoded).isNotDone();
            registry.startProcess();
            assertThat(decoded.get(60, TimeUnit.SECONDS)).isEqualTo(metric(9));
        } finally {
            registry.startProcess();
        }
    }

    @Test
    @Order(21)
    void shouldTimeOutOnASlowRegistryRetryAndResume() throws Exception {
        int id = new SchemaRegistryClient(config()).register("slow.metrics-value", ConfluentAvroProducing.metricEventV0());
        byte[] bytes = frame(id, toGeneric(metric(10), ConfluentAvroProducing.metricEventV0(), Map.of()));
        registry.pause();
        try {
            SchemaRegistryClient impatient = new SchemaRegistryClient(config("schema.registry.request.timeout", "300ms",
                "schema.registry.retry.timeout", "1500ms"));
            assertThatThrownBy(() -> codec(impatient).decode(TOPIC, bytes))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("HttpTimeoutException");

            SchemaRegistryClient patient = new SchemaRegistryClient(config("schema.registry.request.timeout", "300ms",
                "schema.registry.retry.timeout", "3m", "schema.registry.retry.backoff.max", "500ms"));
            CompletableFuture<MetricEvent> decoded = CompletableFuture.supplyAsync(() -> {
                try {
                    return codec(patient).decode(TOPIC, bytes);
                } catch (DecodeException e) {
                    throw new IllegalStateException(e);
                }
            });
            Poll.until(Duration.ofSeconds(30), "the decoder to time out and retry", () -> patient.failedAttempts() >= 2 ? true : null);
            assertThat(decoded).isNotDone();
            registry.resume();
            assertThat(decoded.get(60, TimeUnit.SECONDS)).isEqualTo(MetricEvent.newBuilder(metric(10)).setRegion(null).build());
        } finally {
            registry.resume();
        }
    }

    private static String get(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static int registerJsonSchema(String subject) throws Exception {
        String body = "{\"schemaType\":\"JSON\",\"schema\":\"{\\\"type\\\":\\\"object\\\",\\\"properties\\\":{\\\"service\\\":{\\\"type\\\":\\\"string\\\"}}}\"}";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects/" + subject + "/versions"))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Integer.parseInt(r.body().replaceAll("\\D", ""));
    }
}
