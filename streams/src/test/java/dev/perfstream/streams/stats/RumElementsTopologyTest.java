package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perfstream.schemas.avro.RumElementStats;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.validate.CardinalityGuard;
import dev.perfstream.streams.stats.state.PartialRecord;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** perf.rum.elements from the stats topology: known attributed RUM events in, exact rows out. */
class RumElementsTopologyTest {
    static final long MIN = 60_000;
    static final long T0 = StatsDriver.NOW.toEpochMilli() - 30 * MIN;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, String> keys(String... kv) {
        return StatsDriver.oneMinute("stats-rumel-test", kv);
    }

    /** A RUM event as a producer writes it to perf.rum; element and script only when not null. */
    static String rum(long ts, String page, String vital, double value, String element, String script) {
        ObjectNode n = JSON.createObjectNode().put("timestamp", ts).put("app", "shop").put("page", page)
            .put("vital", vital).put("value", value).put("deviceClass", "mobile");
        if (element != null) {
            n.put("element", element);
        }
        if (script != null) {
            n.put("script", script);
        }
        return n.toString();
    }

    /** Moves stream time past the first minute's window and grace. */
    static void close(StatsDriver d) {
        d.sendRum(StatsDriver.vital(T0 + 5 * MIN, "shop", "/closer", "TTFB", 1, "desktop"));
    }

    @Test
    void shouldRankTheLcpElementsOfAPageByCountWithTheirP75AndPoorShare() {
        double[] hero = {2000, 2600, 3100, 4500, 5200, 6000};
        double[] intro = {900, 1200, 1500};
        try (StatsDriver d = new StatsDriver(keys())) {
            for (int i = 0; i < hero.length; i++) {
                d.sendRum(rum(T0 + i * 1000, "/product/{id}", "LCP", hero[i], "#hero", null));
            }
            for (int i = 0; i < intro.length; i++) {
                d.sendRum(rum(T0 + 10_000 + i, "/product/{id}", "LCP", intro[i], "main > p.intro", null));
            }
            d.sendRum(rum(T0 + 20_000, "/product/{id}", "LCP", 800, null, null)); // no attribution: rum_stats only
            close(d);
            List<RumElementStats> rows = d.readRumElements();
            assertThat(d.readDeadLetters()).isEmpty();
            assertThat(rows).extracting(RumElementStats::getRank, RumElementStats::getDimension, RumElementStats::getValue,
                    RumElementStats::getCount, RumElementStats::getShare, RumElementStats::getRows, RumElementStats::getOverflow)
                .containsExactly(
                    tuple(1, "element", "#hero", 6L, 6 / 9.0, 2, false),
                    tuple(2, "element", "main > p.intro", 3L, 3 / 9.0, 2, false));
            RumElementStats first = rows.get(0);
            assertThat(first.getApp()).isEqualTo("shop");
            assertThat(first.getPage()).isEqualTo("/product/{id}");
            assertThat(first.getVital()).isEqualTo("LCP");
            assertThat(first.getDeviceClass()).isEqualTo("mobile");
            assertThat(first.getUnit()).isEqualTo("ms");
            assertThat(first.getWindowStart().toEpochMilli()).isEqualTo(Math.floorDiv(T0, MIN) * MIN);
            assertThat(first.getWindowEnd().toEpochMilli() - first.getWindowStart().toEpochMilli()).isEqualTo(MIN);
            double p75 = Quantiles.exact(hero, 0.75);
            assertThat(first.getP75()).isCloseTo(p75, within(p75 * 0.01));
            assertThat(first.getMax()).isEqualTo(6000.0);
            assertThat(first.getPoorShare()).as("LCP > 4 s is poor: 4500, 5200, 6000").isEqualTo(0.5);
            assertThat(rows.get(1).getPoorShare()).isZero();

            WindowStats lcp = d.readStats().stream().filter(s -> s.getName().equals("LCP")).findFirst().orElseThrow();
            assertThat(lcp.getCount()).as("every LCP event, with or without an element").isEqualTo(10);
        }
    }

    @Test
    void shouldRowInpTargetsAndScriptsSeparatelyAndIgnoreElementsOfOtherVitals() {
        String script = "https://shop.example/app.js slowBuyHandler";
        try (StatsDriver d = new StatsDriver(keys())) {
            d.sendRum(rum(T0, "/cart", "INP", 320, "#buy", script));
            d.sendRum(rum(T0 + 1, "/cart", "INP", 180, "#buy", null));
            d.sendRum(rum(T0 + 2, "/cart", "INP", 90, "nav > a", null));
            d.sendRum(rum(T0 + 3, "/cart", "CLS", 0.3, "div.banner", null));
            d.sendRum(rum(T0 + 4, "/cart", "FCP", 700, "#ignored", script)); // FCP has no attribution rows
            d.sendRum(rum(T0 + 5, "/cart", "LCP", 1000, null, script)); // a script only counts for INP
            close(d);
            List<RumElementStats> rows = d.readRumElements().stream()
                .sorted(Comparator.comparing(RumElementStats::getVital).thenComparing(RumElementStats::getDimension)
                    .thenComparing(RumElementStats::getRank)).toList();
            assertThat(rows).extracting(RumElementStats::getVital, RumElementStats::getDimension, RumElementStats::getValue,
                    RumElementStats::getCount, RumElementStats::getMax)
                .containsExactly(
                    tuple("CLS", "element", "div.banner", 1L, 0.3),
                    tuple("INP", "element", "#buy", 2L, 320.0),
                    tuple("INP", "element", "nav > a", 1L, 90.0),
                    tuple("INP", "script", script, 1L, 320.0));
            assertThat(rows.get(0).getUnit()).isEqualTo("score");
            assertThat(rows.get(0).getPoorShare()).as("CLS 0.3 is poor").isEqualTo(1.0);
        }
    }

    @Test
    void shouldFoldElementsBeyondTheCapIntoOneOverflowRowPerPageAndVital() {
        try (StatsDriver d = new StatsDriver(keys("stats.rum.elements.cap", "2"))) {
            for (int e = 0; e < 5; e++) { // #e0 .. #e4, e + 1 events each: 15 events
                for (int i = 0; i <= e; i++) {
                    d.sendRum(rum(T0 + e * 1000 + i, "/a", "LCP", 1000 + e, "#e" + e, null));
                }
            }
            d.sendRum(rum(T0 + 9000, "/b", "LCP", 1000, "#e4", null)); // another page: its own cap
            d.sendRum(rum(T0 + 9001, "/a", "INP", 100, "#e4", null)); // another vital of /a: its own cap
            close(d);
            List<RumElementStats> rows = d.readRumElements();
            assertThat(rows).filteredOn(r -> r.getPage().equals("/a") && r.getVital().equals("LCP"))
                .extracting(RumElementStats::getRank, RumElementStats::getValue, RumElementStats::getCount,
                    RumElementStats::getOverflow, RumElementStats::getRows)
                .containsExactly(
                    tuple(1, CardinalityGuard.OVERFLOW, 3L + 4 + 5, true, 3),
                    tuple(2, "#e1", 2L, false, 3),
                    tuple(3, "#e0", 1L, false, 3));
            assertThat(rows).filteredOn(r -> !(r.getPage().equals("/a") && r.getVital().equals("LCP")))
                .extracting(RumElementStats::getPage, RumElementStats::getVital, RumElementStats::getValue)
                .containsExactlyInAnyOrder(tuple("/b", "LCP", "#e4"), tuple("/a", "INP", "#e4"));
            assertThat(rows.stream().mapToLong(RumElementStats::getCount).sum()).as("nothing dropped").isEqualTo(17);
        }
    }

    @Test
    void shouldBoundHostileValuesFromADirectProducerWithoutLosingTheEvent() {
        String huge = "x".repeat(10_000) + "#tail";
        String nasty = "#a\nb\tc\\d|e%f,g=h é\u0000";
        try (StatsDriver d = new StatsDriver(keys())) {
            d.sendRum(rum(T0, "/p", "LCP", 1000, huge, null));
            d.sendRum(rum(T0 + 1, "/p", "LCP", 1100, nasty, null));
            d.sendRum(rum(T0 + 2, "/p", "LCP", 1200, " \n\t ", null)); // blank: as if absent
            d.sendRum(rum(T0 + 3, "/p", "INP", 300, "", "\u0007".repeat(500)));
            close(d);
            assertThat(d.readDeadLetters()).as("the vitals are valid; only their attribution is bounded").isEmpty();
            List<RumElementStats> rows = d.readRumElements();
            assertThat(rows).extracting(RumElementStats::getVital, RumElementStats::getDimension, RumElementStats::getValue)
                .containsExactlyInAnyOrder(
                    tuple("LCP", "element", "..." + huge.substring(huge.length() - (RumAttributes.MAX_LENGTH - 3))),
                    tuple("LCP", "element", "#a b c?d|e%f,g=h ??"),
                    tuple("INP", "script", "..." + "?".repeat(RumAttributes.MAX_LENGTH - 3)));
            assertThat(rows).allSatisfy(r -> {
                assertThat(r.getValue().length()).isLessThanOrEqualTo(RumAttributes.MAX_LENGTH);
                assertThat(r.getValue()).matches("[\\x20-\\x7e&&[^\\\\]]+");
            });
            assertThat(d.readStats()).filteredOn(s -> s.getRoute().equals("/p"))
                .extracting(WindowStats::getName, WindowStats::getCount)
                .containsExactlyInAnyOrder(tuple("LCP", 3L), tuple("INP", 1L));
        }
    }

    @Test
    void shouldLeaveRumStatsExactlyAsWithoutAttribution() {
        List<String> events = IntStream.range(0, 200).mapToObj(i -> rum(T0 + i * 997L % (3 * MIN), "/p" + (i % 3),
            i % 2 == 0 ? "LCP" : "INP", 100 + (i * 37) % 5000, "#el" + (i % 7), i % 5 == 0 ? "s.js f" + (i % 4) : null))
            .toList();
        List<WindowStats> with;
        List<WindowStats> without;
        try (StatsDriver d = new StatsDriver(keys("stats.rum.elements.cap", "3"))) {
            events.forEach(d::sendRum);
            close(d);
            with = d.readStats();
            assertThat(d.readRumElements()).isNotEmpty();
        }
        try (StatsDriver d = new StatsDriver(keys("stats.rum.elements.enabled", "false"))) {
            events.forEach(d::sendRum);
            close(d);
            without = d.readStats();
            assertThat(d.readRumElements()).isEmpty();
        }
        assertThat(with).hasSizeGreaterThan(6).isEqualTo(without);
    }

    @Test
    void shouldMergeForwardedElementPartialsAtTheOwnerBeforeRanking() {
        SeriesOwnership two = new SeriesOwnership(2, 2);
        String theirs = IntStream.range(0, 100).mapToObj(i -> "app" + i).filter(a -> two.ownerOf(a) == 1).findFirst()
            .orElseThrow();
        String mine = IntStream.range(0, 100).mapToObj(i -> "app" + i).filter(a -> two.ownerOf(a) == 0).findFirst()
            .orElseThrow();
        Map<String, String> k = keys("stats.windows", "10s", "stats.rollup", "off", "stats.grace", "5s",
            "stats.rum.elements.cap", "1");
        long t0 = StatsDriver.NOW.toEpochMilli() - 120_000;
        List<TestRecord<String, byte[]>> partials;
        try (StatsDriver d = new StatsDriver(k, two)) {
            d.sendRum(rum(t0, "/p", "LCP", 3000, "#hero", null).replace("\"shop\"", "\"" + theirs + "\""));
            d.sendRum(rum(t0 + 1, "/p", "LCP", 1000, "#late-comer", null).replace("\"shop\"", "\"" + theirs + "\""));
            d.sendRum(StatsDriver.vital(t0 + 20_000, mine, "/x", "TTFB", 1, "desktop")); // past the window's grace
            partials = d.partialsOut.readRecordsToList().stream().filter(r -> r.key() != null).toList();
            assertThat(partials).extracting(TestRecord::key).as("not capped here: the owner caps").containsExactlyInAnyOrder(
                "RUM|LCP|" + theirs + "|/p|mobile",
                "RUM|@element.LCP|" + theirs + "|/p|mobile|#hero",
                "RUM|@element.LCP|" + theirs + "|/p|mobile|#late-comer");
            assertThat(d.readRumElements()).as("not this task's app").isEmpty();
        }
        try (StatsDriver owner = new StatsDriver(k, new SeriesOwnership(2, 1))) {
            owner.sendRum(rum(t0 + 500, "/p", "LCP", 5000, "#hero", null).replace("\"shop\"", "\"" + theirs + "\""));
            partials.forEach(p -> owner.partialsIn.pipeInput(p.key(), p.value()));
            owner.sendRum(StatsDriver.vital(t0 + 30_000, theirs, "/y", "TTFB", 1, "desktop"));
            assertThat(owner.readRumElements()).as("waits for the other task's watermark").isEmpty();
            owner.partialsIn.pipeInput(null, PartialRecord.watermark(1, t0 + 15_000));
            assertThat(owner.readRumElements()).extracting(RumElementStats::getValue, RumElementStats::getCount,
                    RumElementStats::getMax)
                .containsExactly(tuple("#hero", 2L, 5000.0), tuple(CardinalityGuard.OVERFLOW, 1L, 1000.0));
        }
    }
}
