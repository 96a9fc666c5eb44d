package dev.perfstream.models.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.anomaly.DetectorConfig;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AnomalyBacktestTest {
    private static AnomalyBacktest.Summary run(String csv, StringWriter out) throws Exception {
        return new AnomalyBacktest(DetectorConfig.defaults())
            .run(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), csv.length(), out, null);
    }

    @Test
    void shouldWriteOneRowPerInputRowAndFlagTheSpike() throws Exception {
        StringBuilder csv = new StringBuilder("timestamp,value\n");
        Random rnd = new Random(5);
        for (int i = 0; i < 600; i++) {
            double v = i == 500 ? 400 : 100 + 3 * rnd.nextGaussian();
            csv.append(1_767_225_600L + 300L * i).append(',').append(v).append('\n');
        }
        StringWriter out = new StringWriter();
        AnomalyBacktest.Summary s = run(csv.toString(), out);
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(601);
        assertThat(lines[0]).isEqualTo("timestamp,value,anomaly_score");
        assertThat(Double.parseDouble(lines[501].split(",")[2])).isGreaterThan(0.99);
        assertThat(s.rows()).isEqualTo(600);
        assertThat(s.header()).isTrue();
    }

    @Test
    void shouldHandleHeaderOnlyBadRowsNaNAndDisorder() throws Exception {
        StringWriter out = new StringWriter();
        assertThat(run("timestamp,value\n", out).rows()).isZero();
        assertThat(out.toString()).isEqualTo("timestamp,value,anomaly_score\n");

        String csv = "2026-01-01T00:00:00Z,1\n2026-01-01 00:01:00,2\nnot-a-time,3\n"
            + "2026-01-01T00:03:00+00:00,abc\n2026-01-01T00:04:00Z,NaN\n2026-01-01T00:02:00Z,2\n2026-01-01T00:05:00Z,\n";
        out = new StringWriter();
        AnomalyBacktest.Summary s = run(csv, out);
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(8);
        assertThat(s.header()).isFalse();
        assertThat(s.errors()).containsExactly("line 3: cannot parse timestamp 'not-a-time'",
            "line 4: cannot parse value 'abc'");
        assertThat(s.missing()).isEqualTo(2);
        assertThat(s.outOfOrder()).isEqualTo(0); // 00:02 comes after 00:01, the last learned row
        assertThat(lines[3]).isEqualTo("not-a-time,3,0.0000");
    }

    @Test
    void shouldParseTimestampsInEveryAcceptedForm() {
        long ms = 1_767_225_600_000L;
        assertThat(SeriesCsv.parseTime("1767225600")).isEqualTo(ms);
        assertThat(SeriesCsv.parseTime("1767225600000")).isEqualTo(ms);
        assertThat(SeriesCsv.parseTime("1767225600.5")).isEqualTo(ms + 500);
        assertThat(SeriesCsv.parseTime("2026-01-01T00:00:00Z")).isEqualTo(ms);
        assertThat(SeriesCsv.parseTime("2026-01-01 01:00:00+01:00")).isEqualTo(ms);
        assertThat(SeriesCsv.parseTime("2026-01-01 00:00:00")).isEqualTo(ms);
        assertThat(SeriesCsv.parseTime("2026-01-01")).isEqualTo(ms);
        assertThat(SeriesCsv.parseTime("timestamp")).isEqualTo(Long.MIN_VALUE);
    }
}
