package dev.perfstream.streams.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.CubicallyInterpolatedMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** REGRESSION alerts of the alerts stage over scripted per-version windows (TopologyTestDriver). */
class RegressionTopologyTest {
    static final long W = 10_000;
    private final AlertsTopologyTest t = new AlertsTopologyTest();

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path tmp;

    @org.junit.jupiter.api.AfterEach
    void close() {
        t.close();
    }

    private void start() throws Exception {
        t.tmp = tmp;
        t.start(AlertsTopologyTest.defaults());
    }

    private void send(WindowStats s) {
        t.send(s);
    }

    private List<Alert> alerts() throws Exception {
        return t.alerts();
    }
    static final long START = StatsFixtures.T0.toEpochMilli() - 3_600_000;

    /**
     * 60 windows of 10 s: v1 alone for 5, then v2 takes a quarter of the traffic for 20 windows (its
     * {@code slowRoute} slower by {@code factor}, its errors at {@code errors}), then v1 alone again (rollback).
     */
    List<Alert> release(double factor, double errors) throws Exception {
        start();
        SplittableRandom rnd = new SplittableRandom(3);
        for (int w = 0; w < 60; w++) {
            boolean canary = w >= 5 && w < 25;
            for (String route : List.of("/api/checkout", "/api/cart")) {
                send(window(rnd, route, "1.4.0", w, canary ? 300 : 400, 1, 0.004));
                if (canary) {
                    send(window(rnd, route, "1.5.0", w, 120, route.equals("/api/checkout") ? factor : 1,
                        route.equals("/api/checkout") ? errors : 0.004));
                }
            }
        }
        return alerts();
    }

    @Test
    void shouldRaiseOneRegressionForASlowerRouteOfTheNewVersionAndResolveItAfterRollback() throws Exception {
        List<Alert> alerts = release(1.3, 0.03);
        assertThat(alerts).extracting(Alert::getState).containsExactly(AlertState.FIRING, AlertState.RESOLVED);
        Alert firing = alerts.get(0);
        assertThat(firing.getFingerprint()).isEqualTo("regression|checkout|1.5.0");
        assertThat(firing.getSeries()).isEqualTo("service=checkout,version=1.5.0");
        assertThat(firing.getRule()).isEqualTo("release-regression");
        assertThat(firing.getLabels()).containsEntry("class", "regression").containsEntry("version", "1.5.0")
            .containsEntry("baseline_version", "1.4.0").containsEntry("routes", "/api/checkout");
        assertThat(firing.getSummary()).startsWith("Release regression: checkout 1.5.0 against 1.4.0: /api/checkout p95 +")
            .doesNotContain("/api/cart");
        assertThat(firing.getValue()).isBetween(0.15, 0.45);
        // fired while the canary ran, resolved once it had been gone for release.rollback.after (2 min)
        assertThat(firing.getWindowEnd().toEpochMilli()).isLessThanOrEqualTo(START + 25 * W);
        Alert resolved = alerts.get(1);
        assertThat(resolved.getSummary()).contains("rolled back");
        assertThat(resolved.getStartedAt()).isEqualTo(firing.getStartedAt());
        assertThat(resolved.getWindowEnd().toEpochMilli()).isGreaterThanOrEqualTo(START + 25 * W + 120_000);
        assertThat(resolved.getLabels()).containsEntry("routes", "/api/checkout");
    }

    @Test
    void shouldForgetWindowsAndVersionsOlderThanTheHorizonOnEveryRoute() throws Exception {
        release(1.3, 0.03);
        // two hours later, one window of the old version on one route: everything else is past release.horizon
        send(window(new SplittableRandom(9), "/api/cart", "1.4.0", 720, 10, 1, 0));
        List<String> keys = new java.util.ArrayList<>();
        try (var it = t.driver.<String, byte[]>getKeyValueStore(dev.perfstream.streams.release.RegressionProcessor.STORE).all()) {
            it.forEachRemaining(kv -> keys.add(kv.key.replace('\u0000', ' ')));
        }
        assertThat(keys).containsExactlyInAnyOrder("s checkout 1.4.0",
            String.format("w checkout /api/cart 1.4.0 %020d", START + 720 * W));
    }

    @Test
    void shouldRaiseNothingWhenTheNewVersionBehavesLikeTheOldOne() throws Exception {
        assertThat(release(1, 0.004)).isEmpty();
    }

    @Test
    void shouldDeadLetterAPerVersionWindowWithoutItsSketch() throws Exception {
        start();
        WindowStats bad = window(new SplittableRandom(1), "/r", "1.0", 0, 10, 1, 0);
        bad.setSketch(null);
        send(bad);
        List<DeadLetter> dead = new java.util.ArrayList<>();
        for (var r : t.dlq.readRecordsToList()) {
            dead.add(AlertsTopologyTest.DEAD.decode(dev.perfstream.schemas.Topics.DEADLETTER, r.value()));
        }
        assertThat(dead).singleElement().extracting(DeadLetter::getReason).asString()
            .contains("per-version window (serviceVersion 1.0) without its sketch");
        assertThat(alerts()).isEmpty();
    }

    /** One 10 s per-version window of lognormal latencies (median 180 ms, sigma 0.45) times {@code factor}. */
    static WindowStats window(SplittableRandom rnd, String route, String version, int w, int n, double factor,
                              double errorShare) throws IOException {
        DDSketch s = new DDSketch(new CubicallyInterpolatedMapping(0.01), () -> new CollapsingLowestDenseStore(2048));
        long errors = 0;
        for (int i = 0; i < n; i++) {
            s.accept(factor * 180 * Math.exp(0.45 * rnd.nextGaussian()));
            errors += rnd.nextDouble() < errorShare ? 1 : 0;
        }
        GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
        s.encode(out, false);
        long start = START + w * W;
        return WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName("http.server.duration").setService("checkout")
            .setRoute(route).setWindowStart(Instant.ofEpochMilli(start)).setWindowEnd(Instant.ofEpochMilli(start + W))
            .setCount(n).setErrors(errors).setErrorRate((double) errors / n).setRate(n / 10.0).setMin(s.getMinValue())
            .setMax(s.getMaxValue()).setMean(s.getSum() / n).setP50(s.getValueAtQuantile(0.5))
            .setP75(s.getValueAtQuantile(0.75)).setP90(s.getValueAtQuantile(0.9)).setP95(s.getValueAtQuantile(0.95))
            .setP99(s.getValueAtQuantile(0.99)).setP999(s.getValueAtQuantile(0.999)).setUnit("ms")
            .setServiceVersion(version).setSketch(ByteBuffer.wrap(out.trimmedCopy())).build();
    }
}
