package dev.perfstream.schemas.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perfstream.schemas.Topics;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.serde.DecodeException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The token-streaming decode and encode (the hot path) against the tree path (the reference): same
 * records, same error codes and messages, byte-identical JSON out.
 */
class JsonStreamingPathTest {
    private final JsonRecordCodec<MetricEvent> metrics = JsonRecordCodec.of(MetricEvent.getClassSchema());
    private final JsonRecordCodec<RumEvent> rum = JsonRecordCodec.of(RumEvent.getClassSchema());

    private static final List<String> METRIC_INPUTS = List.of(
        "{\"timestamp\":1700000000000,\"service\":\"checkout\",\"metric\":\"http.server.duration\",\"value\":12.5}",
        "{\"timestamp\":\"2026-01-31T12:00:00Z\",\"service\":\"s\",\"metric\":\"m\",\"value\":3,\"unit\":\"s\","
            + "\"outcome\":\"error\",\"status\":503,\"route\":\"/a/1\",\"method\":\"GET\",\"region\":null}",
        "{\"value\":1e3,\"metric\":\"m\",\"service\":\"s\",\"timestamp\":5,\"unknown\":{\"nested\":[1,2,{\"x\":3}]},\"extra\":[]}",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":NaN}",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":null}",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":1,\"status\":99999999999}",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":1,\"status\":1.5}",
        "{\"timestamp\":1.5,\"service\":\"s\",\"metric\":\"m\",\"value\":1}",
        "{\"timestamp\":123456789012345678901234567890,\"service\":\"s\",\"metric\":\"m\",\"value\":1}",
        "{\"timestamp\":\"yesterday\",\"service\":\"s\",\"metric\":\"m\",\"value\":1}",
        "{\"timestamp\":1,\"service\":42,\"metric\":\"m\",\"value\":\"fast\"}",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":\"fast\",\"outcome\":\"maybe\"}",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":1,\"outcome\":true}",
        "{\"timestamp\":1,\"service\":{\"a\":1},\"metric\":\"m\",\"value\":1}",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\"}",
        "{\"timestamp\":1,\"service\":\"s\",\"service\":\"t\",\"metric\":\"m\",\"value\":1}",
        "{\"timestamp\":1,\"service\":1,\"service\":\"t\",\"metric\":\"m\",\"value\":1}",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":1} trailing",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":\"x\",",
        "[1,2,3]", "\"text\"", "42", "null", "", "   ", "{}", "{\"timestamp\":1,",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":-0.0,\"unit\":\"us\"}",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":4.9e-324}",
        "{\"timestamp\":1,\"service\":\"s\",\"metric\":\"m\",\"value\":1e12,\"status\":\"500\"}");

    private static final List<String> RUM_INPUTS = List.of(
        "{\"timestamp\":1,\"app\":\"shop\",\"page\":\"/p/1\",\"vital\":\"lcp\",\"value\":2400,\"deviceClass\":\"mobile\"}",
        "{\"timestamp\":1,\"app\":\"shop\",\"page\":\"/p/1\",\"vital\":\"needs-improvement\",\"value\":2400}",
        "{\"timestamp\":1,\"app\":\"shop\",\"page\":\"/\",\"vital\":\"CLS\",\"value\":0.12,\"rating\":\"needs-improvement\"}");

    @Test
    void shouldDecodeExactlyLikeTheTreePath() {
        for (String in : METRIC_INPUTS) {
            assertSame(metrics, in);
        }
        for (String in : RUM_INPUTS) {
            assertSame(rum, in);
        }
    }

    @Test
    void shouldDecodeValidEventsWithoutTheTreeFallback() throws Exception {
        JsonRecordReader reader = new JsonRecordReader(MetricEvent.getClassSchema());
        for (String in : METRIC_INPUTS.subList(0, 4)) {
            try (com.fasterxml.jackson.core.JsonParser p = JsonRecordCodec.MAPPER.createParser(in)) {
                assertThat(reader.read(p)).as("input %s", in).isNotNull();
            }
        }
    }

    @Test
    void shouldEncodeTheSameBytesAsTheTree() throws Exception {
        WindowStats s = WindowStats.newBuilder().setKind(SeriesKind.RUM).setName("LCP").setService("shop").setRoute("/p/{id}")
            .setDeviceClass("mobile").setWindowStart(Instant.ofEpochMilli(0)).setWindowEnd(Instant.ofEpochMilli(10_000))
            .setCount(3).setErrors(0).setErrorRate(0).setRate(0.3).setMin(0.1).setMax(1e12).setMean(Double.NaN)
            .setP50(1.0 / 3).setP75(2).setP90(4.9e-324).setP95(Double.POSITIVE_INFINITY).setP99(-0.0).setP999(123456.789)
            .setGoodShare(0.5).setNeedsImprovementShare(null).setPoorShare(0.25).build();
        JsonRecordCodec<WindowStats> codec = JsonRecordCodec.of(WindowStats.getClassSchema());
        byte[] streamed = codec.encode(Topics.STATS, s);
        byte[] tree = new ObjectMapper().writeValueAsBytes(codec.toTree(s));
        assertThat(new String(streamed, StandardCharsets.UTF_8)).isEqualTo(new String(tree, StandardCharsets.UTF_8));
        WindowStats back = codec.decode(Topics.STATS, streamed);
        assertThat(back.getP50()).isEqualTo(1.0 / 3);
        assertThat(back.getP90()).isEqualTo(4.9e-324);
        assertThat(back.getMax()).isEqualTo(1e12);
        assertThat(back.getMean()).isNaN();
        assertThat(back.getNeedsImprovementShare()).isNull();
    }

    /** Bytes as base64 (every padding case, every byte value) and escaped strings: the same text both ways, and back. */
    @Test
    void shouldEncodeSketchBytesAndEscapedStringsAsTheTreeDoes() throws Exception {
        JsonRecordCodec<WindowStats> codec = JsonRecordCodec.of(WindowStats.getClassSchema());
        for (int n : new int[] {0, 1, 2, 3, 4, 5, 256}) {
            byte[] sketch = new byte[n];
            for (int k = 0; k < n; k++) {
                sketch[k] = (byte) (n == 256 ? k : 0xfb + k); // 0xfb..: base64 characters '+' and '/'
            }
            WindowStats s = WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName("http.server.duration")
                .setService("caf\u00e9 \"q\"").setRoute("/a\\b\n").setWindowStart(Instant.ofEpochMilli(0))
                .setWindowEnd(Instant.ofEpochMilli(60_000)).setCount(n).setErrors(0).setErrorRate(0).setRate(1).setMin(1)
                .setMax(2).setMean(1.5).setP50(1).setP75(1).setP90(2).setP95(2).setP99(2).setP999(2)
                .setServiceVersion("1.0-\u2603").setSketch(java.nio.ByteBuffer.wrap(sketch)).setInstances(7)
                .setInstancesOverflow(false).build();
            byte[] streamed = codec.encode(Topics.STATS, s);
            byte[] tree = new ObjectMapper().writeValueAsBytes(codec.toTree(s));
            assertThat(new String(streamed, StandardCharsets.UTF_8)).as("%d sketch bytes", n)
                .isEqualTo(new String(tree, StandardCharsets.UTF_8))
                .contains("\"sketch\":\"" + java.util.Base64.getEncoder().encodeToString(sketch) + "\"");
            assertThat(codec.decode(Topics.STATS, streamed)).isEqualTo(s);
        }
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> void assertSame(JsonRecordCodec<T> codec, String in) {
        byte[] bytes = in.getBytes(StandardCharsets.UTF_8);
        Object fast;
        Object tree;
        try {
            fast = codec.decode(Topics.METRICS, bytes);
            assertThat(fast.getClass()).isEqualTo(codec.decodeTree(bytes).getClass());
        } catch (DecodeException e) {
            fast = e.code() + ": " + e.getMessage();
        }
        try {
            tree = codec.decodeTree(bytes);
        } catch (DecodeException e) {
            tree = e.code() + ": " + e.getMessage();
        }
        // compared as text: Avro's record equality treats NaN as unequal to itself
        assertThat(String.valueOf(fast)).as("input %s", in).isEqualTo(String.valueOf(tree));
    }
}
