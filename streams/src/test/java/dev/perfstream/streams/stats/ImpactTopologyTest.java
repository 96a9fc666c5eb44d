package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.UxImpact;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.impact.ImpactEvent;
import dev.perfstream.streams.stats.state.PartialRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Speed vs conversion in the stats topology: sessions' LCP / INP joined with their conversions per app and impact
 * window, out on perf.impact when the close time passes the window's end plus grace; conversions are in no
 * window statistics; bad conversions are dead-lettered; an app another task owns has its events forwarded.
 */
class ImpactTopologyTest {
    static final long NOW = StatsDriver.NOW.toEpochMilli();
    static final long MINUTE = 60_000;

    private static Map<String, String> keys(String id) {
        Map<String, String> m = new HashMap<>();
        m.put("stats.application.id", id);
        m.put("stats.store", "memory");
        m.put("stats.windows", "10s");
        m.put("stats.rollup", "off");
        m.put("stats.grace", "5s");
        m.put("stats.impact.window", "1m");
        return m;
    }

    static String vital(long ts, String app, String page, String vital, double value, String session) {
        return String.format(Locale.ROOT,
            "{\"timestamp\":%d,\"app\":\"%s\",\"page\":\"%s\",\"vital\":\"%s\",\"value\":%s,\"sessionHash\":\"%s\"}",
            ts, app, page, vital, Double.toString(value), session);
    }

    static String conversion(long ts, String app, String page, String goal, String session) {
        return String.format(Locale.ROOT,
            "{\"timestamp\":%d,\"app\":\"%s\",\"page\":\"%s\",\"conversion\":\"%s\",\"value\":1%s}",
            ts, app, page, goal, session == null ? "" : ",\"sessionHash\":\"" + session + "\"");
    }

    /** 6 sessions on /checkout: LCP good x3 (2 convert), needs-improvement x2 (1), poor x1 (0). */
    private static void checkoutSessions(StatsDriver d, long t0, String app) {
        double[] lcp = {1200, 1800, 2400, 3000, 3600, 4500};
        boolean[] converts = {true, true, false, true, false, false};
        for (int i = 0; i < lcp.length; i++) {
            d.sendRum(vital(t0 + i * 1000, app, "/checkout", "LCP", lcp[i], "s" + i));
            d.sendRum(vital(t0 + i * 1000 + 1, app, "/checkout", "INP", 150, "s" + i));
        }
        for (int i = 0; i < lcp.length; i++) {
            if (converts[i]) { // on another page, later in the window
                d.sendRum(conversion(t0 + 30_000 + i, app, "/order/{id}", "checkout", "s" + i));
            }
        }
    }

    @Test
    void shouldJoinSessionsWithTheirConversionsAndEmitWhenTheWindowCloses() {
        long t0 = Math.floorDiv(NOW - 10 * MINUTE, MINUTE) * MINUTE;
        try (StatsDriver d = new StatsDriver(keys("stats-impact"))) {
            checkoutSessions(d, t0, "shop");
            d.sendRum(vital(t0 + 50_000, "shop", "/checkout", "LCP", 900, "late-visitor")); // no conversion
            d.sendRum(vital(t0 + 59_000, "shop", "/checkout", "CLS", 0.01, "s0")); // not joined
            assertThat(d.readImpact()).as("the window is open").isEmpty();
            d.sendRum(vital(t0 + MINUTE + 6_000, "shop", "/", "TTFB", 100, "x")); // past end + grace
            List<UxImpact> out = d.readImpact();
            assertThat(out).extracting(UxImpact::getPage, UxImpact::getGoal, UxImpact::getVital).containsExactly(
                tuple("/checkout", "checkout", "LCP"), tuple("/checkout", "checkout", "INP"));
            UxImpact lcp = out.get(0);
            assertThat(lcp.getWindowStart().toEpochMilli()).isEqualTo(t0);
            assertThat(lcp.getWindowEnd().toEpochMilli()).isEqualTo(t0 + MINUTE);
            assertThat(lcp.getSessions()).isEqualTo(7);
            assertThat(lcp.getConverted()).isEqualTo(3);
            assertThat(lcp.getGoodSessions()).isEqualTo(4);
            assertThat(lcp.getGoodRate()).isEqualTo(0.5);
            assertThat(lcp.getNeedsImprovementSessions()).isEqualTo(2);
            assertThat(lcp.getNeedsImprovementRate()).isEqualTo(0.5);
            assertThat(lcp.getPoorSessions()).isEqualTo(1);
            assertThat(lcp.getPoorRate()).isEqualTo(0.0);
            assertThat(lcp.getP75Rating()).isEqualTo("NEEDS_IMPROVEMENT"); // 3 of 7 above good
            assertThat(lcp.getMovedShare()).isEqualTo(3 / 7.0 - 0.25);
            assertThat(lcp.getRateDifference()).isEqualTo(0.0);
            UxImpact inp = out.get(1);
            assertThat(inp.getSessions()).isEqualTo(6);
            assertThat(inp.getGoodRate()).isEqualTo(0.5);
            assertThat(inp.getNote()).isEqualTo("p75 is good already");
            assertThat(d.readStats()).extracting(WindowStats::getName).doesNotContain("CONVERSION").contains("LCP", "INP");
            assertThat(d.readDeadLetters()).isEmpty();
        }
    }

    @Test
    void shouldDeadLetterConversionsWithoutASessionOrWithABadGoal() {
        long t0 = NOW - 5 * MINUTE;
        try (StatsDriver d = new StatsDriver(keys("stats-impact-bad"))) {
            d.sendRum(conversion(t0, "shop", "/done", "checkout", null));
            d.sendRum(conversion(t0, "shop", "/done", "check out!", "s1"));
            d.sendRum("{\"timestamp\":" + t0 + ",\"app\":\"shop\",\"page\":\"/\",\"value\":1,\"sessionHash\":\"s\"}");
            d.sendRum("{\"timestamp\":" + t0 + ",\"app\":\"shop\",\"page\":\"/\",\"vital\":\"LCP\",\"value\":1,"
                + "\"conversion\":\"checkout\",\"sessionHash\":\"s\"}");
            assertThat(d.readDeadLetters()).extracting(DeadLetter::getReasonCode, DeadLetter::getReason).containsExactly(
                tuple("validation", "field 'sessionHash' is required on a conversion (it is joined with the session's vitals)"),
                tuple("validation", "field 'conversion' must be 1 to 64 characters of [A-Za-z0-9._-], got \"check out!\""),
                tuple("validation", "field 'vital' is required (one of [LCP, INP, CLS, FCP, TTFB, PAGE_LOAD]), unless the"
                    + " event is a conversion (field 'conversion')"),
                tuple("validation", "field 'vital' must be null on a conversion (field 'conversion' is \"checkout\"), got LCP"));
        }
    }

    @Test
    void shouldForwardTheEventsOfAnAppAnotherTaskOwnsAndJoinThemAtTheOwner() {
        SeriesOwnership two = new SeriesOwnership(2, 2);
        String theirs = IntStream.range(0, 100).mapToObj(i -> "app" + i).filter(a -> two.ownerOf(a) == 1).findFirst()
            .orElseThrow();
        String mine = IntStream.range(0, 100).mapToObj(i -> "app" + i).filter(a -> two.ownerOf(a) == 0).findFirst()
            .orElseThrow();
        long t0 = Math.floorDiv(NOW - 10 * MINUTE, MINUTE) * MINUTE;
        List<TestRecord<String, byte[]>> forwarded;
        try (StatsDriver d = new StatsDriver(keys("stats-impact-own"), two)) {
            checkoutSessions(d, t0, theirs);
            d.sendRum(vital(t0 + MINUTE + 20_000, mine, "/", "TTFB", 100, "x"));
            forwarded = d.partialsOut.readRecordsToList().stream().filter(r -> ImpactEvent.isKey(r.key())).toList();
            assertThat(forwarded).hasSize(6 + 6 + 3).allSatisfy(r -> assertThat(r.key()).isEqualTo("IMPACT|" + theirs));
            assertThat(d.readImpact()).as("not this task's app").isEmpty();
        }
        try (StatsDriver owner = new StatsDriver(keys("stats-impact-owner"), new SeriesOwnership(2, 1))) {
            forwarded.forEach(p -> owner.partialsIn.pipeInput(p.key(), p.value()));
            owner.sendRum(vital(t0 + MINUTE + 20_000, theirs, "/", "TTFB", 100, "x"));
            assertThat(owner.readImpact()).as("waits for the other task's watermark").isEmpty();
            owner.partialsIn.pipeInput(null, PartialRecord.watermark(1, t0 + MINUTE + 10_000));
            List<UxImpact> out = owner.readImpact();
            assertThat(out).extracting(UxImpact::getVital, UxImpact::getSessions, UxImpact::getConverted)
                .containsExactly(tuple("LCP", 6L, 3L), tuple("INP", 6L, 3L));
            assertThat(out.get(0).getGoodRate()).isEqualTo(2 / 3.0);
        }
    }
}
