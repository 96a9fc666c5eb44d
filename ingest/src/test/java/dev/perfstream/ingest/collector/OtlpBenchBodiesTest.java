package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.ingest.otlp.Converted;
import dev.perfstream.ingest.otlp.CumulativeStreams;
import dev.perfstream.ingest.otlp.OtlpConverter;
import dev.perfstream.ingest.otlp.OtlpDecoder;
import dev.perfstream.schemas.validate.EventValidator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The bench's OTLP bodies are what the receiver accepts whole: a bench of rejected data would measure nothing. */
class OtlpBenchBodiesTest {
    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private final OtlpConverter converter = new OtlpConverter(EventValidator.withDefaults(Clock.fixed(NOW, ZoneOffset.UTC)),
        (service, route) -> route, new CumulativeStreams(1000, 0));

    @Test
    void shouldBuildSpansThatAllBecomeEvents() throws Exception {
        long nanos = NOW.toEpochMilli() * 1_000_000L;
        Converted c = converter.traces(OtlpDecoder.traces(OtlpBenchBodies.traces(100, nanos, 1), false));
        assertThat(c.rejected()).isZero();
        assertThat(c.events()).hasSize(100);
        assertThat(c.events()).allSatisfy(e -> assertThat(e.getService()).isEqualTo("bench-otlp"));
    }

    @Test
    void shouldBuildHistogramPointsThatAllConvert() throws Exception {
        long nanos = NOW.toEpochMilli() * 1_000_000L;
        Converted c = converter.metrics(OtlpDecoder.metrics(OtlpBenchBodies.metrics(40, nanos, 1), false));
        assertThat(c.rejected()).isZero();
        assertThat(c.events()).isNotEmpty();
        assertThat(c.events().stream().map(e -> e.getRoute()).distinct()).hasSize(20);
    }
}
