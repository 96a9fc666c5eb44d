package dev.perfstream.streams.outage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ParkedRecordTest {
    @Test
    void shouldRoundTripEveryFieldIncludingNullKeyAndValue() {
        ParkedRecord full = new ParkedRecord("perf.metrics", 3, 1234567890123L, 1764158400000L,
            "checkout".getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 0, 0, 7, 1, 2});
        ParkedRecord back = ParkedRecord.fromBytes(full.toBytes());
        assertThat(back.topic()).isEqualTo("perf.metrics");
        assertThat(back.partition()).isEqualTo(3);
        assertThat(back.offset()).isEqualTo(1234567890123L);
        assertThat(back.timestamp()).isEqualTo(1764158400000L);
        assertThat(back.key()).isEqualTo(full.key());
        assertThat(back.value()).isEqualTo(full.value());

        ParkedRecord empty = ParkedRecord.fromBytes(new ParkedRecord(null, -1, -1, 0, null, null).toBytes());
        assertThat(empty.topic()).isNull();
        assertThat(empty.key()).isNull();
        assertThat(empty.value()).isNull();
        assertThat(empty.partition()).isEqualTo(-1);
    }
}
