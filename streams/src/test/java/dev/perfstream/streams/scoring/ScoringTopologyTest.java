package dev.perfstream.streams.scoring;

import static dev.perfstream.streams.scoring.ScoringTestData.MIN;
import static dev.perfstream.streams.scoring.ScoringTestData.T0;
import static dev.perfstream.streams.scoring.ScoringTestData.window;
import static org.assertj.core.api.Assertions.assertThat;

import dev.perfstream.models.anomaly.LinearExpectation;
import dev.perfstream.models.feature.SeriesFeatures;
import dev.perfstream.models.store.ModelStore;
import dev.perfstream.schemas.avro.Anomaly;
import dev.perfstream.schemas.avro.DeadLetter;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.config.Settings;
import dev.perfstream.schemas.serde.Codecs;
import dev.perfstream.schemas.serde.RecordCodec;
import dev.perfstream.schemas.series.SeriesKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.perfstream.streams.scoring.anomaly.AnomalyProcessor;

class ScoringTopologyTest {
    @TempDir
    Path dir;

    private TopologyTestDriver driver;
    private ModelStore models;
    private ScoringConfig cfg;
    private TestInputTopic<byte[], byte[]> stats;
    private TestOutputTopic<String, byte[]> anomalies;
    private TestOutputTopic<byte[], byte[]> deadletters;
    private TestOutputTopic<String, byte[]> alerts;
    private final RecordCodec<dev.perfstream.schemas.avro.Alert> alertCodec =
        Codecs.create(dev.perfstream.schemas.avro.Alert.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<WindowStats> statsCodec = Codecs.create(WindowStats.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<Anomaly> anomalyCodec = Codecs.create(Anomaly.getClassSchema(), Settings.of(Map.of()));
    private final RecordCodec<DeadLetter> dlCodec = Codecs.create(DeadLetter.getClassSchema(), Settings.of(Map.of()));

    @BeforeEach
    void start() {
        ScoringDriver scoring = new ScoringDriver(dir, "scoring-test", Map.of("models.dir", dir.resolve("models").toString(),
            "models.reload.interval", "10s"));
        cfg = scoring.cfg;
        models = scoring.models;
        driver = scoring.driver;
        stats = scoring.stats;
        anomalies = scoring.output(cfg.anomaliesTopic());
        deadletters = scoring.deadletters();
        alerts = scoring.output(cfg.alertsTopic());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void pipe(WindowStats w) {
        stats.pipeInput(SeriesKey.of(w).id().getBytes(StandardCharsets.UTF_8), statsCodec.encode(cfg.statsTopic(), w),
            w.getWindowEnd().toEpochMilli());
    }

    /** Per-series anomalies (the multivariate detector's own records are checked in MultivariateTopologyTest). */
    private List<Anomaly> read() {
        return anomalies.readValuesToList().stream().map(b -> {
            try {
                return anomalyCodec.decode(cfg.anomaliesTopic(), b);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).filter(a -> !a.getSeries().startsWith("MULTIVARIATE|")).toList();
    }

    @Test
    void shouldScoreEveryStatisticOfEveryWindowAndFlagALatencySpike() {
        Random rnd = new Random(11);
        for (int i = 0; i < 200; i++) {
            pipe(window("checkout", i, rnd, 1.0));
        }
        pipe(window("checkout", 200, rnd, 2.5));
        List<Anomaly> out = read();
        assertThat(out).hasSize(201 * 3);
        assertThat(out).extracting(Anomaly::getStatistic).containsOnly("p95", "error_rate", "rate");
        Anomaly spike = out.stream().filter(a -> a.getStatistic().equals("p95")).reduce((a, b) -> b).orElseThrow();
        assertThat(spike.getSeries()).isEqualTo("METRIC|http.server.duration|checkout|/cart");
        assertThat(spike.getWindowStart()).isEqualTo(Instant.ofEpochMilli(T0 + 200 * MIN));
        assertThat(spike.getScore()).isGreaterThan(0.99);
        assertThat(spike.getExpected()).isBetween(90.0, 110.0);
        assertThat(spike.getModelVersion()).isEqualTo("lsgd-v1");
        // The detector retrained after 120 clean windows and stored the model with its provenance.
        assertThat(models.latestVersion(AnomalyProcessor.MODEL_KIND, spike.getSeries() + "|60000ms|p95")).hasValue(1);
        double calmMax = out.subList(0, 200 * 3).stream().filter(a -> a.getWindowStart().toEpochMilli() > T0 + 40 * MIN)
            .mapToDouble(Anomaly::getScore).max().orElseThrow();
        assertThat(calmMax).isLessThan(0.9);
        assertThat(deadletters.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterAnUndecodableWindowAndCarryOn() throws Exception {
        stats.pipeInput("k".getBytes(StandardCharsets.UTF_8), "{not json".getBytes(StandardCharsets.UTF_8), T0);
        pipe(window("checkout", 0, new Random(1), 1.0));
        DeadLetter dl = dlCodec.decode(cfg.deadletterTopic(), deadletters.readValue());
        assertThat(dl.getStage()).isEqualTo("scoring");
        assertThat(dl.getSourceTopic()).isEqualTo(cfg.statsTopic());
        assertThat(dl.getReason()).isNotBlank();
        assertThat(new String(dl.getPayload().array(), StandardCharsets.UTF_8)).isEqualTo("{not json");
        assertThat(read()).hasSize(3);
    }

    @Test
    void shouldPickUpANewerStoredModelWithoutRestart() {
        Random rnd = new Random(12);
        for (int i = 0; i < 50; i++) {
            pipe(window("search", i, rnd, 1.0));
        }
        List<Anomaly> before = read();
        assertThat(before).extracting(Anomaly::getModelVersion).containsOnly("baseline");
        // Another trainer (an offline job, another instance) stores version 1 of the p95 model: it expects
        // every value 3 noise scales above the level.
        String key = "METRIC|http.server.duration|search|/cart|60000ms|p95";
        int n = 200;
        double[][] x = new double[n][SeriesFeatures.COUNT];
        double[] y = new double[n];
        java.util.Arrays.fill(y, 3.0);
        models.save(AnomalyProcessor.MODEL_KIND, key, LinearExpectation.train(x, y, n, key, 1L,
            OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)));
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        pipe(window("search", 50, rnd, 1.0));
        Anomaly p95 = read().stream().filter(a -> a.getStatistic().equals("p95")).findFirst().orElseThrow();
        assertThat(p95.getModelVersion()).isEqualTo("lsgd-v1");
        Anomaly lastBefore = before.stream().filter(a -> a.getStatistic().equals("p95")).reduce((a, b) -> b).orElseThrow();
        assertThat(p95.getExpected()).isGreaterThan(lastBefore.getExpected() * 1.03);
    }

    @Test
    void shouldFireOneAnomalyAlertOnALevelShiftThenResolveOnceAdapted() throws Exception {
        Random rnd = new Random(13);
        for (int i = 0; i < 200; i++) {
            pipe(window("orders", i, rnd, 1.0));
        }
        assertThat(alerts.isEmpty()).isTrue();
        for (int i = 200; i < 260; i++) {
            pipe(window("orders", i, rnd, 2.0)); // p95 doubles and stays there
        }
        List<dev.perfstream.schemas.avro.Alert> out = new java.util.ArrayList<>();
        for (var kv : alerts.readKeyValuesToList()) {
            var a = alertCodec.decode(cfg.alertsTopic(), kv.value);
            assertThat(kv.key).isEqualTo(a.getFingerprint());
            out.add(a);
        }
        assertThat(out).extracting(a -> a.getState().name()).containsExactly("FIRING", "RESOLVED");
        var firing = out.get(0);
        assertThat(firing.getSource().name()).isEqualTo("ANOMALY");
        assertThat(firing.getStatistic()).isEqualTo("p95");
        assertThat(firing.getFingerprint()).isEqualTo("anomaly|METRIC|http.server.duration|orders|/cart|p95");
        assertThat(firing.getWindowStart()).isEqualTo(Instant.ofEpochMilli(T0 + 200 * MIN));
        assertThat(firing.getSummary()).startsWith("Anomalous p95");
        assertThat(firing.getPlaybook()).startsWith("High latency");
        assertThat(out.get(1).getStartedAt()).isEqualTo(firing.getStartedAt());
    }
}
