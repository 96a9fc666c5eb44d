package dev.perfstream.schemas.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.Outcome;
import dev.perfstream.schemas.avro.Rating;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.serde.DecodeException;
import dev.perfstream.schemas.serde.DetectingCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class JsonRecordCodecTest {
    private final JsonRecordCodec<MetricEvent> metrics = JsonRecordCodec.of(MetricEvent.getClassSchema());
    private final JsonRecordCodec<RumEvent> rum = JsonRecordCodec.of(RumEvent.getClassSchema());

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldDecodeMinimalMetricEventWithDefaults() throws Exception {
        MetricEvent e = metrics.decode(Topics.METRICS,
            b("{\"timestamp\":1700000000000,\"service\":\"checkout\",\"metric\":\"http.server.duration\",\"value\":12.5}"));
        assertThat(e.getTimestamp()).isEqualTo(Instant.ofEpochMilli(1700000000000L));
        assertThat(e.getService()).isEqualTo("checkout");
        assertThat(e.getValue()).isEqualTo(12.5);
        assertThat(e.getUnit()).isEqualTo("ms");
        assertThat(e.getOutcome()).isEqualTo(Outcome.OK);
        assertThat(e.getRoute()).isNull();
    }

    @Test
    void shouldAcceptIsoTimestampsAndLenientEnums() throws Exception {
        RumEvent e = rum.decode(Topics.RUM, b("{\"timestamp\":\"2026-01-31T12:00:00Z\",\"app\":\"shop\",\"page\":\"/\","
            + "\"vital\":\"lcp\",\"value\":1200,\"rating\":\"needs-improvement\"}"));
        assertThat(e.getTimestamp()).isEqualTo(Instant.parse("2026-01-31T12:00:00Z"));
        assertThat(e.getVital()).isEqualTo(Vital.LCP);
        assertThat(e.getRating()).isEqualTo(Rating.NEEDS_IMPROVEMENT);
        assertThat(e.getDeviceClass()).isEqualTo("desktop");
    }

    @Test
    void shouldRoundTripThroughJson() throws Exception {
        MetricEvent in = MetricEvent.newBuilder().setTimestamp(Instant.ofEpochMilli(42)).setService("api")
            .setMetric("db.query.duration").setValue(3.25).setOutcome(Outcome.ERROR).setStatus(503)
            .setRoute("/orders/{id}").build();
        assertThat(metrics.decode(Topics.METRICS, metrics.encode(Topics.METRICS, in))).isEqualTo(in);
    }

    @Test
    void shouldNameTheFieldOfAWrongType() {
        assertThatThrownBy(() -> metrics.decode(Topics.METRICS,
            b("{\"timestamp\":1,\"service\":\"a\",\"metric\":\"m\",\"value\":\"fast\"}")))
            .isInstanceOf(DecodeException.class)
            .hasMessageContaining("field 'value' must be a number, got string \"fast\"");
    }

    @Test
    void shouldNameAMissingRequiredField() {
        assertThatThrownBy(() -> metrics.decode(Topics.METRICS, b("{\"timestamp\":1,\"metric\":\"m\",\"value\":1}")))
            .hasMessageContaining("missing required field 'service'");
    }

    @Test
    void shouldReportInvalidJsonWithPosition() {
        assertThatThrownBy(() -> metrics.decode(Topics.METRICS, b("{\"timestamp\":1,")))
            .isInstanceOf(DecodeException.class)
            .hasMessageStartingWith("invalid JSON")
            .extracting(e -> ((DecodeException) e).code()).isEqualTo("parse");
    }

    @Test
    void shouldParseNanSoThatValidationCanNameIt() throws Exception {
        MetricEvent e = metrics.decode(Topics.METRICS, b("{\"timestamp\":1,\"service\":\"a\",\"metric\":\"m\",\"value\":NaN}"));
        assertThat(e.getValue()).isNaN();
    }

    @Test
    void shouldRejectHugeRecordsBeforeParsing() {
        byte[] huge = new byte[JsonRecordCodec.MAX_RECORD_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        huge[0] = '{';
        assertThatThrownBy(() -> metrics.decode(Topics.METRICS, huge)).hasMessageContaining("over the limit");
    }

    @Test
    void detectingCodecShouldRejectAvroWithoutRegistryAndGarbage() {
        DetectingCodec<MetricEvent> codec = DetectingCodec.jsonOnly(metrics);
        assertThatThrownBy(() -> codec.decode(Topics.METRICS, new byte[] {0, 0, 0, 0, 1, 2, 3}))
            .hasMessageContaining("no schema registry is configured");
        assertThatThrownBy(() -> codec.decode(Topics.METRICS, b("hello")))
            .hasMessageContaining("neither JSON").hasMessageContaining("0x68");
        assertThatThrownBy(() -> codec.decode(Topics.METRICS, new byte[0])).hasMessageContaining("empty");
    }

    @Test
    void shouldRoundTripNonFiniteResultValuesAsNull() throws Exception {
        JsonRecordCodec<dev.perfstream.schemas.avro.Anomaly> codec = JsonRecordCodec.of(dev.perfstream.schemas.avro.Anomaly.getClassSchema());
        dev.perfstream.schemas.avro.Anomaly a = dev.perfstream.schemas.avro.Anomaly.newBuilder().setSeries("s").setStatistic("p95")
            .setWindowStart(Instant.ofEpochMilli(0)).setWindowEnd(Instant.ofEpochMilli(60_000)).setObserved(1)
            .setExpected(Double.NaN).setScore(0).setModelVersion("v1").build();
        byte[] json = codec.encode(Topics.ANOMALIES, a);
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"expected\":null");
        assertThat(codec.decode(Topics.ANOMALIES, json).getExpected()).isNaN();
        assertThatThrownBy(() -> metrics.decode(Topics.METRICS, b("{\"timestamp\":1,\"service\":null,\"metric\":\"m\",\"value\":1}")))
            .hasMessageContaining("field 'service' must not be null");
    }
}
