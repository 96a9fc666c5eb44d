package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.release.ReleaseConfig;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Per-version windows of release comparison in the stats stage. */
class StatsReleaseTopologyTest {
    static final long T0 = StatsTopologyTest.T0;

    private static StatsDriver driver(String... extra) {
        Map<String, String> m = new java.util.HashMap<>(Map.of("stats.application.id", "stats-release-test",
            "stats.store", "memory"));
        for (int i = 0; i < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return new StatsDriver(m);
    }

    static String versioned(long ts, String service, String route, double value, String outcome, String version) {
        String json = StatsDriver.metric(ts, service, route, value, outcome);
        return json.substring(0, json.length() - 1) + ",\"serviceVersion\":" + version + "}";
    }

    @Test
    void shouldEmitPerVersionWindowsOfTheReleaseWindowWithTheirSketchBesideTheRouteSeries() throws Exception {
        try (StatsDriver d = driver()) {
            for (int i = 0; i < 600; i++) {
                String version = i % 4 == 0 ? "\"2.0.0\"" : "\"1.9.0\"";
                d.sendMetric(versioned(T0 + i * 100L, "checkout", "/api/cart", 10 + i % 50, i % 10 == 0 ? "ERROR" : "OK", version));
            }
            d.sendMetric(StatsDriver.metric(T0 + 10 * 60_000, "closer", "/x", 1, "OK"));
            List<WindowStats> out = d.readStats();
            assertThat(d.readDeadLetters()).isEmpty();
            List<WindowStats> route = out.stream().filter(s -> s.getService().equals("checkout") && s.getServiceVersion() == null)
                .collect(Collectors.toList());
            List<WindowStats> release = out.stream().filter(s -> s.getServiceVersion() != null).collect(Collectors.toList());
            // the route's own windows are unchanged: every size, all 600 events
            assertThat(route.stream().filter(s -> size(s) == 60_000).mapToLong(WindowStats::getCount).sum()).isEqualTo(600);
            assertThat(route.stream().filter(s -> size(s) == 10_000).mapToLong(WindowStats::getCount).sum()).isEqualTo(600);
            // per version: windows of release.window (1 min by default) only, counts and errors exact, sketch decodable
            assertThat(release).hasSize(2).allSatisfy(s -> assertThat(size(s)).isEqualTo(60_000));
            Map<String, Long> counts = release.stream().collect(Collectors.groupingBy(WindowStats::getServiceVersion,
                Collectors.summingLong(WindowStats::getCount)));
            assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("2.0.0", 150L, "1.9.0", 450L));
            assertThat(release.stream().filter(s -> s.getServiceVersion().equals("2.0.0")).mapToLong(WindowStats::getErrors)
                .sum()).isEqualTo(30); // i % 4 == 0 and i % 10 == 0: i % 20 == 0, 30 of 600
            for (WindowStats s : release) {
                ByteBuffer b = s.getSketch().duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                DDSketch sketch = DDSketch.decode(ByteArrayInput.wrap(bytes), UnboundedSizeDenseStore::new);
                assertThat((long) sketch.getCount()).isEqualTo(s.getCount());
                assertThat(s.getRoute()).isEqualTo("/api/cart");
                assertThat(s.getName()).isEqualTo("http.server.duration");
            }
            assertThat(route).allSatisfy(s -> assertThat(s.getSketch()).isNull());
        }
    }

    /**
     * Every per-version window against one computed here from the events of that version and window: count, errors,
     * min, max, mean and the sketch's bytes exactly, whether the route's window held one version (the route window
     * stands for it), two, or measurements without a version as well; per-version windows of the smallest size (10 s)
     * and of 1 min, merged from the route's 10 s windows (its mean then from a sum added in another order: to 1e-12).
     */
    @ParameterizedTest(name = "release.window {0} ms")
    @ValueSource(longs = {10_000, 60_000})
    void shouldEmitPerVersionWindowsEqualToTheirEventsWhetherTheRouteWindowHeldOneVersionOrMore(long window) throws Exception {
        dev.perfstream.streams.stats.state.Sketches sketches = new dev.perfstream.streams.stats.state.Sketches(0.01, 2048);
        Map<String, double[]> expected = new java.util.TreeMap<>(); // version|start -> count, errors, min, max, sum
        Map<String, DDSketch> expectedSketch = new java.util.HashMap<>();
        java.util.Random r = new java.util.Random(4);
        try (StatsDriver d = driver("release.window", window + "ms")) {
            for (int i = 0; i < 1500; i++) {
                long ts = T0 + i * 200L;
                int phase = i / 300; // 0: 1.0 only; 1: 1.0 and 1.1; 2: 1.1 with a few unversioned; 3-4: 1.1 only
                String version = phase == 0 ? "1.0" : phase == 1 ? (r.nextInt(3) == 0 ? "1.1" : "1.0")
                    : phase == 2 && r.nextInt(8) == 0 ? null : "1.1";
                double v = Math.round(Math.exp(3 + 0.7 * r.nextGaussian()) * 1000) / 1000.0;
                boolean err = r.nextInt(15) == 0;
                d.sendMetric(version == null ? StatsDriver.metric(ts, "cart", "/api/cart", v, err ? "ERROR" : "OK")
                    : versioned(ts, "cart", "/api/cart", v, err ? "ERROR" : "OK", "\"" + version + "\""));
                if (version != null) {
                    String k = version + "|" + (ts - Math.floorMod(ts, window));
                    double[] a = expected.computeIfAbsent(k, x -> new double[] {0, 0, Double.MAX_VALUE, -Double.MAX_VALUE, 0});
                    a[0]++;
                    a[1] += err ? 1 : 0;
                    a[2] = Math.min(a[2], v);
                    a[3] = Math.max(a[3], v);
                    a[4] += v;
                    expectedSketch.computeIfAbsent(k, x -> sketches.create()).accept(v);
                }
            }
            d.sendMetric(StatsDriver.metric(T0 + 10 * 60_000, "closer", "/x", 1, "OK"));
            List<WindowStats> release = d.readStats().stream().filter(s -> s.getServiceVersion() != null)
                .collect(Collectors.toList());
            assertThat(d.readDeadLetters()).isEmpty();
            assertThat(release).hasSize(expected.size());
            for (WindowStats s : release) {
                String k = s.getServiceVersion() + "|" + s.getWindowStart().toEpochMilli();
                double[] a = expected.get(k);
                assertThat(a).as(k).isNotNull();
                assertThat(new double[] {s.getCount(), s.getErrors(), s.getMin(), s.getMax()}).as(k)
                    .containsExactly(a[0], a[1], a[2], a[3]);
                assertThat(s.getMean()).as(k).isCloseTo(a[4] / a[0], org.assertj.core.data.Offset.offset(window == 10_000 ? 0 : 1e-12));
                assertThat(size(s)).isEqualTo(window);
                com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput out =
                    com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput.withDefaultInitialCapacity();
                expectedSketch.get(k).encode(out, false);
                ByteBuffer b = s.getSketch().duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                assertThat(bytes).as(k).isEqualTo(out.trimmedCopy());
                assertThat(s.getLateEvents()).isZero();
                assertThat(s.getInstances()).isNull();
            }
            assertThat(expected.keySet().stream().filter(k -> k.startsWith("1.0|")).count()).isGreaterThan(5 * 10_000 / window);
            assertThat(expected.keySet().stream().filter(k -> k.startsWith("1.1|")).count()).isGreaterThan(15 * 10_000 / window);
        }
    }

    @Test
    void shouldFoldVersionsOverTheCapIntoOtherAndLetAnIdleVersionAgeOut() {
        try (StatsDriver d = driver("release.versions.max", "2", "release.version.idle", "1m")) {
            d.sendMetric(versioned(T0, "a", "/r", 1, "OK", "\"v1\""));
            d.sendMetric(versioned(T0 + 1000, "a", "/r", 1, "OK", "\"v2\""));
            d.sendMetric(versioned(T0 + 2000, "a", "/r", 1, "OK", "\"v3\"")); // cap of 2 reached: folded
            d.sendMetric(versioned(T0 + 3000, "a", "/r", 1, "OK", "\"v2\""));
            d.sendMetric(versioned(T0 + 70_000, "a", "/r", 1, "OK", "\"v2\""));
            d.sendMetric(versioned(T0 + 75_000, "a", "/r", 1, "OK", "\"v4\"")); // v1 idle for 75 s: v4 takes its place
            d.sendMetric(StatsDriver.metric(T0 + 10 * 60_000, "closer", "/x", 1, "OK"));
            Map<String, Long> counts = d.readStats().stream().filter(s -> s.getServiceVersion() != null)
                .collect(Collectors.groupingBy(WindowStats::getServiceVersion, Collectors.summingLong(WindowStats::getCount)));
            assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("v1", 1L, "v2", 3L, ReleaseConfig.FOLDED, 1L, "v4", 1L));
        }
    }

    @Test
    void shouldDeadLetterEventsWithAnEmptyTooLongOrControlCharacterVersionAndKeepTheOthers() {
        try (StatsDriver d = driver()) {
            d.sendMetric(versioned(T0, "a", "/r", 5, "OK", "\"\""));
            d.sendMetric(versioned(T0, "a", "/r", 5, "OK", "\"" + "9".repeat(65) + "\""));
            d.sendMetric(versioned(T0, "a", "/r", 5, "OK", "\"1.0\\u0000\""));
            d.sendMetric(versioned(T0, "a", "/r", 5, "OK", "\"1.0\""));
            d.sendMetric(StatsDriver.metric(T0 + 10 * 60_000, "closer", "/x", 1, "OK"));
            List<DeadLetter> dead = d.readDeadLetters();
            assertThat(dead).extracting(DeadLetter::getReason).containsExactly(
                "field 'serviceVersion' must not be empty (omit it instead)",
                "field 'serviceVersion' is 65 characters, over the limit of 64",
                "field 'serviceVersion' has control character U+0000 at index 3; only printable characters are allowed");
            assertThat(dead).extracting(DeadLetter::getReasonCode).containsOnly("validation");
            assertThat(d.readStats().stream().filter(s -> s.getService().equals("a") && size(s) == 60_000
                    && s.getServiceVersion() == null)
                .mapToLong(WindowStats::getCount).sum()).isEqualTo(1);
        }
    }

    private static long size(WindowStats s) {
        return s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli();
    }
}
