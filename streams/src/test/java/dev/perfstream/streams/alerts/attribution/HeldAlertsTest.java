package dev.perfstream.streams.alerts.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.streams.alerts.attribution.Candidate.Kind;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The held alerts' store survives a restart: a held alert comes back with the windows it had collected and the
 * notifications queued behind it, and one held by the earlier encoding (no windows, no queue) still decodes.
 */
class HeldAlertsTest {
    static final Instant T = Instant.parse("2026-12-05T12:00:00Z");
    static final Candidate ROUTE = new Candidate(Kind.ROUTE, "http.server.duration", "/api/cart");

    static KeyValueStore<String, byte[]> store() {
        KeyValueStore<String, byte[]> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("held"), Serdes.String(),
            Serdes.ByteArray()).withLoggingDisabled().build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        s.init(context.getStateStoreContext(), s);
        return s;
    }

    static Alert alert(AlertState state) {
        return Alert.newBuilder().setFingerprint("fp").setRule("api-latency-p95").setSource(AlertSource.RULE)
            .setSeverity(Severity.PAGE).setState(state).setSeries("metric=http.server.duration,service=checkout,route=/api/cart")
            .setStatistic("p95").setValue(290).setThreshold(200).setWindowStart(T).setWindowEnd(T.plusSeconds(60))
            .setStartedAt(T.minusSeconds(60)).setNotifiedAt(T.plusSeconds(61)).setSummary("PAGE api-latency-p95")
            .setPlaybook("").setLabels(Map.of()).build();
    }

    @Test
    void shouldComeBackAfterARestartWithItsWindowsAndQueuedNotifications() {
        KeyValueStore<String, byte[]> store = store();
        Map<Candidate, Ring> windows = new TreeMap<>(Candidate.ORDER);
        windows.put(ROUTE, new Ring("ms", List.of(new Ring.Point(T.toEpochMilli(), 900, 1, 900 * 50.0, 40, 60, 70, 90),
            new Ring.Point(T.plusSeconds(60).toEpochMilli(), 1000, 0, 1000 * 290.0, 250, 280, 290, 300))));
        windows.put(new Candidate(Kind.STATEMENT, "SELECT 1", Candidate.NO_ROUTE),
            new Ring("ms", List.of(new Ring.Point(T.toEpochMilli(), 900, 0, 900 * 9.5, 9, 11, 12, 13))));
        HeldAlerts.Held h = new HeldAlerts.Held("fp", "checkout", ROUTE, 60_000, 5, T.plusSeconds(60).toEpochMilli(),
            alert(AlertState.FIRING), "perf.queries windows before 11:50 no longer kept", windows, List.of())
            .withQueued(alert(AlertState.RESOLVED), T.plusSeconds(180).toEpochMilli());
        new HeldAlerts(store).put(h);

        HeldAlerts restarted = new HeldAlerts(store);
        assertThat(restarted.all()).containsExactly(h);
        assertThat(restarted.get("fp").queued()).singleElement()
            .satisfies(q -> assertThat(q.alert().getState()).isEqualTo(AlertState.RESOLVED));
        restarted.remove("fp");
        assertThat(new HeldAlerts(store).isEmpty()).isTrue();
    }

    @Test
    void shouldDecodeAnAlertHeldByTheEarlierEncoding() throws Exception {
        KeyValueStore<String, byte[]> store = store();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(bytes);
        o.writeUTF("checkout");
        o.writeUTF(ROUTE.encode());
        o.writeLong(60_000);
        o.writeLong(5);
        o.writeLong(T.plusSeconds(60).toEpochMilli());
        ByteBuffer a = alert(AlertState.FIRING).toByteBuffer();
        byte[] ab = new byte[a.remaining()];
        a.get(ab);
        o.writeInt(ab.length);
        o.write(ab);
        store.put("fp", bytes.toByteArray());

        assertThat(new HeldAlerts(store).get("fp")).isEqualTo(new HeldAlerts.Held("fp", "checkout", ROUTE, 60_000, 5,
            T.plusSeconds(60).toEpochMilli(), alert(AlertState.FIRING), null, null, List.of()));
    }
}
