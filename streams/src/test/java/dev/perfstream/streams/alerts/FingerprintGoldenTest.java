package dev.perfstream.streams.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Alert fingerprints of today, byte for byte: a change fires every open alert again under a new id. */
class FingerprintGoldenTest {
    @Test
    void shouldKeepTheFingerprintsOfRuleAndSeries() {
        assertThat(Series.fingerprint("api-p95", "metric=http.server.duration,service=checkout,route=/pay"))
            .isEqualTo("29233b0bc5bc66e4");
        assertThat(Series.fingerprint("lcp", "vital=LCP,app=shop,page=/p,device=mobile")).isEqualTo("4a581eb46834610d");
    }
}
