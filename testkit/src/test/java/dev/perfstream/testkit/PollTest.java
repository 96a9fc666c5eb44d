package dev.perfstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PollTest {
    @Test
    void shouldRethrowAFailingCheckAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> Poll.until(Duration.ofMinutes(5), "a broken check", () -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("bug in the check");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("bug in the check");
        assertThat(calls).hasValue(1);
    }

    @Test
    void shouldRetryOnlyTheNamedType() {
        AtomicInteger calls = new AtomicInteger();
        String v = Poll.until(Duration.ofMinutes(1), "a starting service", UncheckedIOException.class, () -> {
            if (calls.incrementAndGet() < 3) {
                throw new UncheckedIOException(new IOException("connection refused"));
            }
            return "up";
        });
        assertThat(v).isEqualTo("up");
        assertThat(calls).hasValue(3);

        assertThatThrownBy(() -> Poll.until(Duration.ofMinutes(5), "a starting service", UncheckedIOException.class,
            () -> {
                throw new IllegalStateException("not an I/O failure");
            })).isInstanceOf(IllegalStateException.class).hasMessage("not an I/O failure");
    }

    @Test
    void shouldNameTheConditionAndTheLastRetriedFailureWhenTheDeadlinePasses() {
        assertThatThrownBy(() -> Poll.until(Duration.ofMillis(300), "the answer", UncheckedIOException.class, () -> {
            throw new UncheckedIOException(new IOException("connection refused"));
        })).isInstanceOf(AssertionError.class)
            .hasMessageContaining("waiting for the answer")
            .hasMessageContaining("connection refused")
            .hasCauseInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> Poll.until(Duration.ofMillis(300), "nothing", () -> null))
            .isInstanceOf(AssertionError.class).hasMessage("timed out after PT0.3S waiting for nothing");
    }
}
