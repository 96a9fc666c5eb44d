package dev.perfstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The settled read of {@link InfluxTestServer#query}, on answers as a real InfluxDB 1.x gives them during a write. */
class InfluxTestServerTest {
    private static final String HALF = "{\"results\":[{\"series\":[{\"values\":[[1,null,300]]}]}]}";
    private static final String WHOLE = "{\"results\":[{\"series\":[{\"values\":[[1,2,300]]}]}]}";

    @Test
    void shouldReturnTheAnswerThatTwoReadsAgreeOnNotAHalfWrittenRow() {
        List<String> answers = List.of(HALF, WHOLE, WHOLE, "never read");
        int[] n = {0};
        String got = InfluxTestServer.settled(() -> answers.get(n[0]++), 1, 25);
        assertThat(got).isEqualTo(WHOLE);
        assertThat(n[0]).as("reads").isEqualTo(3);
    }

    @Test
    void shouldGiveUpOnADatabaseThatNeverAgreesAndReturnItsLastAnswer() {
        int[] n = {0};
        String got = InfluxTestServer.settled(() -> "answer " + n[0]++, 1, 5);
        assertThat(got).isEqualTo("answer 5");
        assertThat(n[0]).isEqualTo(6);
    }
}
