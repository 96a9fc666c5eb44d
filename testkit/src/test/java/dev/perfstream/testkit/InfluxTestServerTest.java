package dev.perfstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The settled read of {@link InfluxTestServer#query}, on answers as a real InfluxDB 1.x gives them during a write. */
class InfluxTestServerTest {
    private static final String HALF = "{\"results\":[{\"series\":[{\"values\":[[1,null,300]]}]}]}";
    private static final String WHOLE = "{\"results\":[{\"series\":[{\"values\":[[1,2,300]]}]}]}";

    @Test
    void shouldReturnTheAnswerThatTwoReadsAgreeOnNotAHalfWrittenRow() {
        List<String> reads = new ArrayList<>();
        Iterator<String> answers = List.of(HALF, WHOLE, WHOLE, "never read").iterator();
        String got = InfluxTestServer.settled(() -> {
            reads.add("read");
            return answers.next();
        }, 1, 25);
        assertThat(got).isEqualTo(WHOLE);
        assertThat(reads).hasSize(3);
    }

    @Test
    void shouldGiveUpOnADatabaseThatNeverAgreesAndReturnItsLastAnswer() {
        int[] n = {0};
        String got = InfluxTestServer.settled(() -> "answer " + n[0]++, 1, 5);
        assertThat(got).isEqualTo("answer 5");
        assertThat(n[0]).isEqualTo(6);
    }
}
