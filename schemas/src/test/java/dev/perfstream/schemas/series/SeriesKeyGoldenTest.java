package dev.perfstream.schemas.series;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.series.SeriesKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Today's series strings, byte for byte: they are Kafka record keys, state store keys and changelog keys, alert
 * series and fingerprint inputs. A change here renames state and alerts of a running deployment. The expected
 * strings were taken from the formatters this class replaced (the stats stage's SeriesId, WindowScoring.seriesKey,
 * the multivariate prefix, the alerts' Series.of).
 */
class SeriesKeyGoldenTest {
    private static WindowStats window(SeriesKind kind, String name, String owner, String route, String device) {
        double nan = Double.NaN;
        return new WindowStats(kind, name, owner, route, device, Instant.EPOCH, Instant.ofEpochSecond(60), 0L, 0L,
            nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, null, null, null, "ms", 0L, null, null, null, null, null);
    }

    @Test
    void shouldKeepTheSeriesIdsOfEveryKind() {
        assertThat(SeriesKey.metric("http.server.duration", "checkout", "/cart/{id}").id())
            .isEqualTo("METRIC|http.server.duration|checkout|/cart/{id}");
        assertThat(SeriesKey.metric("m|x", "s%y", "/a|b/%7C").id()).isEqualTo("METRIC|m%7Cx|s%25y|/a%7Cb/%257C");
        assertThat(SeriesKey.release("http.server.duration", "checkout", "-", "1.4|2").id())
            .isEqualTo("METRIC|http.server.duration|checkout|-|1.4%7C2");
        assertThat(SeriesKey.rum("LCP", "shop", "/p|q", "mobile").id()).isEqualTo("RUM|LCP|shop|/p%7Cq|mobile");
        assertThat(SeriesKey.rumAttribute("@element.LCP", "shop", "/p", "desktop", "img#hero|1").id())
            .isEqualTo("RUM|@element.LCP|shop|/p|desktop|img#hero%7C1");
        assertThat(SeriesKey.metric("http.server.duration", "checkout", SeriesKey.ALL_ROUTES).id())
            .isEqualTo("METRIC|http.server.duration|checkout|*");
        assertThat(SeriesKey.multivariate("checkout").id()).isEqualTo("MULTIVARIATE|checkout");
        assertThat(SeriesKey.isRelease("METRIC|a|b|c|v")).isTrue();
        assertThat(SeriesKey.isRelease("METRIC|a|b|c")).isFalse();
        assertThat(SeriesKey.isRelease("RUM|a|b|c|d")).isFalse();
    }

    @Test
    void shouldKeepTheSeriesKeyOfAWindowIncludingAMissingDeviceClass() {
        assertThat(SeriesKey.of(window(SeriesKind.METRIC, "db|q", "svc", "/x%", null)).id())
            .isEqualTo("METRIC|db%7Cq|svc|/x%25");
        assertThat(SeriesKey.of(window(SeriesKind.RUM, "INP", "shop", "/p", "tablet")).id())
            .isEqualTo("RUM|INP|shop|/p|tablet");
        assertThat(SeriesKey.of(window(SeriesKind.RUM, "INP", "shop", "/p", null)).id())
            .isEqualTo("RUM|INP|shop|/p|null");
        WindowStats versioned = window(SeriesKind.METRIC, "http", "svc", "/x", null);
        versioned.setServiceVersion("1.2");
        assertThat(SeriesKey.of(versioned).id()).isEqualTo("METRIC|http|svc|/x|1.2");
    }

    @Test
    void shouldKeepTheAlertDisplayForm() {
        assertThat(SeriesKey.of(window(SeriesKind.METRIC, "http.server.duration", "checkout", "/pay", null)).display())
            .isEqualTo("metric=http.server.duration,service=checkout,route=/pay");
        assertThat(SeriesKey.of(window(SeriesKind.RUM, "LCP", "shop", "/p", "mobile")).display())
            .isEqualTo("vital=LCP,app=shop,page=/p,device=mobile");
        assertThat(SeriesKey.of(window(SeriesKind.RUM, "LCP", "shop", "/p", null)).display())
            .isEqualTo("vital=LCP,app=shop,page=/p,device=-");
    }

    /**
     * The series of no-data, SLO burn-rate and REGRESSION alerts, as the alerts stage wrote them by hand before
     * ({@code "service=" + service}, {@code "slo=" + id + ",service=" + service},
     * {@code "service=" + service + ",version=" + version}): alert fingerprints hash them.
     */
    @Test
    void shouldKeepTheDisplayOfServiceSloAndReleaseAlerts() {
        assertThat(SeriesKey.service("checkout").display()).isEqualTo("service=checkout");
        assertThat(SeriesKey.slo("availability", "checkout").display()).isEqualTo("slo=availability,service=checkout");
        assertThat(SeriesKey.serviceVersion("catalog", "1.5.0").display()).isEqualTo("service=catalog,version=1.5.0");
        // not escaped, as before: the display form never was
        assertThat(SeriesKey.slo("a,b|c", "s=1").display()).isEqualTo("slo=a,b|c,service=s=1");
        assertThat(SeriesKey.service("check|out").id()).isEqualTo("SERVICE|check%7Cout");
        assertThat(SeriesKey.slo("avail", "checkout").id()).isEqualTo("SLO|avail|checkout");
        assertThat(SeriesKey.serviceVersion("catalog", "1.5.0").id()).isEqualTo("VERSION|catalog|1.5.0");
        assertThat(SeriesTags.of(SeriesKey.serviceVersion("catalog", "1.5.0").display()))
            .isEqualTo(Map.of("service", "catalog", "version", "1.5.0"));
    }

    @Test
    void shouldParseEveryFormBackIntoItsParts() {
        List<SeriesKey> keys = List.of(SeriesKey.metric("http.server.duration", "svc", "/a|b/%7C/{id}"),
            SeriesKey.release("m", "s", "/r", "v%1"), SeriesKey.rum("LCP", "shop", "/p", "mobile"),
            SeriesKey.rumAttribute("@script.INP", "shop", "/p", "mobile", "https://cdn/x.js"),
            SeriesKey.multivariate("checkout"), SeriesKey.service("check|out"), SeriesKey.slo("avail%", "checkout"),
            SeriesKey.serviceVersion("catalog", "1.5|0"));
        for (SeriesKey k : keys) {
            SeriesKey back = SeriesKey.parse(k.id());
            assertThat(back).isEqualTo(k);
            assertThat(List.of(back.form(), back.name() + "", back.owner(), back.route() + "", back.deviceClass() + "",
                back.version() + "", back.attribute() + "")).isEqualTo(List.of(k.form(), k.name() + "", k.owner(),
                k.route() + "", k.deviceClass() + "", k.version() + "", k.attribute() + ""));
        }
        SeriesKey m = SeriesKey.parse("METRIC|m%7Cx|s%25y|/a%7Cb/%257C");
        assertThat(List.of(m.name(), m.owner(), m.route())).containsExactly("m|x", "s%y", "/a|b/%7C");
        assertThat(m.kind()).isEqualTo(SeriesKind.METRIC);
        assertThat(SeriesKey.parse("RUM|LCP|a|/p|tablet").kind()).isEqualTo(SeriesKind.RUM);
        assertThat(SeriesKey.parseDisplay("metric=http,service=checkout,route=/pay"))
            .isEqualTo(SeriesKey.metric("http", "checkout", "/pay"));
        assertThat(SeriesKey.parseDisplay("vital=LCP,app=shop,page=/p,device=-").display())
            .isEqualTo("vital=LCP,app=shop,page=/p,device=-");
    }

    @Test
    void shouldRefuseWhatIsNotASeriesNamingIt() {
        for (String bad : List.of("", "METRIC|a|b", "OTHER|a|b|c", "RUM|LCP|a|b|c|d", "MULTIVARIATE|a|b", "x")) {
            assertThatThrownBy(() -> SeriesKey.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a series id: \"" + bad + "\"");
        }
        assertThatThrownBy(() -> SeriesKey.parse(null)).isInstanceOf(IllegalArgumentException.class);
        for (String bad : List.of("metric=a,service=b", "slo=x,service=y", "a b", "vital=L,app=a,page=p,device=")) {
            assertThatThrownBy(() -> SeriesKey.parseDisplay(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(bad);
        }
    }

    @Test
    void shouldNameOneTagPerDimensionWhateverTheForm() {
        assertThat(SeriesTags.of("RUM|LCP|shop|/p/%7Cx%25|mobile"))
            .isEqualTo(Map.of("vital", "LCP", "app", "shop", "page", "/p/|x%", "device_class", "mobile"));
        assertThat(SeriesTags.of("vital=LCP,app=shop,page=/p,device=mobile"))
            .isEqualTo(Map.of("vital", "LCP", "app", "shop", "page", "/p", "device_class", "mobile"));
        assertThat(SeriesTags.of("METRIC|http|checkout|*"))
            .isEqualTo(Map.of("metric", "http", "service", "checkout", "route", "*"));
        assertThat(SeriesTags.of("MULTIVARIATE|checkout")).isEqualTo(Map.of("service", "checkout"));
        assertThat(SeriesTags.of("slo=avail,service=checkout")).isEqualTo(Map.of("slo", "avail", "service", "checkout"));
        assertThat(SeriesTags.of("RUM|@element.LCP|shop|/p|mobile|img")).isEqualTo(Map.of("vital", "LCP", "app", "shop",
            "page", "/p", "device_class", "mobile", "element", "img"));
        for (String free : List.of("METRIC|only-two", "multivariate checkout", "a=b|c", "=x", "k=")) {
            assertThat(SeriesTags.of(free)).as(free).isEmpty();
        }
    }
}
