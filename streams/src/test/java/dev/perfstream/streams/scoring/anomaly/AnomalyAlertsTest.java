package dev.perfstream.streams.scoring.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.streams.alerts.StatsFixtures;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import dev.perfstream.streams.scoring.ScoringConfig;

/**
 * ANOMALY alerts on the rules' lifecycle ({@code AlertStateMachine} through {@code AlertEpisodes}): reminders while
 * firing, flapping held, replays ignored, and episodes written by the scoring stage before it (12 bytes) still
 * resolved. One-minute windows of one series; scores are given, not computed.
 */
class AnomalyAlertsTest {
    private static final String SERIES = "METRIC|http.server.duration|orders|/cart";
    private static final String FP = "anomaly|" + SERIES + "|p95";

    private final KeyValueStore<String, byte[]> store = store();
    private final AnomalyAlerts alerts = new AnomalyAlerts(ScoringConfig.from(Settings.of(Map.of(
        "scoring.alert.renotify", "10m"))), store); // resolve after 3 windows below 0.5, fire at 0.9

    private static KeyValueStore<String, byte[]> store() {
        KeyValueStore<String, byte[]> kv = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("alerts"),
            Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        kv.init(new MockProcessorContext<>().getStateStoreContext(), kv);
        return kv;
    }

    private Alert score(int minute, double score) {
        return alerts.onScore(SERIES, Statistic.P95, StatsFixtures.api("orders", "/cart", minute, 50, 100, 0), 80, 50, score,
            Instant.EPOCH);
    }

    /** The alerts of scores at minutes 0, 1, 2, ... (nulls dropped), as "minute STATE notification". */
    private List<String> run(int from, double... scores) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            Alert a = score(from + i, scores[i]);
            if (a != null) {
                out.add((from + i) + " " + a.getState() + " " + a.getLabels().get("notification"));
            }
        }
        return out;
    }

    @Test
    void shouldRemindWhileFiringAndResolveOnce() {
        double[] s = new double[16];
        java.util.Arrays.fill(s, 0, 13, 0.95);
        java.util.Arrays.fill(s, 13, 16, 0.1);
        assertThat(run(0, s)).containsExactly("0 FIRING firing", "10 FIRING repeat", "15 RESOLVED resolved");
        assertThat(store.get(FP)).as("the flapping history is kept for 30 min").isNotNull();
    }

    @Test
    void shouldSayAReminderIsOneAndKeepTheEpisodeStart() {
        for (int i = 0; i < 10; i++) {
            score(i, 0.95);
        }
        Alert reminder = score(10, 0.95);
        assertThat(reminder.getSummary()).contains("reminder 1");
        assertThat(reminder.getStartedAt()).isEqualTo(StatsFixtures.T0);
    }

    @Test
    void shouldHoldTheResolutionOfAFlappingAlert() {
        // three starts within 30 min: the third FIRING is flapping and resolves after 5 calm windows, not 3
        assertThat(run(0, 0.95, 0.1, 0.1, 0.1, 0.95, 0.1, 0.1, 0.1)).containsExactly("0 FIRING firing", "3 RESOLVED resolved",
            "4 FIRING firing", "7 RESOLVED resolved");
        Alert third = score(8, 0.95);
        assertThat(third.getSummary()).contains("FLAPPING, resolution held until calm for 5 windows");
        assertThat(run(9, 0.1, 0.1, 0.1, 0.1, 0.1)).containsExactly("13 RESOLVED resolved");
    }

    @Test
    void shouldIgnoreAReplayedWindow() {
        assertThat(score(0, 0.95)).isNotNull();
        assertThat(score(0, 0.95)).as("the same window again (a replay)").isNull();
        assertThat(run(1, 0.1, 0.1)).isEmpty();
        assertThat(score(2, 0.1)).as("an older window does not count as a third calm one").isNull();
        assertThat(score(3, 0.1).getState().name()).isEqualTo("RESOLVED");
    }

    @Test
    void shouldResolveAnEpisodeStoredBeforeTheStateMachine() {
        // the 12-byte episode the stage wrote before: start (window start, ms) and calm windows so far
        long started = StatsFixtures.T0.toEpochMilli();
        store.put(FP, ByteBuffer.allocate(12).putLong(started).putInt(2).array());
        Alert resolved = score(7, 0.1);
        assertThat(resolved.getState().name()).isEqualTo("RESOLVED");
        assertThat(resolved.getStartedAt()).isEqualTo(StatsFixtures.T0);
    }

    @Test
    void shouldContinueALegacyEpisodeThatIsStillAnomalous() {
        store.put(FP, ByteBuffer.allocate(12).putLong(StatsFixtures.T0.toEpochMilli()).putInt(0).array());
        assertThat(score(5, 0.95)).as("still firing: no second FIRING").isNull();
        assertThat(store.get(FP).length).as("rewritten in the state machine's form").isGreaterThan(12);
        assertThat(run(6, 0.1, 0.1, 0.1)).containsExactly("8 RESOLVED resolved");
    }
}
