package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.stats.state.PartialRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The distinct instances of a window's events ({@code WindowStats.instances}): counted per series and window, null
 * without any, and the same when part of a series' events reach another task and come back as a partial; a window
 * with more instances than the stage counts says so instead of giving the cap as a count.
 */
class InstanceCountTopologyTest {
    private static final SeriesOwnership TWO = new SeriesOwnership(2, 2);
    private static final long NOW = StatsDriver.NOW.toEpochMilli();

    private static Map<String, String> keys() {
        Map<String, String> m = new HashMap<>();
        m.put("stats.application.id", "stats-instances");
        m.put("stats.store", "memory");
        m.put("stats.windows", "10s,1m");
        m.put("stats.rollup", "off");
        m.put("stats.grace", "5s");
        return m;
    }

    static String event(long ts, String service, String route, String instance) {
        return String.format(Locale.ROOT, "{\"timestamp\":%d,\"service\":\"%s\",\"metric\":\"http.server.duration\","
            + "\"value\":12.5,\"route\":\"%s\"%s}", ts, service, route,
            instance == null ? "" : ",\"instance\":\"" + instance + "\"");
    }

    /** The window of this route and size that starts at the minute of {@code NOW - 5 min}. */
    private static WindowStats only(List<WindowStats> all, String route, long size) {
        long t0 = (NOW - 5 * 60_000) / 60_000 * 60_000;
        List<WindowStats> w = all.stream().filter(s -> s.getRoute().equals(route) && s.getWindowStart().toEpochMilli() == t0
            && s.getWindowEnd().toEpochMilli() - s.getWindowStart().toEpochMilli() == size).toList();
        assertThat(w).as("%s windows of %d ms", route, size).hasSize(1);
        return w.get(0);
    }

    @Test
    void shouldCountDistinctInstancesPerSeriesAndWindow() {
        long t0 = (NOW - 5 * 60_000) / 60_000 * 60_000;
        try (StatsDriver d = new StatsDriver(keys())) {
            // /a: pod-1 three times, pod-2, pod-3 in the first 10 s; pod-4 later in the same minute
            for (String pod : List.of("pod-1", "pod-2", "pod-1", "pod-3", "pod-1")) {
                d.sendMetric(event(t0 + 1000, "shop", "/a", pod));
            }
            d.sendMetric(event(t0 + 30_000, "shop", "/a", "pod-4"));
            d.sendMetric(event(t0 + 2000, "shop", "/b", null)); // no instance
            d.sendMetric(event(t0 + 3 * 60_000, "shop", "/c", "pod-1")); // closes the first minute
            List<WindowStats> out = d.readStats();
            assertThat(only(out, "/a", 10_000).getInstances()).isEqualTo(3);
            assertThat(only(out, "/a", 60_000).getInstances()).isEqualTo(4);
            assertThat(only(out, "/b", 60_000).getInstances()).as("no event carried one").isNull();
        }
    }

    @Test
    void shouldCountEveryInstanceOnceWhenAPartialFromAnotherTaskIsMerged() {
        String theirs = IntStream.range(0, 100).mapToObj(i -> "svc" + i).filter(s -> TWO.ownerOf(s) == 1).findFirst()
            .orElseThrow();
        String mine = IntStream.range(0, 100).mapToObj(i -> "svc" + i).filter(s -> TWO.ownerOf(s) == 0).findFirst()
            .orElseThrow();
        long t0 = (NOW - 5 * 60_000) / 60_000 * 60_000;
        List<TestRecord<String, byte[]>> partials;
        try (StatsDriver d = new StatsDriver(keys(), TWO)) {
            d.sendMetric(event(t0 + 1000, theirs, "/a", "pod-1"));
            d.sendMetric(event(t0 + 1001, theirs, "/a", "pod-2"));
            d.sendMetric(event(t0 + 30_000, mine, "/x", "pod-9")); // past the 10 s window's end: the partial goes out
            partials = d.partialsOut.readRecordsToList().stream().filter(r -> r.key() != null).toList();
            assertThat(partials).isNotEmpty();
        }
        try (StatsDriver owner = new StatsDriver(keys(), new SeriesOwnership(2, 1))) {
            owner.sendMetric(event(t0 + 1500, theirs, "/a", "pod-2")); // also seen by the other task
            owner.sendMetric(event(t0 + 1600, theirs, "/a", "pod-3"));
            partials.forEach(p -> owner.partialsIn.pipeInput(p.key(), p.value()));
            owner.sendMetric(event(t0 + 3 * 60_000, theirs, "/b", "pod-1"));
            owner.partialsIn.pipeInput(null, PartialRecord.watermark(1, t0 + 3 * 60_000));
            List<WindowStats> out = owner.readStats();
            assertThat(only(out, "/a", 10_000).getInstances()).as("pod-1, pod-2 and pod-3").isEqualTo(3);
            assertThat(only(out, "/a", 60_000).getInstances()).isEqualTo(3);
            assertThat(only(out, "/a", 60_000).getCount()).isEqualTo(4);
        }
    }

    @Test
    void shouldSayTheCountIsUnknownRatherThanGiveTheCapWhenAWindowSawMoreInstancesThanItCounts() {
        long t0 = (NOW - 5 * 60_000) / 60_000 * 60_000;
        int cap = dev.perfstream.streams.stats.state.WindowAccumulator.MAX_INSTANCES;
        try (StatsDriver d = new StatsDriver(keys())) {
            for (int i = 0; i < cap - 1; i++) { // /exact: one fewer than the cap, every one counted
                d.sendMetric(event(t0 + 1000, "shop", "/exact", "pod-" + i));
            }
            for (int i = 0; i < cap + 476; i++) { // /many: 1,500 pods
                d.sendMetric(event(t0 + 2000, "shop", "/many", "pod-" + i));
            }
            d.sendMetric(event(t0 + 3 * 60_000, "shop", "/c", "pod-1")); // closes the first minute
            List<WindowStats> out = d.readStats();
            WindowStats exact = only(out, "/exact", 60_000);
            assertThat(exact.getInstances()).isEqualTo(cap - 1);
            assertThat(exact.getInstancesOverflow()).isNull();
            for (long size : List.of(10_000L, 60_000L)) {
                WindowStats many = only(out, "/many", size);
                assertThat(many.getInstances()).as("not %d: that would read as an exact count", cap).isNull();
                assertThat(many.getInstancesOverflow()).isTrue();
                assertThat(many.getCount()).isEqualTo(cap + 476);
            }
        }
    }
}
