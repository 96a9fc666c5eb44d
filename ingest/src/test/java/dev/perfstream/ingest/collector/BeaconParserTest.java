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

    final BeaconParser parser = new BeaconParser(EventValidator.withDefaults(Clock.fixed(NOW, ZoneOffset.UTC)),
        new RouteCap(3, new CollectorMetrics()), new SessionHasher("salt"), 50);

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
}
