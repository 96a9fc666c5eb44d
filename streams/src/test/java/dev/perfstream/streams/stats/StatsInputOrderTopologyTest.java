package dev.perfstream.streams.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.testkit.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Stream time under {@code max.task.idle.ms=-1}: Kafka Streams no longer waits for an input partition
 * that is empty locally but has data on the broker, so the stage holds stream time back itself while
 * one input (metrics or RUM) lags or has records waiting in Kafka Streams' buffer, and lets a caught-up
 * input hold nothing back.
 */
class StatsInputOrderTopologyTest {
    private static final long T0 = StatsDriver.NOW.toEpochMilli() - 3_600_000; // an hour before the wall clock

    /** The metrics partition is read to its end; the RUM partition is as {@code rumCaughtUp} says. */
    private static final class Lag implements InputLag {
        final String rumTopic;
        boolean rumCaughtUp;
        long settle;

        Lag(String rumTopic) {
            this.rumTopic = rumTopic;
        }

        @Override
        public long settleMillis() {
            return settle;
        }

        @Override
        public boolean caughtUp(int partition) {
            return rumCaughtUp;
        }

        @Override
        public boolean caughtUp(String topic, int partition) {
            return !topic.equals(rumTopic) || rumCaughtUp;
        }
    }

    private static final Map<String, String> KEYS = StatsDriver.oneMinute("stats-order", "stats.grace", "5s");
    private static final String RUM = StatsConfig.from(Settings.of(KEYS)).rumTopic();

    private static StatsDriver driver(Lag lag) {
        return new StatsDriver(KEYS, SeriesOwnership.SINGLE, lag);
    }

    @Test
    void shouldHoldStreamTimeWhileTheRumPartitionStillHasDataOnTheBroker() {
        Lag lag = new Lag(RUM);
        try (StatsDriver d = driver(lag)) {
            d.sendRum(StatsDriver.vital(T0 + 1_000, "shop", "/", "LCP", 1200, "desktop"));
            d.sendMetric(StatsDriver.metric(T0 + 2_000, "svc", "/a", 7, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 310_000, "svc", "/a", 8, "OK")); // metrics 5 minutes ahead

            assertThat(d.readStats()).as("the first minute waits for the RUM events the broker still has").isEmpty();

            d.sendRum(StatsDriver.vital(T0 + 30_000, "shop", "/", "LCP", 1500, "desktop"));
            assertThat(d.readDeadLetters()).as("a RUM event of the first minute is not late").isEmpty();

            d.sendRum(StatsDriver.vital(T0 + 240_000, "shop", "/", "LCP", 900, "desktop")); // RUM reaches minute 4
            List<WindowStats> closed = d.readStats();
            assertThat(closed).extracting(s -> s.getWindowStart().toEpochMilli())
                .as("minutes 0-2 close (minute 3 waits for 4:00 + grace)").allMatch(t -> t < T0 + 180_000);
            assertThat(closed).filteredOn(s -> s.getName().equals("LCP")).extracting(WindowStats::getCount)
                .containsExactly(2L);
            assertThat(closed).filteredOn(s -> s.getName().equals("http.server.duration"))
                .extracting(WindowStats::getCount).containsExactly(1L);

            lag.rumCaughtUp = true; // read to its end: RUM holds nothing back from the next tick on
            d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            assertThat(d.readStats()).extracting(s -> s.getWindowStart().toEpochMilli())
                .as("the RUM window of minute 4 closes at the metrics' 5:10").contains(T0 + 240_000);
        }
    }

    @Test
    void shouldHoldStreamTimeWhileRecordsThePollReturnedOfTheRumPartitionAreNotHandledYet() {
        Lag lag = new Lag(RUM);
        lag.rumCaughtUp = true; // the consumer has fetched everything the broker has
        String client = Thread.currentThread().getName() + "-consumer"; // the driver runs the task on this thread
        FetchedOffsets fetched = FetchedOffsets.register(client);
        try (StatsDriver d = driver(lag)) {
            // a poll returned RUM records up to offset 3 (piped below as offsets 0..3), still in Kafka Streams' buffer
            TopicPartition rum0 = new TopicPartition(RUM, 0);
            fetched.polled(new ConsumerRecords<>(Map.of(rum0, List.of(new ConsumerRecord<>(RUM, 0, 3L, new byte[0],
                new byte[0])))));
            d.sendRum(StatsDriver.vital(T0 + 1_000, "shop", "/", "LCP", 1200, "desktop"));
            d.sendMetric(StatsDriver.metric(T0 + 2_000, "svc", "/a", 7, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 310_000, "svc", "/a", 8, "OK")); // metrics 5 minutes ahead
            assertThat(d.readStats()).as("minute 0 waits for the RUM records the poll returned").isEmpty();

            d.sendRum(StatsDriver.vital(T0 + 20_000, "shop", "/", "LCP", 1300, "desktop"));
            d.sendRum(StatsDriver.vital(T0 + 40_000, "shop", "/", "LCP", 1400, "desktop"));
            assertThat(d.readStats()).as("offset 2 of 3 handled: still waiting").isEmpty();
            d.sendRum(StatsDriver.vital(T0 + 50_000, "shop", "/", "LCP", 1500, "desktop")); // offset 3: all handled
            assertThat(d.readDeadLetters()).as("no RUM event late").isEmpty();
            assertThat(d.readStats()).filteredOn(w -> w.getName().equals("LCP")).extracting(WindowStats::getCount)
                .containsExactly(4L);
        } finally {
            FetchedOffsets.unregister(client, fetched);
        }
    }

    /**
     * SecuredPipelineIT, 2026-12-07: a burst of old metrics, then a RUM event at the present. The consumer had fetched the
     * metrics partition last before the burst's end was written (it leaves a partition with records in its buffer out of
     * its fetches), so when the RUM event came its lag said "read to its end" and stream time jumped: the burst's last
     * events were late. An input just read to its end holds stream time for the settle time: its consumer fetches it
     * again meanwhile.
     */
    @Test
    void shouldNotTrustAnInputJustReadToItsEndUntilItsConsumerHadTimeToFetchItAgain() {
        settling((d, polledMetricsUpTo) -> {
            polledMetricsUpTo.accept(1);
            d.sendMetric(StatsDriver.metric(T0 + 1_000, "svc", "/a", 7, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 2_000, "svc", "/a", 8, "OK")); // offset 1: every polled record handled
            d.sendRum(StatsDriver.vital(T0 + 600_000, "shop", "/", "LCP", 1200, "desktop")); // 10 minutes ahead
            assertThat(d.readStats()).as("minute 0 waits: the metrics partition was read to its end only just now").isEmpty();

            d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            polledMetricsUpTo.accept(2); // the next fetch brings the burst's last event
            d.sendMetric(StatsDriver.metric(T0 + 30_000, "svc", "/a", 9, "OK"));
            assertThat(d.readDeadLetters()).as("the burst's last event is not late").isEmpty();
            d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            assertThat(d.readStats()).as("1 s after it was read to its end again: still waiting").isEmpty();

            d.driver.advanceWallClockTime(Duration.ofSeconds(2));
            assertThat(d.readStats()).filteredOn(w -> w.getName().equals("http.server.duration"))
                .extracting(WindowStats::getCount).as("then minute 0 closes, with all three").containsExactly(3L);
        });
    }

    @Test
    void shouldLetAnInputThatKeepsBringingNoNewerEventsHoldNothingForTheSettleTime() {
        settling((d, polledMetricsUpTo) -> {
            polledMetricsUpTo.accept(1);
            d.sendMetric(StatsDriver.metric(T0 + 1_000, "svc", "/a", 7, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 590_000, "svc", "/a", 7, "OK"));
            d.driver.advanceWallClockTime(Duration.ofSeconds(3)); // settled
            d.sendRum(StatsDriver.vital(T0 + 600_000, "shop", "/", "LCP", 1200, "desktop"));
            assertThat(d.readStats()).as("minute 0 closes at once").isNotEmpty();
            // an older metric (of the open minute 9), polled and handled: no newer event, so it holds nothing back
            polledMetricsUpTo.accept(2);
            d.sendMetric(StatsDriver.metric(T0 + 580_000, "svc", "/a", 7, "OK"));
            d.sendRum(StatsDriver.vital(T0 + 700_000, "shop", "/", "LCP", 1200, "desktop"));
            assertThat(d.readDeadLetters()).isEmpty();
            assertThat(d.readStats()).extracting(w -> w.getWindowStart().toEpochMilli())
                .as("minutes 9 and 10 close at the next RUM event, 11:40").contains(T0 + 540_000, T0 + 600_000);
        });
    }

    /**
     * Both inputs read to their end as their consumer last fetched them, a 2 s settle time; the test is given the driver
     * and what says that a poll returned the metrics partition's records up to an offset (piped as offsets 0, 1, ...).
     */
    private static void settling(BiConsumer<StatsDriver, LongConsumer> test) {
        Lag lag = new Lag(RUM);
        lag.rumCaughtUp = true;
        lag.settle = 2_000;
        String metrics = StatsConfig.from(Settings.of(KEYS)).metricsTopic();
        String client = Thread.currentThread().getName() + "-consumer"; // the driver runs the task on this thread
        FetchedOffsets fetched = FetchedOffsets.register(client);
        try (StatsDriver d = driver(lag)) {
            test.accept(d, offset -> fetched.polled(new ConsumerRecords<>(Map.of(new TopicPartition(metrics, 0),
                List.of(new ConsumerRecord<>(metrics, 0, offset, new byte[0], new byte[0]))))));
        } finally {
            FetchedOffsets.unregister(client, fetched);
        }
    }

    @Test
    void shouldLetACaughtUpInputHoldNothingBack() {
        Lag lag = new Lag(RUM);
        lag.rumCaughtUp = true;
        try (StatsDriver d = driver(lag)) {
            d.sendRum(StatsDriver.vital(T0 + 1_000, "shop", "/", "LCP", 1200, "desktop"));
            d.sendMetric(StatsDriver.metric(T0 + 2_000, "svc", "/a", 7, "OK"));
            d.sendMetric(StatsDriver.metric(T0 + 300_000, "svc", "/a", 8, "OK"));

            assertThat(d.readStats()).extracting(WindowStats::getName)
                .containsExactlyInAnyOrder("LCP", "http.server.duration");
            d.sendRum(StatsDriver.vital(T0 + 30_000, "shop", "/", "LCP", 1500, "desktop"));
            assertThat(d.readDeadLetters()).extracting(DeadLetter::getReasonCode).containsExactly("late");
        }
    }

    @Test
    void shouldSayInTheLogWhenALaggingInputHoldsStreamTimeForAMinute() {
        Lag lag = new Lag(RUM);
        try (LogCapture logs = new LogCapture(StatsProcessor.class); StatsDriver d = driver(lag)) {
            d.sendRum(StatsDriver.vital(T0 + 1_000, "shop", "/", "LCP", 1200, "desktop"));
            d.sendMetric(StatsDriver.metric(T0 + 310_000, "svc", "/a", 8, "OK"));
            for (int s = 0; s < 60; s++) {
                d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            assertThat(logs.messages()).noneMatch(m -> m.contains("still has data"));
            d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            assertThat(logs.messages()).filteredOn(m -> m.contains("still has data"))
                .singleElement().asString().contains(RUM + "-0").contains("gave no newer event for 60 s")
                .contains("(its lag is not zero)");
            assertThat(d.readStats()).as("nothing closed meanwhile").isEmpty();
        }
    }

    @Test
    void shouldSayInTheLogWhenAQuietTaskCannotFollowTheWallClockBecauseAnInputIsNotKnownToBeReadToItsEnd() {
        Lag lag = new Lag(RUM); // the RUM partition never reports itself read to its end
        long quiet = StatsConfig.from(Settings.of(KEYS)).idleClose().toSeconds() + StatsProcessor.HELD_WARN_MS / 1000;
        try (LogCapture logs = new LogCapture(StatsProcessor.class); StatsDriver d = driver(lag)) {
            d.sendMetric(StatsDriver.metric(T0 + 1_000, "svc", "/a", 7, "OK"));
            d.sendRum(StatsDriver.vital(T0 + 2_000, "shop", "/", "LCP", 1200, "desktop")); // the newest event: no input is ahead
            d.driver.advanceWallClockTime(Duration.ofSeconds(1)); // the tick that sees the events: quiet from here
            for (int s = 1; s < quiet; s++) {
                d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            }
            assertThat(logs.messages()).noneMatch(m -> m.contains("not known to be read"));
            d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            assertThat(logs.messages()).filteredOn(m -> m.contains("not known to be read"))
                .singleElement().asString().contains(RUM + "-0").contains("no new event for " + quiet + " s")
                .contains("its lag is not zero");
            assertThat(d.readStats()).as("the quiet-input rule stays off meanwhile").isEmpty();
            lag.rumCaughtUp = true;
            d.driver.advanceWallClockTime(Duration.ofSeconds(1));
            assertThat(d.readStats()).as("read to its end: stream time follows the wall clock").isNotEmpty();
        }
    }
}
