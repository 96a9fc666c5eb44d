package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.stats.state.PartialRecord;
import dev.perfstream.testkit.LogCapture;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Series ownership and the quiet-input rule through the whole topology (TopologyTestDriver runs one
 * task, index 0; another task is played by piping its partials and watermarks in).
 */
class StatsOwnershipTopologyTest {
    static final long NOW = StatsDriver.NOW.toEpochMilli();
    static final SeriesOwnership TWO = new SeriesOwnership(2, 2);

    private static Map<String, String> keys(String... kv) {
        Map<String, String> m = new HashMap<>();
        m.put("stats.application.id", "stats-own");
        m.put("stats.store", "memory");
        m.put("stats.windows", "10s,1m");
        m.put("stats.rollup", "off");
        m.put("stats.grace", "5s");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** A service that task {@code task} owns among two. */
    private static String serviceOwnedBy(int task) {
        return IntStream.range(0, 100).mapToObj(i -> "svc" + i).filter(s -> TWO.ownerOf(s) == task).findFirst().orElseThrow();
    }

    @Test
    void shouldForwardAForeignSeriesAsOnePartialPerWindowAndCloseOwnedWindowsOnlyAfterTheOtherTasksWatermark() {
        String mine = serviceOwnedBy(0);
        String theirs = serviceOwnedBy(1);
        long t0 = NOW - 120_000;
        TestRecord<String, byte[]> partial;
        try (StatsDriver d = new StatsDriver(keys(), TWO)) {
            for (int i = 0; i < 10; i++) {
                d.sendMetric(StatsDriver.metric(t0 + i * 900, mine, "/a", 10 + i, "OK"));
                d.sendMetric(StatsDriver.metric(t0 + i * 900, theirs, "/b", 100 + i, i == 3 ? "ERROR" : "OK"));
            }
            d.sendMetric(StatsDriver.metric(t0 + 20_000, mine, "/a", 1, "OK")); // stream time past both 10 s windows' grace
            // this task announced its watermarks and forwarded the foreign window once, before any watermark past it
            List<TestRecord<String, byte[]>> out = d.partialsOut.readRecordsToList();
            List<String> partialKeys = out.stream().map(TestRecord::key).filter(k -> k != null).toList();
            assertThat(partialKeys).containsExactly(SeriesKey.metric("http.server.duration", theirs, "/b").id());
            int partialAt = -1;
            for (int i = 0; i < out.size(); i++) {
                if (out.get(i).key() != null) {
                    partialAt = i;
                }
            }
            assertThat(out.subList(0, partialAt)).allSatisfy(r -> assertThat(r.key()).isNull());
            // the driver's one task gets its own partial back; a series it does not own is refused, not merged
            assertThat(d.readDeadLetters()).singleElement().satisfies(x -> assertThat(x.getReason()).contains("not owned"));
            d.partialsIn.pipeInput(null, PartialRecord.watermark(1, t0 + 15_000));
            assertThat(d.readStats()).extracting(WindowStats::getService).containsExactly(mine);
            partial = out.get(partialAt);
        }
        // the owner: one task that owns every series, and waits for task 1's watermark
        try (StatsDriver owner = new StatsDriver(keys(), new SeriesOwnership(2, 1))) {
            owner.sendMetric(StatsDriver.metric(t0 + 500, theirs, "/b", 1000, "OK"));
            owner.partialsIn.pipeInput(partial.key(), partial.value());
            owner.sendMetric(StatsDriver.metric(t0 + 30_000, theirs, "/b", 1, "OK"));
            assertThat(owner.readStats()).isEmpty();
            owner.partialsIn.pipeInput(null, PartialRecord.watermark(1, t0 + 15_000));
            List<WindowStats> closed = owner.readStats();
            assertThat(closed).hasSize(1);
            WindowStats b = closed.get(0);
            assertThat(b.getService()).isEqualTo(theirs);
            assertThat(b.getWindowStart().toEpochMilli()).isEqualTo(t0);
            assertThat(b.getCount()).isEqualTo(11);
            assertThat(b.getErrors()).isEqualTo(1);
            assertThat(b.getMin()).isEqualTo(100);
            assertThat(b.getMax()).isEqualTo(1000);
            assertThat(owner.readDeadLetters()).isEmpty();
        }
    }

    @Test
    void shouldDeadLetterAnUndecodablePartialAndOneForAWindowAlreadyClosed() {
        String mine = serviceOwnedBy(0);
        long t0 = NOW - 120_000;
        try (StatsDriver d = new StatsDriver(keys(), TWO)) {
            d.partialsIn.pipeInput("METRIC|x|" + mine + "|/a", new byte[] {9, 9, 9});
            d.sendMetric(StatsDriver.metric(t0, mine, "/a", 1, "OK"));
            d.sendMetric(StatsDriver.metric(t0 + 30_000, mine, "/a", 1, "OK"));
            d.partialsIn.pipeInput(null, PartialRecord.watermark(1, t0 + 30_000));
            assertThat(d.readStats()).hasSize(1);
            List<DeadLetter> dead = d.readDeadLetters();
            assertThat(dead).extracting(DeadLetter::getReasonCode).containsExactly("parse");
            assertThat(dead.get(0).getSourceTopic()).isEqualTo(d.config.partialsTopic());
        }
    }

    @Test
    void shouldCloseWindowsOfAQuietInputWithinWindowPlusGracePlusIdleOfWallClockAndCountLaterEventsLate() {
        long end = NOW; // a 10 s window [NOW - 10 s, NOW)
        try (StatsDriver d = new StatsDriver(keys("stats.idle.close", "10s"), new SeriesOwnership(1, 1))) {
            d.sendMetric(StatsDriver.metric(end - 4_000, "svc", "/a", 7, "OK"));
            d.sendMetric(StatsDriver.metric(end - 3_000, "svc", "/a", 8, "OK"));
            // no more events: the wall clock goes on from NOW
            int waited = 0;
            while (d.readStats().isEmpty() && waited < 30) {
                d.driver.advanceWallClockTime(Duration.ofSeconds(1));
                waited++;
            }
            // end + grace (5 s) + idle (10 s), and the 1 s tick
            assertThat(waited).isBetween(15, 16);
            d.sendMetric(StatsDriver.metric(end - 2_000, "svc", "/a", 9, "OK"));
            assertThat(d.readDeadLetters()).extracting(DeadLetter::getReasonCode).containsExactly("late");
        }
    }
    @Test
    void shouldSayInTheLogWhenDueWindowsWaitAMinuteForAnotherTasksWatermark() {
        String mine = serviceOwnedBy(0);
        long t0 = NOW - 120_000;
        try (LogCapture logs = new LogCapture(StatsProcessor.class); StatsDriver d = new StatsDriver(keys(), TWO)) {
            d.sendMetric(StatsDriver.metric(t0, mine, "/a", 10, "OK"));
            d.sendMetric(StatsDriver.metric(t0 + 20_000, mine, "/a", 1, "OK")); // the first 10 s window is due
            for (int s = 0; s < 60; s++) {
                d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            assertThat(logs.messages()).noneMatch(m -> m.contains("for task 1"));
            d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            assertThat(logs.messages()).filteredOn(m -> m.contains("for task 1"))
                .singleElement().asString().contains("have waited 60 s").contains("whose watermark has stayed at (none yet)");
            assertThat(d.readStats()).as("nothing closes before task 1's watermark").isEmpty();
            d.partialsIn.pipeInput(null, PartialRecord.watermark(1, t0 + 15_000));
            assertThat(d.readStats()).extracting(w -> w.getWindowStart().toEpochMilli()).containsExactly(t0);
        }
    }
    @Test
    void shouldNotReportAnotherTasksWatermarkThatTrailsButMoves() {
        String mine = serviceOwnedBy(0);
        long t0 = NOW - 300_000;
        try (LogCapture logs = new LogCapture(StatsProcessor.class); StatsDriver d = new StatsDriver(keys(), TWO)) {
            for (int s = 0; s < 150; s++) { // task 1's event time trails by more than a window, and moves every 20 s
                d.sendMetric(StatsDriver.metric(t0 + 60_000 + s * 1_000L, mine, "/a", 10, "OK"));
                if (s % 20 == 0) {
                    d.partialsIn.pipeInput(null, PartialRecord.watermark(1, t0 + s * 1_000L));
                }
                d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            assertThat(logs.messages()).noneMatch(m -> m.contains("for task 1"));
            assertThat(d.readStats()).as("windows close as task 1's watermark passes them").isNotEmpty();
        }
    }
}
