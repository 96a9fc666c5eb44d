package dev.perfstream.streams.scoring.forecast;

import static dev.perfstream.streams.scoring.ScoringTestData.MIN;
import static dev.perfstream.streams.scoring.ScoringTestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.anomaly.WindowScoring;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.Forecast;
import dev.perfstream.schemas.avro.Recommendation;
import dev.perfstream.schemas.avro.ScalingAction;
import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.metrics.PerfstreamMetrics;
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
import java.util.function.IntToDoubleFunction;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.scoring.ScoringDriver;

/**
 * Scaling advice through the scoring topology (perf.stats windows in, perf.recommendations out), on known inputs:
 * one service with a request route and a CPU series per 1-minute window.
 */
class CapacityTopologyTest {
    private static final Settings EMPTY = Settings.of(Map.of());
    private static final String SERVICE = "payments";
    private static final String TOTAL = "METRIC|http.server.duration|payments|*";

    @TempDir
    Path dir;

    private TopologyTestDriver driver;
    private ScoringConfig cfg;
    private TestInputTopic<byte[], byte[]> stats;
    private TestOutputTopic<String, byte[]> recommendations;
    private TestOutputTopic<String, byte[]> forecasts;
    private TestOutputTopic<byte[], byte[]> deadletters;
    private final RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), EMPTY);
    private final RecordCodec<Recommendation> recCodec = Codecs.create(Recommendation.getClassSchema(), EMPTY);
    private final RecordCodec<Forecast> forecastCodec = Codecs.create(Forecast.getClassSchema(), EMPTY);
    private final RecordCodec<DeadLetter> dlCodec = Codecs.create(DeadLetter.getClassSchema(), EMPTY);
    private final Random rnd = new Random(7);

    private void start(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(Map.of("models.dir", dir.resolve("models").toString(),
            "forecast.horizons", "5m,30m", "forecast.statistics", "rate"));
        m.putAll(extra);
        ScoringDriver scoring = new ScoringDriver(dir, "capacity-test", m);
        cfg = scoring.cfg;
        driver = scoring.driver;
        stats = scoring.stats;
        recommendations = scoring.output(cfg.capacity().topic());
        forecasts = scoring.output(cfg.forecast().topic());
        deadletters = scoring.deadletters();
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    static WindowStats window(String metric, String route, int i, long count, double p95, double mean, String unit) {
        return WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName(metric).setService(SERVICE).setRoute(route)
            .setDeviceClass(null).setWindowStart(Instant.ofEpochMilli(T0 + i * MIN))
            .setWindowEnd(Instant.ofEpochMilli(T0 + (i + 1) * MIN)).setCount(count).setErrors(0).setErrorRate(0)
            .setRate(count / 60.0).setMin(0).setMax(p95 * 2).setMean(mean).setP50(mean).setP75(mean).setP90(p95 * 0.9)
            .setP95(p95).setP99(p95 * 1.3).setP999(p95 * 1.8).setUnit(unit).build();
    }

    /** Minute i: the request route at {@code rate} req/s with this p95, and the CPU series; the wall clock moves a minute. */
    private void minute(int i, double rate, double p95) {
        pipe(window("http.server.duration", "/api/pay", i, Math.round(rate * 60), p95, p95 / 2, "ms"));
        pipe(window("cpu.utilization", "-", i, 24, 40, 40, "percent"));
        driver.advanceWallClockTime(Duration.ofMinutes(1));
    }

    private void pipe(WindowStats w) {
        stats.pipeInput(SeriesKey.of(w).id().getBytes(StandardCharsets.UTF_8), statsCodec.encode(cfg.statsTopic(), w),
            w.getWindowEnd().toEpochMilli());
    }

    /** The recommendations so far by window index; exactly one per window. */
    private Map<Integer, Recommendation> read() throws Exception {
        Map<Integer, Recommendation> out = new HashMap<>();
        for (var kv : recommendations.readKeyValuesToList()) {
            Recommendation r = recCodec.decode(cfg.capacity().topic(), kv.value);
            assertThat(kv.key).isEqualTo(r.getService());
            int i = (int) ((r.getWindowStart().toEpochMilli() - T0) / MIN);
            assertThat(out.put(i, r)).as("one recommendation per window, window %d", i).isNull();
        }
        return out;
    }

    /** The 5-minute rate forecasts of the service total by the index of the window they were made after. */
    private Map<Integer, Forecast> totalForecasts5m() throws Exception {
        Map<Integer, Forecast> out = new HashMap<>();
        for (var kv : forecasts.readKeyValuesToList()) {
            Forecast f = forecastCodec.decode(cfg.forecast().topic(), kv.value);
            if (f.getSeries().equals(TOTAL) && f.getHorizonMs() == 5 * MIN) {
                out.put((int) ((f.getMadeAt().toEpochMilli() - T0) / MIN) - 1, f);
            }
        }
        return out;
    }

    private void run(int from, int to, IntToDoubleFunction rate, IntToDoubleFunction p95) {
        for (int i = from; i < to; i++) {
            minute(i, rate.applyAsDouble(i), p95.applyAsDouble(i));
        }
    }

    /**
     * Manual capacity 400 req/s at 4 instances = 100 per instance: every count follows exactly from the 5-minute
     * rate forecast's interval (the trend term off), the cost from the price, and a rising rate scales out ahead.
     */
    @Test
    void shouldAdviseFromTheForecastIntervalWithExactCounts() throws Exception {
        start(Map.of("capacity.payments.rate", "400", "capacity.payments.instances", "4", "capacity.price", "0.25",
            "capacity.ramp.min.t", "0"));
        run(0, 60, i -> 350 + 5 * rnd.nextGaussian(), i -> 80);
        run(60, 90, i -> 350 + 9.0 * (i - 60), i -> 80); // rising to 611 req/s
        Map<Integer, Recommendation> recs = read();
        Map<Integer, Forecast> fc = totalForecasts5m();
        // window 0's vector closes at its deadline (a new service), every later one as soon as it is complete
        assertThat(recs.keySet()).as("one advice per window").containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.range(0, 90).boxed().toList());
        int scaleOuts = 0;
        for (Map.Entry<Integer, Recommendation> e : recs.entrySet()) {
            Recommendation r = e.getValue();
            assertThat(r.getCurrent()).isEqualTo(4);
            assertThat(r.getCapacitySource()).isEqualTo("override");
            assertThat(r.getCapacityPerInstance()).isEqualTo(100.0);
            assertThat(r.getPricePerInstanceHour()).isEqualTo(0.25);
            assertThat(r.getCostPerHour()).isEqualTo(r.getAdvised() * 0.25);
            assertThat(r.getCostDeltaPerHour()).isEqualTo((r.getAdvised() - 4) * 0.25);
            assertThat(r.getLow()).isLessThanOrEqualTo(r.getExpected());
            assertThat(r.getExpected()).isLessThanOrEqualTo(r.getHigh());
            if (r.getAction() == ScalingAction.SCALE_OUT && !r.getFrom().equals(r.getWindowStart())) {
                scaleOuts++;
                Forecast f = fc.get(e.getKey());
                assertThat(f).as("the 5m forecast made after window %d", e.getKey()).isNotNull();
                assertThat(r.getFrom()).isEqualTo(r.getWindowStart().plusMillis(5 * MIN));
                assertThat(r.getHigh()).isEqualTo((int) Math.ceil(f.getUpper() / 100 - 1e-9));
                assertThat(r.getExpected()).isEqualTo((int) Math.ceil(f.getPredicted() / 100 - 1e-9));
                assertThat(r.getLow()).isEqualTo((int) Math.ceil(Math.max(0, f.getLower()) / 100 - 1e-9));
                assertThat(r.getAdvised()).isEqualTo(Math.max(r.getHigh(), (int) Math.ceil(r.getRate() / 100 - 1e-9)));
                assertThat(r.getSummary()).startsWith("payments needs " + r.getAdvised() + " instances from ")
                    .contains("(now 4)").contains("90 % interval " + r.getLow() + "-" + r.getHigh())
                    .contains(String.format("cost %.2f/h (%+.2f/h)", r.getAdvised() * 0.25, (r.getAdvised() - 4) * 0.25));
            }
        }
        assertThat(scaleOuts).as("scale-outs decided by the forecast during the rise").isGreaterThan(0);
        Recommendation last = recs.get(89);
        assertThat(last.getAction()).isEqualTo(ScalingAction.SCALE_OUT);
        assertThat(PerfstreamMetrics.ADVISED_INSTANCES.labelValues("scoring", SERVICE).get())
            .as("the gauge an HPA reads").isEqualTo(last.getAdvised());
        assertThat(last.getAdvised()).as("611 req/s at 100 per instance").isGreaterThanOrEqualTo(7);
        // before the rise, 350 req/s fit 4 instances with the forecast's upper bound: nothing to do
        assertThat(recs.get(40).getAction()).isEqualTo(ScalingAction.HOLD);
        assertThat(recs.get(40).getCostDeltaPerHour()).isEqualTo(0.0);
    }

    /** After a drop, fewer instances are advised only once they sufficed for capacity.scale-in.sustain in a row. */
    @Test
    void shouldScaleInOnlyAfterTheSustainedPeriod() throws Exception {
        start(Map.of("capacity.payments.rate", "400", "capacity.payments.instances", "4", "capacity.price", "0.5",
            "capacity.scale-in.sustain", "10m", "capacity.ramp.min.t", "0"));
        run(0, 60, i -> 350 + 5 * rnd.nextGaussian(), i -> 80);
        run(60, 120, i -> 120 + 5 * rnd.nextGaussian(), i -> 80);
        Map<Integer, Recommendation> recs = read();
        int firstIn = recs.entrySet().stream().filter(e -> e.getValue().getAction() == ScalingAction.SCALE_IN)
            .mapToInt(Map.Entry::getKey).min().orElseThrow(() -> new AssertionError("no scale-in at all: " + recs.get(119)));
        assertThat(firstIn).as("not before the drop").isGreaterThan(60);
        // the ten windows before it: fewer would have sufficed, the advice held the count
        for (int i = firstIn - 10; i < firstIn; i++) {
            Recommendation r = recs.get(i);
            assertThat(r.getAction()).as("window %d", i).isEqualTo(ScalingAction.HOLD);
            assertThat(r.getAdvised()).isEqualTo(4);
            assertThat(r.getReason()).as("window %d", i).contains("would suffice; scale-in after 10 min");
        }
        assertThat(recs.get(firstIn - 11).getReason()).as("the period started exactly 10 windows before")
            .doesNotContain("would suffice");
        Recommendation in = recs.get(firstIn);
        assertThat(in.getReason()).contains("fewer instances have sufficed for 10 min");
        assertThat(in.getAdvised()).isBetween(2, 3);
        assertThat(in.getFrom()).isEqualTo(in.getWindowStart());
        assertThat(in.getCostPerHour()).isEqualTo(in.getAdvised() * 0.5);
        assertThat(in.getCostDeltaPerHour()).as("saves").isEqualTo((in.getAdvised() - 4) * 0.5).isNegative();
    }

    /**
     * No override: the capacity is learned from the service's own windows (p95 rising with the load per instance as a
     * multi-server queue does, true capacity about 38 req/s per instance at the 200 ms KPI), then a rising rate is
     * advised a scale-out at that capacity.
     */
    @Test
    void shouldLearnTheCapacityFromTheServiceWindowsAndScaleOut() throws Exception {
        start(Map.of("capacity.instances", "4", "capacity.min.samples", "40", "capacity.refit.every", "10m"));
        IntToDoubleFunction rate = i -> i < 120 ? 4 * 50 * (0.45 + 0.35 * (0.5 + 0.5 * Math.sin(2 * Math.PI * i / 60.0)))
            : 4 * 50 * 0.8 + 6.0 * (i - 120);
        IntToDoubleFunction p95 = i -> {
            double rho = Math.min(0.98, rate.applyAsDouble(i) / (4 * 50));
            return 60 * (1 + Math.pow(rho, Math.sqrt(10) - 1) / (1 - rho)) * Math.exp(0.03 * rnd.nextGaussian());
        };
        run(0, 140, rate, p95);
        Map<Integer, Recommendation> recs = read();
        assertThat(recs.get(20).getAction()).as("too few windows for a fit yet").isEqualTo(ScalingAction.UNKNOWN);
        assertThat(recs.get(20).getReason()).contains("too few samples");
        Recommendation last = recs.get(139);
        assertThat(last.getCapacitySource()).startsWith("model");
        assertThat(last.getCapacityPerInstance()).as("near the true 38 req/s per instance, on the safe side")
            .isBetween(30.0, 40.0);
        assertThat(last.getAction()).isEqualTo(ScalingAction.SCALE_OUT);
        assertThat(last.getAdvised()).isGreaterThanOrEqualTo((int) Math.ceil(last.getRate() / last.getCapacityPerInstance()));
        assertThat(last.getCostPerHour()).as("no price configured").isNull();
        assertThat(last.getSummary()).doesNotContain("cost");
    }

    /** Windows that count their instances (the events' instance field) give "now"; the configured count is the fallback. */
    @Test
    void shouldTakeTheInstanceCountFromTheWindowsWhenTheyCarryOne() throws Exception {
        start(Map.of("capacity.payments.rate", "400", "capacity.payments.instances", "4", "capacity.ramp.min.t", "0"));
        for (int i = 0; i < 6; i++) {
            WindowStats req = window("http.server.duration", "/api/pay", i, 6000, 80, 40, "ms");
            req.setInstances(2); // the request route saw two of them
            WindowStats cpu = window("cpu.utilization", "-", i, 18, 40, 40, "percent");
            cpu.setInstances(i < 4 ? 3 : null); // every instance reports its CPU; later windows carry no count
            pipe(req);
            pipe(cpu);
            driver.advanceWallClockTime(Duration.ofMinutes(1));
        }
        Map<Integer, Recommendation> recs = read();
        assertThat(recs.get(1).getCurrent()).as("the most any window counted").isEqualTo(3);
        assertThat(recs.get(1).getInstancesSource()).isEqualTo("measured");
        assertThat(recs.get(1).getSummary()).contains("(now 3)");
        assertThat(recs.get(4).getCurrent()).as("the request route's count").isEqualTo(2);
        assertThat(recs.get(4).getInstancesSource()).isEqualTo("measured");
        WindowStats none = window("http.server.duration", "/api/pay", 6, 6000, 80, 40, "ms");
        pipe(none);
        pipe(window("cpu.utilization", "-", 6, 18, 40, 40, "percent"));
        driver.advanceWallClockTime(Duration.ofMinutes(1));
        Recommendation configured = read().get(6);
        assertThat(configured.getCurrent()).isEqualTo(4);
        assertThat(configured.getInstancesSource()).isEqualTo("configured");
    }

    @Test
    void shouldKeepItsStateAcrossARestartAndRefuseForeignBytes() {
        CapacityProcessor.State st = new CapacityProcessor.State();
        st.lastStart = T0 + 5 * MIN;
        st.sinceFit = 7;
        st.advisor = new dev.perfstream.models.capacity.ScalingAdvisor.State(6, T0 + 2 * MIN, 4);
        st.estimate = new dev.perfstream.models.capacity.CapacityEstimate(
            dev.perfstream.models.capacity.CapacityEstimate.Status.EXTRAPOLATED, 41.5, 44.25, 40.0, "p95", 80, "why");
        st.samples.add(new dev.perfstream.models.capacity.CapacitySample(T0, 120.5, 3, Double.NaN, 88.25));
        st.samples.add(new dev.perfstream.models.capacity.CapacitySample(T0 + MIN, 130, 3, 55.5, 91));
        CapacityProcessor.State back = CapacityProcessor.State.decode(st.encode());
        assertThat(back.lastStart).isEqualTo(st.lastStart);
        assertThat(back.sinceFit).isEqualTo(7);
        assertThat(back.advisor).isEqualTo(st.advisor);
        assertThat(back.estimate).isEqualTo(st.estimate);
        assertThat(back.samples).containsExactlyElementsOf(st.samples);
        assertThat(st.encode()).hasSize(1 + 8 + 4 + 1 + 16 + 1 + 1 + 24 + 2 + 3 + 4 + 2 + 3 + 4 + 2 * 24);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CapacityProcessor.State.decode(new byte[] {9, 1, 2}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 9");
    }

    @Test
    void shouldComputeCostsInDecimalAsThePriceReads() {
        assertThat(CapacityProcessor.cost(3, 0.10)).isEqualTo(0.3);
        assertThat(CapacityProcessor.cost(-1, 0.10)).isEqualTo(-0.1);
        assertThat(CapacityProcessor.cost(7, 0.35)).isEqualTo(2.45);
        assertThat(CapacityProcessor.cost(0, 1.5)).isEqualTo(0.0);
    }

    @Test
    void shouldDeadLetterWindowsThatCannotFeedTheAdviceAndSayWhenTheInstanceCountIsUnknown() throws Exception {
        start(Map.of());
        minute(0, 100, 80);
        minute(1, 100, 80);
        pipe(window("http.server.duration", "/api/pay", 2, 6000, Double.NaN, 40, "ms"));
        pipe(window("cpu.utilization", "-", 2, 24, 40, 40, "percent"));
        driver.advanceWallClockTime(Duration.ofMinutes(1));
        WindowStats negative = window("http.server.duration", "/api/pay", 3, 6000, 80, 40, "ms");
        negative.setRate(-5.0);
        pipe(negative);
        pipe(window("cpu.utilization", "-", 3, 24, 40, 40, "percent"));
        driver.advanceWallClockTime(Duration.ofMinutes(1));
        minute(4, 100, 80);
        minute(5, 100, 80);
        List<DeadLetter> dls = new ArrayList<>();
        for (var kv : deadletters.readKeyValuesToList()) {
            dls.add(dlCodec.decode(cfg.deadletterTopic(), kv.value));
        }
        assertThat(dls).hasSize(2);
        assertThat(dls.get(0).getReasonCode()).isEqualTo("validation");
        assertThat(dls.get(0).getReason()).contains("field 'p95' is NaN");
        assertThat(dls.get(0).getSourceTopic()).isEqualTo(cfg.statsTopic());
        assertThat(dls.get(1).getReason()).contains("field 'rate' is -5.0");
        Map<Integer, Recommendation> recs = read();
        assertThat(recs.keySet()).as("windows 2 and 3 had no valid request window").doesNotContain(2, 3).contains(1, 4);
        assertThat(recs.values()).allSatisfy(r -> {
            assertThat(r.getAction()).isEqualTo(ScalingAction.UNKNOWN);
            assertThat(r.getReason()).contains("set capacity.payments.instances (or capacity.instances)");
            assertThat(r.getCurrent()).isZero();
        });
    }
}
