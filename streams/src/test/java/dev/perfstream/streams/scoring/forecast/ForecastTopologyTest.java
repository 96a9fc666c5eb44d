package dev.perfstream.streams.scoring.forecast;

import static dev.perfstream.streams.scoring.ScoringTestData.MIN;
import static dev.perfstream.streams.scoring.ScoringTestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.series.SeriesKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.scoring.ScoringTopology;
import dev.perfstream.streams.scoring.ScoringDriver;

class ForecastTopologyTest {
    private static final Settings EMPTY = Settings.of(Map.of());
    @TempDir
    Path dir;

    private TopologyTestDriver driver;
    private ModelStore models;
    private ScoringConfig cfg;
    private TestInputTopic<byte[], byte[]> stats;
    private TestOutputTopic<String, byte[]> forecasts;
    private TestOutputTopic<String, byte[]> alerts;
    private TestOutputTopic<byte[], byte[]> deadletters;
    private final RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), EMPTY);
    private final RecordCodec<Forecast> forecastCodec = Codecs.create(Forecast.getClassSchema(), EMPTY);
    private final RecordCodec<Alert> alertCodec = Codecs.create(Alert.getClassSchema(), EMPTY);
    private final RecordCodec<DeadLetter> dlCodec = Codecs.create(DeadLetter.getClassSchema(), EMPTY);

    private void start(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(Map.of("models.dir", dir.resolve("models").toString()));
        m.putAll(extra);
        ScoringDriver scoring = new ScoringDriver(dir, "forecast-test", m);
        cfg = scoring.cfg;
        models = scoring.models;
        driver = scoring.driver;
        stats = scoring.stats;
        forecasts = scoring.output(cfg.forecast().topic());
        alerts = scoring.output(cfg.alertsTopic());
        deadletters = scoring.deadletters();
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    /** Window i of checkout /cart with the given throughput (req/s, +-1 % noise) and p95 (ms, +-3 %). */
    static WindowStats window(int i, double rate, double p95, Random rnd) {
        return window("/cart", i, rate, p95, rnd);
    }

    /** The same for another route of checkout. */
    static WindowStats window(String route, int i, double rate, double p95, Random rnd) {
        double r = rate * (1 + 0.01 * rnd.nextGaussian());
        long count = Math.round(r * 60);
        double q = p95 * (1 + 0.03 * rnd.nextGaussian());
        return WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName("http.server.duration")
            .setService("checkout").setRoute(route).setDeviceClass(null)
            .setWindowStart(Instant.ofEpochMilli(T0 + i * MIN)).setWindowEnd(Instant.ofEpochMilli(T0 + (i + 1) * MIN))
            .setCount(count).setErrors(0).setErrorRate(0).setRate(count / 60.0)
            .setMin(1).setMax(q * 2).setMean(q / 2).setP50(q / 2).setP75(q * 0.7).setP90(q * 0.9)
            .setP95(q).setP99(q * 1.3).setP999(q * 1.8).setUnit("ms").build();
    }

    private void pipe(WindowStats w) {
        stats.pipeInput(SeriesKey.of(w).id().getBytes(StandardCharsets.UTF_8), statsCodec.encode(cfg.statsTopic(), w),
            w.getWindowEnd().toEpochMilli());
    }

    private List<KeyValue<String, Forecast>> readForecasts() throws Exception {
        List<KeyValue<String, Forecast>> out = new ArrayList<>();
        for (var kv : forecasts.readKeyValuesToList()) {
            out.add(KeyValue.pair(kv.key, forecastCodec.decode(cfg.forecast().topic(), kv.value)));
        }
        return out;
    }

    private List<Alert> readForecastAlerts() throws Exception {
        List<Alert> out = new ArrayList<>();
        for (var kv : alerts.readKeyValuesToList()) {
            Alert a = alertCodec.decode(cfg.alertsTopic(), kv.value);
            assertThat(kv.key).isEqualTo(a.getFingerprint());
            if (a.getSource().name().equals("FORECAST")) {
                out.add(a);
            }
        }
        return out;
    }

    @Test
    void shouldEmitAForecastWithIntervalPerHorizonAndStatisticAndRetrainIntoTheModelStore() throws Exception {
        start(Map.of("forecast.retrain.every", "60"));
        Random rnd = new Random(21);
        Map<Long, Double> actualRate = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            // a slow daily-like wave on the rate, p95 flat
            WindowStats w = window(i, 100 + 20 * Math.sin(2 * Math.PI * i / 240.0), 120, rnd);
            actualRate.put(w.getWindowEnd().toEpochMilli(), w.getRate());
            pipe(w);
        }
        List<KeyValue<String, Forecast>> out = readForecasts();
        assertThat(out).hasSize(400 * 2 * 3);
        String series = "METRIC|http.server.duration|checkout|/cart";
        assertThat(out).allSatisfy(kv -> {
            Forecast f = kv.value;
            assertThat(kv.key).isEqualTo(series);
            assertThat(f.getSeries()).isEqualTo(series);
            assertThat(f.getHorizonMs()).isIn(5 * MIN, 30 * MIN, 120 * MIN);
            assertThat(f.getTargetTime()).isEqualTo(f.getMadeAt().plusMillis(f.getHorizonMs() - MIN));
            assertThat(f.getLower()).isLessThan(f.getUpper());
            assertThat(f.getIntervalLevel()).isEqualTo(0.9);
        });
        assertThat(out).extracting(kv -> kv.value.getStatistic()).containsOnly("rate", "p95");
        // 90 % intervals of the 5-minute rate forecasts, once 100 errors are known, cover most actuals.
        List<Forecast> rate5 = out.stream().map(kv -> kv.value).filter(f -> f.getStatistic().equals("rate")
            && f.getHorizonMs() == 5 * MIN && f.getMadeAt().toEpochMilli() >= T0 + 100 * MIN
            && actualRate.containsKey(f.getTargetTime().toEpochMilli() + MIN)).toList();
        long covered = rate5.stream().filter(f -> {
            double a = actualRate.get(f.getTargetTime().toEpochMilli() + MIN);
            return a >= f.getLower() && a <= f.getUpper();
        }).count();
        assertThat(rate5).hasSizeGreaterThan(250);
        assertThat((double) covered / rate5.size()).isBetween(0.75, 0.99);
        assertThat(out.get(0).value.getModelVersion()).isEqualTo("seasonal-naive");
        assertThat(out.get(0).value.getMadeAt()).isEqualTo(Instant.ofEpochMilli(T0 + MIN));
        // The 5-minute model first trains once 200 origins have known outcomes and is stored with provenance.
        Forecast last5 = out.stream().map(kv -> kv.value)
            .filter(f -> f.getStatistic().equals("p95") && f.getHorizonMs() == 5 * MIN).reduce((a, b) -> b).orElseThrow();
        assertThat(last5.getModelVersion()).startsWith("lsgd-v");
        assertThat(models.latestVersion(ForecastProcessor.MODEL_KIND, series + "|p95|h5")).isPresent();
        // A flat p95 of 120 ms: the 5-minute forecast stays near it and the interval is not absurdly wide.
        assertThat(last5.getPredicted()).isBetween(110.0, 130.0);
        assertThat(last5.getUpper() - last5.getLower()).isLessThan(40.0);
        assertThat(deadletters.isEmpty()).isTrue();
    }

    /**
     * Capacity belongs to the service: two routes ramp from 10 to 22.5 req/s each, so neither comes near the
     * 40 req/s capacity of checkout while their total crosses it. The alert is on the service total (route
     * {@code *}), assembled by the multivariate branch from every route of the service.
     */
    @Test
    void shouldFireACapacityAlertOnceAheadOfARampOfTheServiceTotalAndResolveOnceAfterIt() throws Exception {
        start(Map.of("capacity.checkout.rate", "40", "forecast.slo.p95", "200"));
        Random rnd = new Random(22);
        int i = 0;
        for (; i < 90; i++) {
            pipeBoth(i, 10, rnd);
        }
        assertThat(readForecastAlerts()).isEmpty();
        int crossed = -1;
        for (double rate = 10; rate < 22.5; rate += 0.25, i++) { // +0.5 req/s per minute in total: 40 after 40 min
            pipeBoth(i, rate, rnd);
            if (crossed < 0 && 2 * rate >= 40) {
                crossed = i;
            }
        }
        for (int j = 0; j < 30; j++, i++) {
            pipeBoth(i, 10, rnd); // the surge ends
        }
        List<Alert> out = readForecastAlerts();
        assertThat(out).extracting(a -> a.getState().name()).containsExactly("FIRING", "RESOLVED");
        Alert firing = out.get(0);
        assertThat(firing.getFingerprint()).isEqualTo("forecast|capacity|METRIC|http.server.duration|checkout|*|rate");
        assertThat(firing.getSeries()).isEqualTo("METRIC|http.server.duration|checkout|*");
        assertThat(firing.getStatistic()).isEqualTo("rate");
        assertThat(firing.getThreshold()).isEqualTo(40.0);
        assertThat(firing.getSummary()).startsWith("checkout throughput (all routes) forecast to exceed 40 req/s in about ");
        long firedAt = firing.getWindowEnd().toEpochMilli();
        long crossedAt = T0 + (crossed + 1) * MIN;
        assertThat(firedAt).isLessThan(crossedAt - 10 * MIN); // at least 10 minutes of warning
        long predicted = Long.parseLong(firing.getLabels().get("time_to_breach_ms"));
        assertThat(predicted).isPositive().isLessThanOrEqualTo(30 * MIN);
        assertThat(out.get(1).getStartedAt()).isEqualTo(firing.getStartedAt());
        assertThat(out.get(1).getWindowEnd().toEpochMilli()).isGreaterThan(T0 + (crossed + 5) * MIN);
        // the service total is forecast beside the routes, on the same topic
        assertThat(readForecasts()).extracting(kv -> kv.key).contains("METRIC|http.server.duration|checkout|*",
            "METRIC|http.server.duration|checkout|/cart", "METRIC|http.server.duration|checkout|/pay");
    }

    /** Capacity is not compared with one route: a route alone above the service's capacity raises nothing. */
    @Test
    void shouldNotCompareCapacityWithOneRoute() throws Exception {
        start(Map.of("capacity.checkout.rate", "40", "scoring.multivariate.enabled", "false"));
        Random rnd = new Random(23);
        for (int i = 0; i < 150; i++) {
            pipe(window(i, i < 90 ? 20 : 50, 100, rnd));
        }
        assertThat(readForecastAlerts()).isEmpty();
        assertThat(readForecasts()).extracting(kv -> kv.key).containsOnly("METRIC|http.server.duration|checkout|/cart");
    }

    /** Both routes' window i, then a minute of wall-clock time (the multivariate vector's deadline counts it). */
    private void pipeBoth(int i, double ratePerRoute, Random rnd) {
        pipe(window("/cart", i, ratePerRoute, 100, rnd));
        pipe(window("/pay", i, ratePerRoute, 100, rnd));
        driver.advanceWallClockTime(Duration.ofMinutes(1));
    }

    @Test
    void shouldFireAnSloAlertWhenP95IsForecastToCrossItsThreshold() throws Exception {
        start(Map.of("forecast.slo.p95", "500", "forecast.slo.checkout.p95", "200"));
        Random rnd = new Random(23);
        int i = 0;
        for (; i < 60; i++) {
            pipe(window(i, 20, 100, rnd));
        }
        for (double p95 = 100; p95 < 150; p95 += 4, i++) {
            pipe(window(i, 20, p95, rnd));
        }
        List<Alert> out = readForecastAlerts();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getFingerprint()).isEqualTo("forecast|slo|METRIC|http.server.duration|checkout|/cart|p95");
        assertThat(out.get(0).getSummary()).startsWith("p95 of http.server.duration on checkout /cart forecast to cross 200 ms in about ");
        assertThat(out.get(0).getValue()).isLessThan(200.0);
    }

    @Test
    void shouldDeadLetterABadWindowOnceAndForecastTheRest() throws Exception {
        start(Map.of());
        Random rnd = new Random(24);
        pipe(window(0, 20, 100, rnd));
        WindowStats bad = window(1, 20, 100, rnd);
        bad.setWindowEnd(bad.getWindowStart());
        pipe(bad);
        stats.pipeInput("k".getBytes(StandardCharsets.UTF_8), "{\"kind\":\"METRIC\"".getBytes(StandardCharsets.UTF_8), T0);
        pipe(window(2, 20, 100, rnd));
        List<DeadLetter> dls = new ArrayList<>();
        for (byte[] b : deadletters.readValuesToList()) {
            dls.add(dlCodec.decode(cfg.deadletterTopic(), b));
        }
        assertThat(dls).hasSize(2);
        assertThat(dls.get(0).getReason()).contains("windowEnd");
        assertThat(readForecasts()).hasSize(2 * 2 * 3);
    }

    @Test
    void shouldRejectHorizonsThatAreNotMultiplesOfTheWindow() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScoringConfig.from(Settings.of(Map.of(
                "forecast.horizons", "90s"))))
            .hasMessageContaining("forecast.horizons");
    }

    @Test
    void shouldRejectBadHistorySettingsNamingEachKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScoringConfig.from(Settings.of(Map.of(
                "forecast.history", "30s", "forecast.history.fine", "1d", "forecast.history.block", "90s"))))
            .hasMessageContaining("forecast.history: 30s is shorter than two windows of 1m")
            .hasMessageContaining("forecast.history.fine: 1d is longer than forecast.history 30s")
            .hasMessageContaining("forecast.history.block: 90s is not 1 to 127 windows of 1m");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScoringConfig.from(Settings.of(Map.of(
                "forecast.history.block", "3h"))))
            .hasMessageContaining("forecast.history.block");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScoringConfig.from(Settings.of(Map.of(
                "forecast.history", "3x"))))
            .hasMessageContaining("forecast.history").hasMessageContaining("3x")
            .hasMessageNotContaining("shorter than"); // reported once, as unparseable
    }

    /**
     * The default keeps what the weekly factor needs: 3 weeks + the training origins in all, the last
     * 3 days + 4 h of windows at full resolution (the daily profile's medians; 4000 + 240 + 120 would be enough for
     * the training features), older ones as 10-minute means; an explicit 2d keeps the flat history of earlier
     * versions.
     */
    @Test
    void shouldKeepThreeWeeksAsBlockMeansByDefaultAndAFlatHistoryWhenAskedFor() {
        var dflt = ScoringConfig.from(EMPTY).forecast().tiers();
        assertThat(dflt.fineSteps()).isEqualTo(3 * 1440 + 240);
        assertThat(dflt.totalSteps()).isEqualTo(21 * 1440 + 120 + 4000);
        assertThat(dflt.blockSteps()).isEqualTo(10);
        var flat = ScoringConfig.from(Settings.of(Map.of("forecast.history", "2d"))).forecast().tiers();
        assertThat(flat.fineSteps()).isEqualTo(2880);
        assertThat(flat.totalSteps()).isEqualTo(2880);
    }

    /** State written by an older version (format 2: a flat array of doubles) is discarded: the series starts afresh. */
    @Test
    void shouldStartAfreshFromStateOfAnOlderFormat() throws Exception {
        start(Map.of());
        Random rnd = new Random(8);
        WindowStats first = window(0, 100, 120, rnd);
        String key = SeriesKey.of(first).id() + "|rate";
        org.apache.kafka.streams.state.KeyValueStore<String, byte[]> store =
            driver.getKeyValueStore(ScoringTopology.FORECAST_STORE);
        java.io.ByteArrayOutputStream old = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(old)) {
            out.writeInt(2);
            out.writeLong(MIN);
            out.writeInt(2880);
        }
        store.put(key, old.toByteArray());
        pipe(first);
        pipe(window(1, 100, 120, rnd));
        assertThat(readForecasts()).hasSize(2 * 2 * 3);
        byte[] now = store.get(key);
        assertThat(java.nio.ByteBuffer.wrap(now).getInt()).isEqualTo(7); // the current format (models SeriesForecaster)
    }
}
