package dev.perfstream.ingest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.ingest.otlp.Converted;
import dev.perfstream.ingest.otlp.CumulativeStreams;
import dev.perfstream.ingest.otlp.OtlpConverter;
import dev.perfstream.ingest.otlp.OtlpDecoder;
import dev.perfstream.schemas.avro.MetricEvent;
import dev.perfstream.schemas.validate.EventValidator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@code loadgen.format=otlp}: every metric event of ten simulated minutes of the load generator, batched as
 * OTLP and read back by perfstream's own OTLP converter, comes back with its service, instance, route, method,
 * status, outcome, time and value (request latencies under the semantic-convention name).
 */
class OtlpBatcherTest {
    private static final Instant END = Instant.parse("2026-12-05T12:00:00Z");

    @Test
    void shouldCarryEveryLoadGeneratorEventThroughOtlpAndBack() throws Exception {
        List<MetricEvent> sent = new ArrayList<>();
        List<MetricEvent> back = new ArrayList<>();
        int[] batches = new int[2];
        OtlpConverter converter = new OtlpConverter(EventValidator.withDefaults(Clock.fixed(END, ZoneOffset.UTC)),
            (service, route) -> route, new CumulativeStreams(1000, 0));
        OtlpBatcher batcher = new OtlpBatcher(200, Long.MAX_VALUE, (trace, bytes, events) -> {
            Converted c;
            try {
                c = trace ? converter.traces(OtlpDecoder.traces(bytes, false)) : converter.metrics(OtlpDecoder.metrics(bytes, false));
            } catch (dev.perfstream.schemas.serde.DecodeException e) {
                throw new AssertionError("the batcher wrote a body the decoder refuses", e);
            }
            assertThat(c.rejected()).as(c.errorMessage()).isZero();
            assertThat(c.events()).hasSize(events);
            back.addAll(c.events());
            batches[trace ? 0 : 1]++;
        });
        new LoadGenerator(TrafficModel.demo().withRate(50), List.of(), 3)
            .generate(END.minusSeconds(600), END, 0, e -> {
                sent.add(e);
                batcher.add(e);
            }, r -> { });
        batcher.flush();

        assertThat(batches[0]).isPositive();
        assertThat(batches[1]).isPositive();
        assertThat(back).hasSameSizeAs(sent);
        assertThat(sent).as("the demo traffic has cache lookups, hits and misses").anySatisfy(e -> assertThat(e.getCacheHit()).isTrue())
            .anySatisfy(e -> assertThat(e.getCacheHit()).isFalse());
        assertThat(key(back)).isEqualTo(key(sent));
    }

    /** Events by what must survive, with the request metric under its OpenTelemetry name; values to 1 ns. */
    private static Map<String, Integer> key(List<MetricEvent> events) {
        Map<String, Integer> m = new TreeMap<>();
        for (MetricEvent e : events) {
            String metric = e.getMetric().equals("http.server.duration") ? "http.server.request.duration" : e.getMetric();
            String k = String.join("|", metric, e.getService(), String.valueOf(e.getInstance()), String.valueOf(e.getRoute()),
                String.valueOf(e.getMethod()), String.valueOf(e.getStatus()), e.getOutcome().toString(),
                String.valueOf(e.getDbStatement()), String.valueOf(e.getCache()), String.valueOf(e.getCacheHit()),
                String.valueOf(e.getServiceVersion()), e.getTimestamp().toString(), e.getUnit(),
                Long.toString(Math.round(e.getValue() * 1_000_000)));
            m.merge(k, 1, Integer::sum);
        }
        return m;
    }
}
