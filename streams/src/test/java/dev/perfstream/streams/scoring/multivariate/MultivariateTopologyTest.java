package dev.perfstream.streams.scoring.multivariate;

import static dev.perfstream.streams.scoring.multivariate.MultivariateTestData.SERIES;
import static dev.perfstream.streams.scoring.multivariate.MultivariateTestData.load;
import static dev.perfstream.streams.scoring.multivariate.MultivariateTestData.window;
import static dev.perfstream.streams.scoring.ScoringTestData.MIN;
import static dev.perfstream.streams.scoring.ScoringTestData.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.anomaly.MultivariateModels;
import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.scoring.multivariate.MultivariateTestData.Vitals;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.perfstream.streams.scoring.ScoringConfig;
import dev.perfstream.streams.scoring.ScoringTopology;
import dev.perfstream.streams.scoring.ScoringDriver;

/**
 * The multivariate branch of the scoring topology: one service with two request routes, CPU and memory,
 * whose latency is flat, errors low, and throughput, CPU and memory move together with the load.
 */
class MultivariateTopologyTest {

    @TempDir
    Path dir;

    private TopologyTestDriver driver;
    private ScoringConfig cfg;
    private TestInputTopic<byte[], byte[]> stats;
    private TestOutputTopic<String, byte[]> anomalies;
    private TestOutputTopic<String, byte[]> alerts;
    private final RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<Anomaly> anomalyCodec = Codecs.create(Anomaly.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<Alert> alertCodec = Codecs.create(Alert.getClassSchema(), Settings.of(Map.of()));
    private final MultivariateTestData data = new MultivariateTestData(21);

    private void start(Map<String, String> extra) {
        // Forecasts off: they are tested elsewhere and their per-series history dominates the run time here.
        Map<String, String> m = new HashMap<>(Map.of("models.dir", dir.resolve("models").toString(),
            "models.reload.interval", "10s", "forecast.enabled", "false"));
        m.putAll(extra);
        ScoringDriver scoring = new ScoringDriver(dir, "scoring-mv-test", m);
        cfg = scoring.cfg;
        driver = scoring.driver;
        stats = scoring.stats;
        anomalies = scoring.output(cfg.anomaliesTopic());
        alerts = scoring.output(cfg.alertsTopic());
    }

    /** A small detector so that the test needs hundreds, not thousands, of windows. */
    private static Map<String, String> quick() {
        return Map.of("multivariate.capacity", "400", "multivariate.train.first", "200", "multivariate.train.every", "200",
            "multivariate.warmup", "300", "scoring.multivariate.alerts", "true");
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    private void pipe(int i, Vitals v) {
        for (WindowStats w : data.minute(i, v)) {
            pipe(w);
        }
        // As live: the next minute's windows come a minute of wall-clock time later.
        driver.advanceWallClockTime(java.time.Duration.ofMinutes(1));
    }

    private void pipe(WindowStats w) {
        stats.pipeInput(SeriesKey.of(w).id().getBytes(StandardCharsets.UTF_8),
            statsCodec.encode(cfg.statsTopic(), w), w.getWindowEnd().toEpochMilli());
    }

    /** Multivariate anomalies emitted so far, by window index. */
    private Map<Integer, Anomaly> readMultivariate() {
        Map<Integer, Anomaly> out = new HashMap<>();
        for (byte[] b : anomalies.readValuesToList()) {
            Anomaly a = decode(anomalyCodec, b);
            if (a.getSeries().equals(SERIES)) {
                assertThat(a.getStatistic()).isEqualTo("multivariate");
                Anomaly before = out.put((int) ((a.getWindowStart().toEpochMilli() - T0) / MIN), a);
                assertThat(before).as("one multivariate anomaly per window").isNull();
            }
        }
        return out;
    }

    private List<Alert> readMultivariateAlerts() {
        return alerts.readValuesToList().stream().map(b -> decode(alertCodec, b))
            .filter(a -> a.getSeries().equals(SERIES)).toList();
    }

    @Test
    void shouldScoreNormalJointBehaviourLowAndUnseenCombinationsHigh() {
        start(quick());
        int i = 0;
        for (; i < 500; i++) {
            pipe(i, Vitals.normal(load(i)));
        }
        // Latency and errors up while throughput is normal.
        int latencyAndErrors = i;
        pipe(i++, new Vitals(load(latencyAndErrors), 2.5, 0.05, Double.NaN, true, true));
        for (int k = 0; k < 10; k++, i++) {
            pipe(i, Vitals.normal(load(i)));
        }
        // CPU high with throughput low (load 0.6 would mean CPU about 15 %).
        int cpuHigh = i;
        pipe(i++, new Vitals(0.6, 1, 0.002, 34, true, true));
        for (int k = 0; k < 5; k++, i++) {
            pipe(i, Vitals.normal(load(i)));
        }
        Map<Integer, Anomaly> mv = readMultivariate();
        // Every window was scored: each closed as soon as all of its expected series had arrived.
        assertThat(mv.keySet()).hasSize(i);
        long calmHigh = mv.entrySet().stream().filter(e -> e.getKey() >= 300 && e.getKey() < 500)
            .filter(e -> e.getValue().getScore() >= 0.9).count();
        assertThat(calmHigh).as("calm windows after warm-up scoring >= 0.9").isLessThanOrEqualTo(1);
        assertThat(mv.get(latencyAndErrors).getScore()).isGreaterThan(0.9);
        assertThat(mv.get(cpuHigh).getScore()).isGreaterThan(0.9);
        assertThat(mv.get(cpuHigh).getObserved()).as("distance outside the learned region").isGreaterThan(4);
        assertThat(mv.get(cpuHigh).getModelVersion()).startsWith("ocsvm-v");
        assertThat(new ModelStore(cfg.modelsDir()).latestVersion(MultivariateModels.KIND, SERIES)).isPresent();

        List<Alert> fired = readMultivariateAlerts();
        assertThat(fired).extracting(Alert::getState).contains(AlertState.FIRING);
        Alert first = fired.stream().filter(a -> a.getState() == AlertState.FIRING).findFirst().orElseThrow();
        assertThat(first.getSource()).isEqualTo(AlertSource.ANOMALY);
        assertThat(first.getStatistic()).isEqualTo("multivariate");
        assertThat(first.getWindowStart()).isEqualTo(Instant.ofEpochMilli(T0 + latencyAndErrors * MIN));
        assertThat(first.getSummary()).contains("checkout").contains("latency").contains("cpu");
        assertThat(first.getLabels()).containsKeys("latency", "error_rate", "throughput", "cpu", "memory", "z_latency");
    }

    @Test
    void shouldScoreButNotAlertWhenMultivariateAlertsAreOffAsByDefault() {
        Map<String, String> m = new HashMap<>(quick());
        m.remove("scoring.multivariate.alerts");
        start(m);
        int i = 0;
        for (; i < 500; i++) {
            pipe(i, Vitals.normal(load(i)));
        }
        int odd = i;
        pipe(i++, new Vitals(load(odd), 2.5, 0.05, Double.NaN, true, true));
        pipe(i, Vitals.normal(load(i)));
        assertThat(readMultivariate().get(odd).getScore()).isGreaterThan(0.9);
        assertThat(readMultivariateAlerts()).isEmpty();
    }

    @Test
    void shouldWidenADetectorCreatedBeforeTheCpuSeriesArrived() {
        start(quick());
        int i = 0;
        for (; i < 12; i++) { // the first vectors close without CPU (a restart on a backlog): created without it
            pipe(i, new Vitals(load(i), 1, 0.002, Double.NaN, false, true));
        }
        for (; i < 560; i++) {
            pipe(i, Vitals.normal(load(i)));
        }
        int cpuHigh = i;
        pipe(i++, new Vitals(0.6, 1, 0.002, 34, true, true));
        pipe(i, Vitals.normal(load(i)));
        Map<Integer, Anomaly> mv = readMultivariate();
        assertThat(mv.get(cpuHigh).getScore()).as("CPU high at low throughput, learned after widening").isGreaterThan(0.9);
    }

    /**
     * The keys of the six record kinds of the multivariate store, byte for byte: they are the changelog's keys, so a
     * change would orphan the state of a running deployment.
     */
    @Test
    void shouldKeepTheStoreKeysOfEveryRecordKind() {
        start(quick());
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ScoringTopology.MULTIVARIATE_STORE);
        Set<String> keys = new TreeSet<>();
        for (int i = 0; i < 20; i++) { // without CPU first: probation, then a detector that a CPU series widens
            Vitals v = i < 16 ? new Vitals(load(i), 1, 0.002, Double.NaN, false, true) : Vitals.normal(load(i));
            for (WindowStats w : data.minute(i, v)) {
                pipe(w);
                store.all().forEachRemaining(e -> keys.add(e.key));
            }
            driver.advanceWallClockTime(java.time.Duration.ofMinutes(1));
            store.all().forEachRemaining(e -> keys.add(e.key));
        }
        assertThat(keys).contains("p|checkout|" + String.format("%020d", T0), "k|checkout", "c|checkout",
            "v|checkout", "d|checkout", "w|checkout");
        assertThat(keys).allMatch(k -> k.matches("[pkcvdw]\\|checkout(\\|\\d{20})?"));
    }

    @Test
    void shouldScoreConservativelyDuringColdStart() {
        start(Map.of()); // defaults: first model after 240 vectors, scores capped at 0.5 until 1440
        int i = 0;
        for (; i < 300; i++) {
            pipe(i, Vitals.normal(load(i)));
        }
        int odd = i;
        pipe(i++, new Vitals(0.6, 3, 0.2, 60, true, true));
        pipe(i, Vitals.normal(load(i)));
        Map<Integer, Anomaly> mv = readMultivariate();
        assertThat(mv.get(odd).getModelVersion()).as("a model exists").startsWith("ocsvm-v");
        assertThat(mv.get(odd).getObserved()).as("far outside").isGreaterThan(6);
        assertThat(mv.get(odd).getScore()).as("but capped during warm-up").isLessThanOrEqualTo(0.5);
        assertThat(mv.values()).allSatisfy(a -> assertThat(a.getScore()).isLessThanOrEqualTo(0.5));
        assertThat(readMultivariateAlerts()).isEmpty();
    }

    @Test
    void shouldCloseAtTheDeadlineAndSkipIncompleteVectorsExplicitly() {
        start(quick());
        for (int i = 0; i < 20; i++) {
            pipe(i, Vitals.normal(1));
        }
        readMultivariate();
        // Minute 20: the second route has no window (no events): scored once stream time passes the deadline.
        pipe(20, new Vitals(1, 1, 0.002, Double.NaN, true, false));
        assertThat(readMultivariate()).as("waiting for the missing series").isEmpty();
        // Minute 21 complete: it closes at once; its records move stream time past minute 20's deadline too.
        pipe(21, Vitals.normal(1));
        assertThat(readMultivariate()).containsOnlyKeys(20, 21);
        // Minute 22 without CPU: the detector has a cpu dimension, so the vector is incomplete.
        pipe(22, new Vitals(1, 1, 0.002, Double.NaN, false, true));
        pipe(23, Vitals.normal(1));
        assertThat(readMultivariate()).as("22 skipped, 23 complete").containsOnlyKeys(23);
        assertThat(metric("incomplete-vector-total")).isEqualTo(1.0);
        // A CPU window for minute 22 arriving now is late: counted, not scored.
        pipe(window("cpu.utilization", "-", 22, 12, 0, 25, 25, "percent"));
        assertThat(readMultivariate()).isEmpty();
        assertThat(metric("late-series-total")).isEqualTo(1.0);
    }

    private <T> T decode(RecordCodec<T> codec, byte[] b) {
        try {
            return codec.decode("t", b);
        } catch (dev.perfstream.schemas.serde.DecodeException e) {
            throw new AssertionError(e);
        }
    }

    private double metric(String name) {
        return driver.metrics().entrySet().stream().filter(e -> e.getKey().name().equals(name))
            .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }
}
