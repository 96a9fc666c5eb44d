package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClientRateLimiterTest {
    @Test
    void shouldAllowTheBurstThenTheRatePerClient() {
        AtomicLong now = new AtomicLong();
        ClientRateLimiter l = new ClientRateLimiter(10, 5, now::get);
        int ok = 0;
        for (int i = 0; i < 20; i++) {
            ok += l.tryAcquire("a") ? 1 : 0;
        }
        assertThat(ok).isEqualTo(5);
        assertThat(l.tryAcquire("b")).isTrue();
        now.addAndGet(300_000_000L); // 0.3 s at 10/s = 3 tokens
        ok = 0;
        for (int i = 0; i < 20; i++) {
            ok += l.tryAcquire("a") ? 1 : 0;
        }
        assertThat(ok).isEqualTo(3);
    }
}
