package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.validate.EventValidator;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class MetricBatchParserTest {
    static final Instant NOW = Instant.parse("2026-11-26T19:00:00Z");
    final MetricBatchParser parser = new MetricBatchParser(EventValidator.withDefaults(Clock.fixed(NOW, ZoneOffset.UTC)),
        new RouteCap(100, new CollectorMetrics()), 3);

    Parsed<MetricEvent> parse(String json) throws RequestRejected {
        return parser.parse(JsonBodies.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldAcceptValidItemsAndReportEachBadOneByIndexAndField() throws Exception {
        long ts = NOW.toEpochMilli();
        Parsed<MetricEvent> p = parse("{\"events\":["
            + "{\"timestamp\":" + ts + ",\"service\":\"api\",\"metric\":\"http.server.duration\",\"value\":12.5,\"route\":\"/users/42\"},"
            + "{\"timestamp\":" + ts + ",\"service\":\"api\",\"metric\":\"http.server.duration\",\"value\":-3},"
            + "{\"timestamp\":" + ts + ",\"metric\":\"http.server.duration\",\"value\":1}]}");
        assertThat(p.accepted()).hasSize(1);
        assertThat(p.accepted().get(0).getRoute()).isEqualTo("/users/{id}");
        assertThat(p.rejected()).extracting(Parsed.Rejection::index).containsExactly(1, 2);
        assertThat(p.rejected().get(0).reason()).startsWith("events[1]: ").contains("field 'value'");
        assertThat(p.rejected().get(1).reason()).startsWith("events[2]: ").contains("service");
    }

    @Test
    void shouldAcceptABareArrayAndRejectOversizedOrShapelessBatches() throws Exception {
        assertThat(parse("[{\"timestamp\":\"2026-11-26T18:59:00Z\",\"service\":\"s\",\"metric\":\"cpu.utilization\",\"value\":3,\"unit\":\"percent\"}]")
            .accepted()).hasSize(1);
        assertThatThrownBy(() -> parse("[{},{},{},{}]")).hasMessageContaining("over the limit of 3");
        assertThatThrownBy(() -> parse("{\"items\":[]}")).hasMessageContaining("field 'events'");
        assertThatThrownBy(() -> parse("[]")).hasMessageContaining("empty");
    }
}
