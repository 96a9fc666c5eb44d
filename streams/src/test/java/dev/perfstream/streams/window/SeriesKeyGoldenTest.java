package dev.perfstream.streams.window;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.anomaly.WindowScoring;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.alert.Series;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Today's series strings, byte for byte: they are Kafka record keys, state store keys and changelog keys, alert
 * series and fingerprint inputs. A change here renames state and alerts of a running deployment.
 */
class SeriesKeyGoldenTest {
    private static WindowStats window(SeriesKind kind, String name, String owner, String route, String device) {
        double nan = Double.NaN;
        return new WindowStats(kind, name, owner, route, device, Instant.EPOCH, Instant.ofEpochSecond(60), 0L, 0L,
            nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, null, null, null, "ms", 0L, null, null, null, null);
    }

    @Test
    void shouldKeepTheSeriesIdsOfEveryKind() {
        assertThat(SeriesId.metric("http.server.duration", "checkout", "/cart/{id}").id())
            .isEqualTo("METRIC|http.server.duration|checkout|/cart/{id}");
        assertThat(SeriesId.metric("m|x", "s%y", "/a|b/%7C").id()).isEqualTo("METRIC|m%7Cx|s%25y|/a%7Cb/%257C");
        assertThat(SeriesId.release("http.server.duration", "checkout", "-", "1.4|2").id())
            .isEqualTo("METRIC|http.server.duration|checkout|-|1.4%7C2");
        assertThat(SeriesId.rum("LCP", "shop", "/p|q", "mobile").id()).isEqualTo("RUM|LCP|shop|/p%7Cq|mobile");
        assertThat(SeriesId.rumAttribute("@element.LCP", "shop", "/p", "desktop", "img#hero|1").id())
            .isEqualTo("RUM|@element.LCP|shop|/p|desktop|img#hero%7C1");
        assertThat(SeriesId.metric("http.server.duration", "checkout", SeriesId.ALL_ROUTES).id())
            .isEqualTo("METRIC|http.server.duration|checkout|*");
        assertThat(SeriesId.isRelease("METRIC|a|b|c|v")).isTrue();
        assertThat(SeriesId.isRelease("METRIC|a|b|c")).isFalse();
        assertThat(SeriesId.isRelease("RUM|a|b|c|d")).isFalse();
    }

    @Test
    void shouldKeepTheSeriesKeyOfAWindowIncludingAMissingDeviceClass() {
        assertThat(WindowScoring.seriesKey(window(SeriesKind.METRIC, "db|q", "svc", "/x%", null)))
            .isEqualTo("METRIC|db%7Cq|svc|/x%25");
        assertThat(WindowScoring.seriesKey(window(SeriesKind.RUM, "INP", "shop", "/p", "tablet")))
            .isEqualTo("RUM|INP|shop|/p|tablet");
        assertThat(WindowScoring.seriesKey(window(SeriesKind.RUM, "INP", "shop", "/p", null)))
            .isEqualTo("RUM|INP|shop|/p|null");
    }

    @Test
    void shouldKeepTheAlertSeriesAndFingerprints() {
        String metric = Series.of(window(SeriesKind.METRIC, "http.server.duration", "checkout", "/pay", null));
        assertThat(metric).isEqualTo("metric=http.server.duration,service=checkout,route=/pay");
        String rum = Series.of(window(SeriesKind.RUM, "LCP", "shop", "/p", "mobile"));
        assertThat(rum).isEqualTo("vital=LCP,app=shop,page=/p,device=mobile");
        assertThat(Series.of(window(SeriesKind.RUM, "LCP", "shop", "/p", null)))
            .isEqualTo("vital=LCP,app=shop,page=/p,device=-");
        assertThat(Series.fingerprint("api-p95", metric)).isEqualTo("29233b0bc5bc66e4");
        assertThat(Series.fingerprint("lcp", rum)).isEqualTo("4a581eb46834610d");
    }
}
