package dev.perfstream.ingest.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.serde.DecodeException;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class OtlpDecoderTest {
    private static final byte[] TRACES = Otlp.traces(Otlp.service("checkout"),
        Otlp.serverSpan(1_000_000_000L, 5, Otlp.attr("http.route", "/x")).build()).toByteArray();

    @Test
    void shouldDecodeProtobufRequests() throws DecodeException {
        ExportTraceServiceRequest r = OtlpDecoder.traces(TRACES, false);
        assertThat(r.getResourceSpans(0).getScopeSpans(0).getSpans(0).getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    }

    @Test
    void shouldRefuseTruncatedProtobufWithAReason() {
        assertThatThrownBy(() -> OtlpDecoder.traces(Arrays.copyOf(TRACES, TRACES.length - 7), false))
            .isInstanceOf(DecodeException.class).hasMessageContaining("not a valid OTLP protobuf message");
    }

    @Test
    void shouldDecodeOtlpJsonWithHexIdsIntegerEnumsAndStringInt64() throws DecodeException {
        String json = """
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
              "scopeMetrics":[{"metrics":[{"name":"requests","unit":"{request}","sum":{"aggregationTemporality":1,
                "isMonotonic":true,"dataPoints":[{"timeUnixNano":"1764936000000000000","asInt":"42",
                "exemplars":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","asDouble":1}]}]}}]}]}]}
            """;
        ExportMetricsServiceRequest r = OtlpDecoder.metrics(json.getBytes(StandardCharsets.UTF_8), true);
        var sum = r.getResourceMetrics(0).getScopeMetrics(0).getMetrics(0).getSum();
        assertThat(sum.getDataPoints(0).getAsInt()).isEqualTo(42);
        assertThat(sum.getDataPoints(0).getTimeUnixNano()).isEqualTo(1764936000000000000L);
        assertThat(sum.getAggregationTemporalityValue()).isEqualTo(1);
    }

    @Test
    void shouldRefuseJsonThatIsNotOtlp() {
        assertThatThrownBy(() -> OtlpDecoder.metrics("{\"events\":[]}".getBytes(StandardCharsets.UTF_8), true))
            .isInstanceOf(DecodeException.class).hasMessageContaining("no resourceMetrics");
        assertThatThrownBy(() -> OtlpDecoder.traces("[1,2]".getBytes(StandardCharsets.UTF_8), true))
            .isInstanceOf(DecodeException.class).hasMessageContaining("not OTLP JSON");
        assertThatThrownBy(() -> OtlpDecoder.traces("{\"resourceSpans\":[{\"resource\":".getBytes(StandardCharsets.UTF_8), true))
            .isInstanceOf(DecodeException.class).hasMessageContaining("not OTLP JSON");
    }

    @Test
    void shouldInflateGzipUpToTheLimitOnly() throws IOException, DecodeException {
        byte[] zeros = gzip(new byte[1_000_000]);
        assertThat(zeros.length).isLessThan(5_000);
        assertThatThrownBy(() -> OtlpDecoder.gunzip(zeros, 65_536)).isInstanceOf(DecodeException.class)
            .hasMessageContaining("inflates to more than 65536 bytes");
        assertThat(OtlpDecoder.gunzip(gzip(TRACES), 65_536)).isEqualTo(TRACES);
        assertThatThrownBy(() -> OtlpDecoder.gunzip(TRACES, 65_536)).hasMessageContaining("not valid gzip");
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(b);
        }
        return bos.toByteArray();
    }
}
