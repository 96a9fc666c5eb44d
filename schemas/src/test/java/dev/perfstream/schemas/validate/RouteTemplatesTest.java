package dev.perfstream.schemas.validate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouteTemplatesTest {
    @Test
    void shouldTemplateIdsUuidsHashesAndDropQueries() {
        assertThat(RouteTemplates.normalize("/users/123/orders/9f86d081-884c-4d63-9b8f-1a2b3c4d5e6f?x=1#top"))
            .isEqualTo("/users/{id}/orders/{uuid}");
        assertThat(RouteTemplates.normalize("/files/e3b0c44298fc1c149afbf4c8996fb924")).isEqualTo("/files/{hash}");
        assertThat(RouteTemplates.normalize("https://shop.example/product/SKU12345")).isEqualTo("/product/{token}");
        assertThat(RouteTemplates.normalize("/u/jane@example.com/")).isEqualTo("/u/{email}");
        assertThat(RouteTemplates.normalize("")).isEqualTo("/");
        assertThat(RouteTemplates.normalize("//api//v2/search")).isEqualTo("/api/v2/search");
        assertThat(RouteTemplates.normalize("/api/orders/{id}")).isEqualTo("/api/orders/{id}");
    }

    @Test
    void cardinalityGuardShouldFoldNewValuesPastTheCap() {
        CardinalityGuard g = new CardinalityGuard(2);
        assertThat(g.admit("svc", "/a")).isEqualTo("/a");
        assertThat(g.admit("svc", "/b")).isEqualTo("/b");
        assertThat(g.admit("svc", "/c")).isEqualTo(CardinalityGuard.OVERFLOW);
        assertThat(g.admit("svc", "/a")).isEqualTo("/a");
        assertThat(g.admit("other", "/c")).isEqualTo("/c");
    }
}
