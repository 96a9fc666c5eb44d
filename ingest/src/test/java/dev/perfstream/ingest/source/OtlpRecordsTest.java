package dev.perfstream.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.ingest.otlp.CumulativeStreams;
import dev.perfstream.ingest.otlp.OtlpConverter;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.validate.CardinalityGuard;
import dev.perfstream.schemas.validate.EventValidator;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class OtlpRecordsTest {
    static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    static final long T = NOW.minusSeconds(30).toEpochMilli() * 1_000_000;
    private final Settings settings = Settings.of(Map.of("otlp.topic.spans", "in-spans", "otlp.topic.metrics", "in-metrics",
        "topic.metrics", "out", "topic.deadletter", "dlq"));
    private final RecordCodec<MetricEvent> events = Codecs.create(MetricEvent.getClassSchema(), settings);
    private final RecordCodec<DeadLetter> dead = Codecs.create(DeadLetter.getClassSchema(), settings);
    private final CardinalityGuard guard = new CardinalityGuard(10);
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final OtlpRecords records = new OtlpRecords(OtlpSourceConfig.from(settings),
        new OtlpConverter(EventValidator.withDefaults(clock), guard::admit, new CumulativeStreams(10, 0)), events, dead, clock);

    @Test
    void shouldTurnANullKeyedBatchIntoEventsKeyedByServiceAndDeadLetterItsRejectedSpans() throws DecodeException {
        byte[] batch = traces("checkout", span(5, "/a"), span(7, "/b"), span(-1, "/c")).toByteArray();
        List<ProducerRecord<String, byte[]>> out = records.process(new ConsumerRecord<>("in-spans", 3, 42L, null, batch));
        assertThat(out).hasSize(3);
        assertThat(out.subList(0, 2)).allSatisfy(r -> {
            assertThat(r.topic()).isEqualTo("out");
            assertThat(r.key()).isEqualTo("checkout");
        });
        assertThat(events.decode("out", out.get(0).value()).getValue()).isEqualTo(5.0);
        DeadLetter d = dead.decode("dlq", out.get(2).value());
        assertThat(out.get(2).topic()).isEqualTo("dlq");
        assertThat(d.getReason()).contains("1 of the batch's spans rejected").contains("spans[2]");
        assertThat(d.getSourcePartition()).isEqualTo(3);
        assertThat(d.getSourceOffset()).isEqualTo(42L);
        assertThat(d.getPayload().remaining()).isEqualTo(batch.length);
    }

    @Test
    void shouldDeadLetterTruncatedBatchesJsonThatIsNotOtlpAndNullValues() throws DecodeException {
        byte[] batch = traces("checkout", span(5, "/a")).toByteArray();
        assertThat(reason(new ConsumerRecord<>("in-spans", 0, 0L, null, Arrays.copyOf(batch, batch.length - 4))))
            .contains("not a valid OTLP protobuf message");
        assertThat(reason(new ConsumerRecord<>("in-metrics", 0, 1L, null, "{\"a\":1}".getBytes(StandardCharsets.UTF_8))))
            .contains("not a valid OTLP protobuf message");
        assertThat(reason(new ConsumerRecord<>("in-spans", 0, 2L, null, null))).contains("null payload");
    }

    private String reason(ConsumerRecord<byte[], byte[]> r) throws DecodeException {
        List<ProducerRecord<String, byte[]>> out = records.process(r);
        assertThat(out).singleElement().extracting(ProducerRecord::topic).isEqualTo("dlq");
        return dead.decode("dlq", out.get(0).value()).getReason();
    }

    static Span span(double ms, String route) {
        return Span.newBuilder().setName("GET").setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(T)
            .setEndTimeUnixNano(T + Math.round(ms * 1e6))
            .addAttributes(KeyValue.newBuilder().setKey("http.route").setValue(AnyValue.newBuilder().setStringValue(route))).build();
    }

    static ExportTraceServiceRequest traces(String service, Span... spans) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
                .setValue(AnyValue.newBuilder().setStringValue(service))))
            .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))).build();
    }
}
