package dev.perfstream.ingest.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.perfstream.schemas.avro.Rating;
import dev.perfstream.schemas.avro.RumEvent;
import dev.perfstream.schemas.avro.Vital;
import dev.perfstream.schemas.validate.CardinalityGuard;
import dev.perfstream.schemas.validate.EventValidator;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class BeaconParserTest {
    static final Instant NOW = Instant.parse("2026-11-26T19:00:00Z");
    static final String CHROME_ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36";

    final CollectorMetrics metrics = new CollectorMetrics();
    final BeaconParser parser = new BeaconParser(EventValidator.withDefaults(Clock.fixed(NOW, ZoneOffset.UTC)),
        new RouteCap(3, metrics), new SessionHasher("salt"), 50,
        new RumAttribution(new RouteCap(2, metrics::elementOverflow), metrics::rumFieldDropped), metrics::rumFieldDropped);

    Parsed<RumEvent> parse(String json) throws RequestRejected {
        return parser.parse(JsonBodies.parse(json.getBytes(StandardCharsets.UTF_8)), CHROME_ANDROID, NOW);
    }

    @Test
    void shouldTurnOneBeaconIntoOneEventPerMetricWithTemplatedPageAndHashedSession() throws Exception {
        Parsed<RumEvent> p = parse("{\"app\":\"shop-web\",\"page\":\"/product/12345?ref=x\",\"session\":\"abc-123\","
            + "\"connection\":\"4g\",\"metrics\":[{\"name\":\"LCP\",\"value\":2100.5,\"navigationType\":\"navigate\"},"
            + "{\"name\":\"CLS\",\"value\":0.31},{\"name\":\"ttfb\",\"value\":120}]}");
        assertThat(p.rejected()).isEmpty();
        assertThat(p.accepted()).extracting(RumEvent::getVital).containsExactly(Vital.LCP, Vital.CLS, Vital.TTFB);
        RumEvent lcp = p.accepted().get(0);
        assertThat(lcp.getPage()).isEqualTo("/product/{id}");
        assertThat(lcp.getTimestamp()).isEqualTo(NOW);
        assertThat(lcp.getDeviceClass()).isEqualTo("mobile");
        assertThat(lcp.getBrowser()).isEqualTo("chrome");
        assertThat(lcp.getRating()).isEqualTo(Rating.GOOD);
        assertThat(p.accepted().get(1).getRating()).isEqualTo(Rating.POOR);
        assertThat(lcp.getSessionHash()).hasSize(32).doesNotContain("abc").isEqualTo(new SessionHasher("salt").hash("abc-123"));
        assertThat(lcp.getSessionHash()).isNotEqualTo(new SessionHasher("other").hash("abc-123"));
        assertThat(lcp.getCountry()).isNull();
    }

    @Test
    void shouldTurnConversionsIntoConversionEventsOfTheBeaconsSession() throws Exception {
        Parsed<RumEvent> p = parse("{\"app\":\"shop-web\",\"page\":\"/order/12345\",\"session\":\"abc-123\","
            + "\"conversions\":[\"checkout\",\"bad goal!\",7]}");
        assertThat(p.accepted()).singleElement().satisfies(c -> {
            assertThat(c.getConversion()).isEqualTo("checkout");
            assertThat(c.getVital()).isNull();
            assertThat(c.getValue()).isEqualTo(1.0);
            assertThat(c.getPage()).isEqualTo("/order/{id}");
            assertThat(c.getSessionHash()).isEqualTo(new SessionHasher("salt").hash("abc-123"));
        });
        assertThat(p.rejected()).extracting(Parsed.Rejection::index, Parsed.Rejection::code).containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, "invalid_goal"), org.assertj.core.groups.Tuple.tuple(2, "invalid_field"));
        assertThat(p.rejected().get(0).reason()).isEqualTo("conversions[1]: goal \"bad goal!\" must be 1 to 64 characters"
            + " of [A-Za-z0-9._-]");
        Parsed<RumEvent> both = parse("{\"app\":\"a\",\"page\":\"/\",\"session\":\"s\",\"conversions\":[\"x\"],"
            + "\"metrics\":[{\"name\":\"LCP\",\"value\":900}]}");
        assertThat(both.accepted()).extracting(RumEvent::getVital).containsExactly(Vital.LCP, null);
    }

    @Test
    void shouldRefuseAConversionBeaconWithoutASessionOrWithConversionsNotAList() {
        assertThatThrownBy(() -> parse("{\"app\":\"a\",\"page\":\"/\",\"conversions\":[\"checkout\"]}"))
            .isInstanceOf(RequestRejected.class)
            .hasMessage("field 'session' is required with 'conversions': a conversion is joined with the vitals of its session");
        assertThatThrownBy(() -> parse("{\"app\":\"a\",\"page\":\"/\",\"session\":\"s\",\"conversions\":\"checkout\"}"))
            .isInstanceOf(RequestRejected.class)
            .hasMessage("field 'conversions' must be a non-empty array of goal names (e.g. [\"checkout\"]), got string");
    }

    @Test
    void shouldRejectOnlyTheBadItemsNamingTheField() throws Exception {
        Parsed<RumEvent> p = parse("{\"app\":\"a\",\"page\":\"/\",\"metrics\":[{\"name\":\"FID\",\"value\":3},"
            + "{\"name\":\"LCP\",\"value\":86400000},{\"name\":\"CLS\",\"value\":1000},{\"name\":\"INP\",\"value\":-5},"
            + "{\"name\":\"FCP\",\"value\":\"fast\"},{\"value\":1},{\"name\":\"FCP\",\"value\":900}]}");
        assertThat(p.accepted()).extracting(RumEvent::getVital).containsExactly(Vital.FCP);
        assertThat(p.rejected()).extracting(Parsed.Rejection::index).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(p.rejected().get(0).reason()).contains("metrics[0].name", "unknown vital \"FID\"");
        assertThat(p.rejected().get(0).code()).isEqualTo("unknown_vital");
        assertThat(p.rejected().get(1).reason()).contains("metrics[1]", "field 'value' of LCP", "plausible maximum");
        assertThat(p.rejected().get(2).reason()).contains("field 'value' of CLS");
        assertThat(p.rejected().get(3).reason()).contains("must be >= 0");
        assertThat(p.rejected().get(4).reason()).contains("metrics[4].value must be a number");
        assertThat(p.rejected().get(5).reason()).contains("metrics[5].name is required");
    }

    @Test
    void shouldRejectBeaconsWithMissingOrWrongTopLevelFields() {
        assertThatThrownBy(() -> parse("{\"page\":\"/\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}"))
            .hasMessage("field 'app' is required");
        assertThatThrownBy(() -> parse("{\"app\":\"a\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}"))
            .hasMessage("field 'page' is required");
        assertThatThrownBy(() -> parse("{\"app\":7,\"page\":\"/\",\"metrics\":[]}")).hasMessageContaining("field 'app' must be a non-empty string");
        assertThatThrownBy(() -> parse("{\"app\":\"a\",\"page\":\"/\",\"metrics\":{}}")).hasMessageContaining("field 'metrics'");
        assertThatThrownBy(() -> parse("[1,2]")).hasMessageContaining("expected a JSON object");
        assertThatThrownBy(() -> parse("{\"app\":\"a\",")).hasMessageContaining("invalid JSON")
            .extracting(e -> ((RequestRejected) e).status).isEqualTo(400);
    }

    @Test
    void shouldCapDistinctPagesPerAppIntoTheOverflowBucket() throws Exception {
        for (String page : new String[] {"/a", "/b", "/c"}) {
            assertThat(parse("{\"app\":\"cap\",\"page\":\"" + page + "\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}")
                .accepted().get(0).getPage()).isEqualTo(page);
        }
        assertThat(parse("{\"app\":\"cap\",\"page\":\"/d\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}").accepted().get(0).getPage())
            .isEqualTo(CardinalityGuard.OVERFLOW);
        assertThat(parse("{\"app\":\"cap\",\"page\":\"/a/77\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}").accepted().get(0).getPage())
            .isEqualTo(CardinalityGuard.OVERFLOW);
        assertThat(parse("{\"app\":\"other\",\"page\":\"/d\",\"metrics\":[{\"name\":\"LCP\",\"value\":1}]}").accepted().get(0).getPage())
            .isEqualTo("/d");
    }

    @Test
    void shouldKeepBoundedAttributionVersionAndSampleRate() throws Exception {
        Parsed<RumEvent> p = parse("{\"app\":\"shop\",\"page\":\"/p/1\",\"version\":\"2026.12.1+b7\",\"sampleRate\":0.25,"
            + "\"metrics\":[{\"name\":\"LCP\",\"value\":3100,\"attribution\":{\"element\":\"html>body>main>img#hero-12345.big\","
            + "\"url\":\"https://user:pw@CDN.example.com/img/98765/hero.jpg?v=3#x\",\"parts\":{\"timeToFirstByte\":100.04,"
            + "\"resourceLoadDelay\":20,\"resourceLoadDuration\":2500,\"elementRenderDelay\":480,\"inputDelay\":5}}},"
            + "{\"name\":\"INP\",\"value\":350,\"attribution\":{\"element\":\"#buy\",\"interactionType\":\"pointer\","
            + "\"script\":{\"url\":\"https://shop.example.com/static/app.js?h=1\",\"fn\":\"onBuy\",\"invoker\":\"BUTTON#buy.onclick\"},"
            + "\"parts\":{\"inputDelay\":2,\"processingDuration\":300,\"presentationDelay\":48}}},"
            + "{\"name\":\"CLS\",\"value\":0.3,\"attribution\":{\"element\":\"div.banner\"}}]}");
        assertThat(p.rejected()).isEmpty();
        RumEvent lcp = p.accepted().get(0);
        assertThat(lcp.getAppVersion()).isEqualTo("2026.12.1+b7");
        assertThat(lcp.getSampleRate()).isEqualTo(0.25);
        assertThat(lcp.getElement()).isEqualTo("html>body>main>img#hero-{n}.big");
        assertThat(lcp.getResourceUrl()).isEqualTo("https://cdn.example.com/img/{id}/hero.jpg");
        assertThat(lcp.getParts()).containsOnlyKeys("timeToFirstByte", "resourceLoadDelay", "resourceLoadDuration", "elementRenderDelay")
            .containsEntry("timeToFirstByte", 100.0).containsEntry("resourceLoadDuration", 2500.0);
        assertThat(metrics.rumFieldsDropped("parts", "unknown_part")).isEqualTo(1); // inputDelay is no LCP part
        RumEvent inp = p.accepted().get(1);
        assertThat(inp.getElement()).isEqualTo("#buy");
        assertThat(inp.getInteractionType()).isEqualTo("pointer");
        assertThat(inp.getScript()).isEqualTo("https://shop.example.com/static/app.js onBuy");
        assertThat(inp.getParts()).containsEntry("processingDuration", 300.0).hasSize(3);
        // the element cap of this test is 2 per app: a third distinct element overflows
        assertThat(p.accepted().get(2).getElement()).isEqualTo(CardinalityGuard.OVERFLOW);
        assertThat(metrics.elementOverflows()).isEqualTo(1);
    }

    @Test
    void shouldDropBadOptionalFieldsCountedAndKeepTheEvent() throws Exception {
        String longSelector = "div>".repeat(300) + "img";
        Parsed<RumEvent> p = parse("{\"app\":\"shop\",\"page\":\"/p\",\"version\":\"1.0 <script>\",\"sampleRate\":7,"
            + "\"metrics\":[{\"name\":\"LCP\",\"value\":3100,\"attribution\":{\"element\":\"img[onerror=alert(1)]{}\",\"url\":\"javascript:alert(1)\","
            + "\"parts\":{\"resourceLoadDelay\":-3,\"elementRenderDelay\":\"x\"}}},"
            + "{\"name\":\"INP\",\"value\":100,\"attribution\":{\"element\":42,\"interactionType\":\"telepathy\",\"script\":{\"url\":\"about:x\",\"invoker\":\"\\u0000\"}}},"
            + "{\"name\":\"CLS\",\"value\":0.1,\"attribution\":{\"element\":\"" + longSelector + "\"}},"
            + "{\"name\":\"TTFB\",\"value\":10,\"attribution\":[1,2]},"
            + "{\"name\":\"FCP\",\"value\":10,\"navigationType\":\"soft-navigation\",\"navigationURL\":{\"a\":1}},"
            + "{\"name\":\"LCP\",\"value\":10,\"navigationType\":\"soft-navigation\",\"navigationURL\":\"https://shop.example.com/cart/77?x=1\"},"
            + "{\"name\":\"LCP\",\"value\":10,\"attribution\":{\"url\":\"data:image/png;base64,AAAA\",\"element\":\"" + "a".repeat(200) + "\"}}]}");
        assertThat(p.rejected()).isEmpty();
        assertThat(p.accepted()).hasSize(7).allSatisfy(e -> {
            assertThat(e.getAppVersion()).isNull();
            assertThat(e.getSampleRate()).isNull();
            assertThat(e.getInteractionType()).isNull();
            assertThat(e.getScript()).isNull();
        });
        assertThat(p.accepted().get(0).getElement()).isNull();
        assertThat(p.accepted().get(0).getResourceUrl()).isNull();
        assertThat(p.accepted().get(0).getParts()).isNull();
        assertThat(p.accepted().get(2).getElement()).isNull(); // over 4 x 160 characters before sanitising
        assertThat(p.accepted().get(4).getPage()).isEqualTo("/p");
        assertThat(p.accepted().get(5).getPage()).isEqualTo("/cart/{id}");
        assertThat(p.accepted().get(5).getNavigationType()).isEqualTo("soft-navigation");
        assertThat(p.accepted().get(6).getResourceUrl()).isEqualTo("data:");
        assertThat(p.accepted().get(6).getElement()).hasSize(RumAttribution.MAX_SELECTOR).startsWith("...");
        assertThat(metrics.rumFieldsDropped("version", "invalid")).isEqualTo(1);
        assertThat(metrics.rumFieldsDropped("sampleRate", "invalid")).isEqualTo(1);
        assertThat(metrics.rumFieldsDropped("element", "invalid")).isEqualTo(1);
        assertThat(metrics.rumFieldsDropped("element", "not_text")).isEqualTo(1);
        assertThat(metrics.rumFieldsDropped("element", "too_long")).isEqualTo(1);
        assertThat(metrics.rumFieldsDropped("url", "invalid")).isEqualTo(1);
        assertThat(metrics.rumFieldsDropped("parts", "invalid_value")).isEqualTo(2);
        assertThat(metrics.rumFieldsDropped("interactionType", "invalid")).isEqualTo(1);
        assertThat(metrics.rumFieldsDropped("script", "invalid")).isEqualTo(1);
        assertThat(metrics.rumFieldsDropped("attribution", "not_an_object")).isEqualTo(1);
        assertThat(metrics.rumFieldsDropped("navigationURL", "invalid")).isEqualTo(1);
    }

    @Test
    void shouldRoundTripTheAttributionFieldsThroughTheJsonAndAvroCodecs() throws Exception {
        Parsed<RumEvent> p = parse("{\"app\":\"shop\",\"page\":\"/p\",\"version\":\"1.2\",\"metrics\":[{\"name\":\"TTFB\",\"value\":27,"
            + "\"attribution\":{\"parts\":{\"waitingDuration\":2.1,\"cacheDuration\":0}}},"
            + "{\"name\":\"INP\",\"value\":300,\"attribution\":{\"element\":\"#buy\",\"interactionType\":\"pointer\"}}]}");
        dev.perfstream.schemas.serde.RecordCodec<RumEvent> json = dev.perfstream.schemas.serde.Codecs.create(RumEvent.getClassSchema(),
            dev.perfstream.schemas.config.Settings.of(java.util.Map.of()));
        for (RumEvent e : p.accepted()) {
            assertThat(json.decode("t", json.encode("t", e))).isEqualTo(e);
        }
    }
}
