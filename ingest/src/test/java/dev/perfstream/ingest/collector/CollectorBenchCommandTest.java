package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CollectorBenchCommandTest {
    static final String WRK = """
        Running 30s test @ http://127.0.0.1:40001
          2 threads and 64 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency     3.21ms    2.10ms  48.00ms   90.12%
            Req/Sec    10.12k     1.01k   12.30k    70.00%
          Latency Distribution
             50%    2.80ms
             75%    3.90ms
             90%    5.10ms
             99%   11.20ms
          604800 requests in 30.02s, 60.00MB read
          Non-2xx or 3xx responses: 800
        Requests/sec:  20146.57
        Transfer/sec:      2.00MB
        """;

    @Test
    void shouldReadRequestsErrorsAndPercentilesFromWrkOutput() {
        CollectorBenchCommand.Result r = CollectorBenchCommand.parse(WRK);
        assertThat(r.requests()).isEqualTo(604_800);
        assertThat(r.non2xx()).isEqualTo(800);
        assertThat(r.seconds()).isEqualTo(30.02);
        assertThat(r.requestsPerSecond()).isEqualTo(20146.57);
        assertThat(r.beaconsPerSecond()).isCloseTo(604_000 / 30.02, org.assertj.core.api.Assertions.within(0.01));
        assertThat(r.p50()).isEqualTo("2.80ms");
        assertThat(r.p90()).isEqualTo("5.10ms");
        assertThat(r.p99()).isEqualTo("11.20ms");
    }

    @Test
    void shouldReadWrkStyleDurations() {
        assertThat(CollectorBenchCommand.seconds("30s")).isEqualTo(30);
        assertThat(CollectorBenchCommand.seconds("2m")).isEqualTo(120);
        assertThat(CollectorBenchCommand.seconds("1h")).isEqualTo(3600);
        assertThat(CollectorBenchCommand.seconds("45")).isEqualTo(45);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CollectorBenchCommand.seconds("soon"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("soon");
    }
}
