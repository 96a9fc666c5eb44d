package dev.perfstream.streams.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReleaseReportTest {
    static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    static void add(List<WindowStats> out, String version, String route, NavigableMap<Long, ReleaseComparison.Window> ws) {
        for (Map.Entry<Long, ReleaseComparison.Window> e : ws.entrySet()) {
            Instant start = T0.plusSeconds(10 * e.getKey());
            out.add(WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName("http.server.duration").setService("shop")
                .setRoute(route).setWindowStart(start).setWindowEnd(start.plusSeconds(10)).setCount(e.getValue().count())
                .setErrors(e.getValue().errors()).setErrorRate(0).setRate(0).setMin(0).setMax(0).setMean(0).setP50(0)
                .setP75(0).setP90(0).setP95(0).setP99(0).setP999(0).setServiceVersion(version)
                .setSketch(ByteBuffer.wrap(e.getValue().sketch())).build());
        }
    }

    @Test
    void shouldPrintOneRowPerRouteWithTheVerdictAndNameFoldedVersions() throws Exception {
        SplittableRandom rnd = new SplittableRandom(21);
        List<WindowStats> in = new ArrayList<>();
        add(in, "1.0", "/slow", ReleaseComparisonTest.windows(rnd, 180, 0.45, 1, 0.005));
        add(in, "1.1", "/slow", ReleaseComparisonTest.windows(rnd, 180, 0.45, 1.3, 0.005));
        add(in, "1.0", "/same", ReleaseComparisonTest.windows(rnd, 50, 0.35, 1, 0.005));
        add(in, "1.1", "/same", ReleaseComparisonTest.windows(rnd, 50, 0.35, 1, 0.005));
        add(in, ReleaseConfig.FOLDED, "/same", new java.util.TreeMap<>(ReleaseComparisonTest.windows(rnd, 50, 0.35, 1, 0).headMap(1L)));
        String table = ReleaseReport.render(new ReleaseReport.Query("shop", "http.server.duration", "1.0", "1.1", null, null),
            in, ReleaseConfig.defaults());
        System.out.println(table);
        assertThat(table).contains("1.1 against 1.0 over the windows both served (same hours)")
            .contains("note: 70 events of versions beyond release.versions.max were folded into ~other");
        String slow = table.lines().filter(l -> l.startsWith("/slow")).findFirst().orElseThrow();
        String same = table.lines().filter(l -> l.startsWith("/same")).findFirst().orElseThrow();
        assertThat(slow).contains(" 30 ").contains("2100").endsWith("REGRESSION (p95)");
        assertThat(same).endsWith("ok");

        String ranges = ReleaseReport.render(new ReleaseReport.Query("shop", "http.server.duration", null, null,
            new Instant[] {T0, T0.plusSeconds(100)}, new Instant[] {T0.plusSeconds(100), T0.plusSeconds(300)}), in,
            ReleaseConfig.defaults());
        // all versions but the folded one: windows 0..9 against 10..29 of both versions
        assertThat(ranges.lines().filter(l -> l.startsWith("/same")).findFirst().orElseThrow()).contains(" 1400 ", " 2800 ");
        assertThat(ReleaseReport.render(new ReleaseReport.Query("shop", "http.server.duration", "1.0", "9.9", null, null),
            in, ReleaseConfig.defaults())).contains("version 9.9 has no windows in the topic");
    }
}
