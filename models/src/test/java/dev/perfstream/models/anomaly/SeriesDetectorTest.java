package dev.perfstream.models.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SeriesDetectorTest {
    private static final long MIN = 60_000L;
    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00Z

    /** Daily sine around 100 with 5% gaussian noise. */
    private static double calm(Random rnd, int i) {
        double level = 100 * (1 + 0.3 * Math.sin(2 * Math.PI * i / 1440.0));
        return level * (1 + 0.05 * rnd.nextGaussian());
    }

    @Test
    void shouldScoreASpikeHighAndCalmTrafficLow() {
        SeriesDetector d = new SeriesDetector("s", DetectorConfig.defaults());
        Random rnd = new Random(1);
        double maxCalm = 0;
        int calmHigh = 0;
        for (int i = 0; i < 3 * 1440; i++) {
            Score s = d.observe(T0 + i * MIN, calm(rnd, i));
            if (i > 60) {
                maxCalm = Math.max(maxCalm, s.score());
                calmHigh += s.score() >= 0.9 ? 1 : 0;
            }
        }
        Score spike = d.observe(T0 + 3 * 1440 * MIN, 200);
        assertThat(spike.score()).isGreaterThan(0.99);
        assertThat(spike.modelVersion()).startsWith("lsgd-v");
        assertThat(calmHigh).as("calm windows scored >= 0.9 over 3 days (max %s)", maxCalm).isLessThanOrEqualTo(3);
    }

    @Test
    void shouldScoreConservativelyDuringColdStart() {
        SeriesDetector d = new SeriesDetector("s", DetectorConfig.defaults());
        Random rnd = new Random(2);
        List<Double> scores = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            scores.add(d.observe(T0 + i * MIN, i == 10 ? 1000 : 50 + rnd.nextGaussian()).score());
        }
        assertThat(scores).allMatch(s -> s <= 0.5);
        assertThat(scores.get(10)).isEqualTo(0.5);
    }

    @Test
    void shouldAlertOnceOnALevelShiftThenAdapt() {
        DetectorConfig cfg = DetectorConfig.defaults();
        SeriesDetector d = new SeriesDetector("s", cfg);
        Random rnd = new Random(3);
        for (int i = 0; i < 500; i++) {
            d.observe(T0 + i * MIN, 40 + rnd.nextGaussian());
        }
        int high = 0;
        double last = 1;
        for (int i = 500; i < 700; i++) {
            Score s = d.observe(T0 + i * MIN, 80 + rnd.nextGaussian());
            high += s.score() >= 0.9 ? 1 : 0;
            last = s.score();
            if (i > 520) {
                assertThat(s.expected()).isBetween(75.0, 85.0);
            }
        }
        assertThat(high).isBetween(1, cfg.shiftRun());
        assertThat(last).isLessThan(0.5);
    }

    @Test
    void shouldHandleAConstantSeriesThenAChange() {
        SeriesDetector d = new SeriesDetector("s", DetectorConfig.defaults());
        for (int i = 0; i < 300; i++) {
            assertThat(d.observe(T0 + i * MIN, 7.0).score()).isLessThan(0.05);
        }
        assertThat(d.observe(T0 + 300 * MIN, 9.0).score()).isGreaterThan(0.99);
        assertThat(d.observe(T0 + 301 * MIN, 7.0).score()).isLessThan(0.05);
    }

    @Test
    void shouldNotLearnFromNaNOrOutOfOrderValues() {
        SeriesDetector d = new SeriesDetector("s", DetectorConfig.defaults());
        for (int i = 0; i < 100; i++) {
            d.observe(T0 + i * MIN, 10 + (i % 3));
        }
        long learned = d.learnedCount();
        Score nan = d.observe(T0 + 100 * MIN, Double.NaN);
        assertThat(nan.score()).isZero();
        assertThat(nan.learned()).isFalse();
        Score old = d.observe(T0 + 50 * MIN, 11);
        assertThat(old.learned()).isFalse();
        Score dup = d.observe(T0 + 99 * MIN, 11);
        assertThat(dup.learned()).isFalse();
        assertThat(d.learnedCount()).isEqualTo(learned);
    }

    @Test
    void shouldContinueIdenticallyAfterAStateRoundTrip() {
        DetectorConfig cfg = DetectorConfig.defaults();
        SeriesDetector a = new SeriesDetector("k", cfg);
        Random rnd = new Random(4);
        for (int i = 0; i < 400; i++) {
            a.observe(T0 + i * MIN, calm(rnd, i));
        }
        SeriesDetector b = DetectorStateCodec.decode(DetectorStateCodec.encode(a), cfg);
        assertThat(b.modelVersion()).isEqualTo(a.modelVersion());
        for (int i = 400; i < 1000; i++) {
            double v = calm(rnd, i);
            Score sa = a.observe(T0 + i * MIN, v);
            Score sb = b.observe(T0 + i * MIN, v);
            // Training rows are stored as floats, so a retrained model may differ in the last bits.
            assertThat(sb.expected()).isCloseTo(sa.expected(), org.assertj.core.data.Offset.offset(1e-3 * Math.abs(sa.expected())));
        }
    }

    @Test
    void shouldKeepANoiseFreeSineAtAnHourlyStepCalmAndStillSeeASpike() {
        long hour = 3_600_000L;
        SeriesDetector d = new SeriesDetector("sine", DetectorConfig.defaults());
        int high = 0;
        int n = 60 * 24;
        for (int i = 0; i < n; i++) {
            double v = 100 + 40 * Math.sin(2 * Math.PI * i / 24.0);
            Score s = d.observe(T0 + i * hour, v);
            high += i >= 300 && s.score() >= 0.9 ? 1 : 0;
        }
        // 30 = 8 x 5 % of the 80-unit range, as the corpus' spikes on noise-free shapes
        Score spike = d.observe(T0 + n * hour, 100 + 40 * Math.sin(2 * Math.PI * n / 24.0) + 30);
        assertThat(high).as("calm points >= 0.9 after 300 hours").isZero();
        assertThat(spike.score()).isGreaterThan(0.9);
    }

    @Test
    void shouldLearnASquareWavesDailyJumpAtAFiveMinuteStep() {
        long step = 300_000L;
        SeriesDetector d = new SeriesDetector("square", DetectorConfig.defaults());
        int high = 0;
        int perDay = 288;
        for (int i = 0; i < 20 * perDay; i++) {
            double v = (i % perDay) < perDay / 2 ? 140 : 60;
            Score s = d.observe(T0 + i * step, v);
            high += i >= 3 * perDay && s.score() >= 0.9 ? 1 : 0;
        }
        assertThat(high).as("calm points >= 0.9 from day 3 to day 20 (34 daily jumps)").isZero();
    }

    @Test
    void shouldBoundHighScoresOnSparseCountsAndSeeABurst() {
        SeriesDetector d = new SeriesDetector("counts", DetectorConfig.defaults());
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        int high = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            Score s = d.observe(T0 + i * MIN, poisson(rnd, 0.15));
            high += i >= 300 && s.score() >= 0.9 ? 1 : 0;
        }
        Score burst = d.observe(T0 + n * MIN, 15);
        // Bounded, though above the 0.1 % aimed at: 62 of 19,700 (0.31 %); 10-13 % before the calibration.
        assertThat(high).as("calm points >= 0.9 of %s", n - 300).isLessThanOrEqualTo((n - 300) / 200);
        assertThat(burst.score()).isGreaterThan(0.9);
    }

    private static int poisson(java.util.SplittableRandom rnd, double mean) {
        double l = Math.exp(-mean);
        int k = 0;
        double p = rnd.nextDouble();
        while (p > l) {
            k++;
            p *= rnd.nextDouble();
        }
        return k;
    }

    @Test
    void shouldRefuseAStateOfTheUncalibratedFormat() {
        byte[] format1 = DetectorStateCodec.encode(new SeriesDetector("k", DetectorConfig.defaults()));
        format1[0] = 1;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DetectorStateCodec.decode(format1, DetectorConfig.defaults()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format 1");
    }

    @Test
    void shouldAcceptANoisierRegimeAfterALevelShiftInCounts() {
        SeriesDetector d = new SeriesDetector("counts", DetectorConfig.defaults());
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(6);
        int n = 3000;
        for (int i = 0; i < n; i++) {
            d.observe(T0 + i * MIN, poisson(rnd, 0.15));
        }
        int high = 0;
        for (int i = n; i < 2 * n; i++) {
            Score s = d.observe(T0 + i * MIN, poisson(rnd, 2));
            high += i >= n + 60 && s.score() >= 0.9 ? 1 : 0;
        }
        // Counts of 4-6 are common at a mean of 2; with the scale of the mostly-zero regime (the last 256
        // residuals) they scored 0.9 and more for hundreds of points. The short-run scale follows the new noise.
        assertThat(high).as("points >= 0.9 from 60 after the shift to a mean of 2").isLessThanOrEqualTo(3);
    }

    @Test
    void shouldKeepANoiseFreeSawtoothCalmAfterAGradualLevelChange() {
        long step = 300_000L;
        int perDay = 288;
        SeriesDetector d = new SeriesDetector("sawtooth", DetectorConfig.defaults());
        int high = 0;
        int change = 6 * perDay + 100;
        for (int i = 0; i < 20 * perDay; i++) {
            double v = 60 + 80.0 * (i % perDay) / perDay + 32 * Math.min(1, Math.max(0, (i - change + 1) / 30.0));
            Score s = d.observe(T0 + i * step, v);
            high += i >= change + perDay && s.score() >= 0.9 ? 1 : 0;
        }
        // A profile of absolute values, moved as a whole when a new level was accepted, kept the slots learned during
        // the ramp at another level: a step in the day's shape that alarmed at the same time every day.
        assertThat(high).as("points >= 0.9 from a day after a 30-point ramp of 32").isZero();
    }

    @Test
    void shouldReadAStateOfFormat2WithoutTheShortRunScale() {
        DetectorConfig cfg = DetectorConfig.defaults();
        SeriesDetector a = new SeriesDetector("k", cfg);
        Random rnd = new Random(7);
        for (int i = 0; i < 300; i++) {
            a.observe(T0 + i * MIN, calm(rnd, i));
        }
        byte[] format6 = DetectorStateCodec.encode(a);
        // format 6 appends the day starts' days and jumps to format 5, which appends the day starts to format 4, which
        // appends the weekly pattern to format 3, which appends one double to format 2
        byte[] format2 = java.util.Arrays.copyOf(format6, format6.length - JUMPS_BYTES - DAY_STARTS_BYTES - WEEKLY_BYTES - 8);
        format2[0] = 2;
        SeriesDetector b = DetectorStateCodec.decode(format2, cfg);
        assertThat(b.learnedCount()).isEqualTo(a.learnedCount());
        assertThat(b.recentAbs).isNaN();
        assertThat(b.observe(T0 + 300 * MIN, calm(rnd, 300)).learned()).isTrue();
    }

    /** Bytes format 4 appends to format 3: the weekly pattern. */
    private static final int WEEKLY_BYTES = 7 * 8 + 8 + 8 + 4 + 3 * 7 * 4 + 7 + 7;
    /** Bytes format 5 appends to format 4: the day starts. */
    static final int DAY_STARTS_BYTES = 4 + 28 * 4 + 4 + 4 + 8 + 4 + 3 * 4;
    /** Bytes format 6 appends to format 5: the days of the day starts' ring and the jumps. */
    static final int JUMPS_BYTES = 28 * 4 + 4 + 8 * (4 + 4) + 4 + 4;

    @Test
    void shouldReadAStateOfFormat3WithoutTheWeeklyPattern() {
        DetectorConfig cfg = DetectorConfig.defaults();
        long step = 3_600_000L;
        SeriesDetector a = new SeriesDetector("k", cfg);
        for (int i = 0; i < 30 * 24; i++) {
            a.observe(T0 + i * step, weekly(i, 24));
        }
        assertThat(a.weekly.active()).isTrue();
        byte[] format4 = java.util.Arrays.copyOf(DetectorStateCodec.encode(a), DetectorStateCodec.encode(a).length - JUMPS_BYTES - DAY_STARTS_BYTES);
        format4[0] = 4;
        byte[] format3 = java.util.Arrays.copyOf(format4, format4.length - WEEKLY_BYTES);
        format3[0] = 3;
        SeriesDetector b = DetectorStateCodec.decode(format3, cfg);
        assertThat(b.learnedCount()).isEqualTo(a.learnedCount());
        assertThat(b.recentAbs).isEqualTo(a.recentAbs);
        assertThat(b.weekly.active()).isFalse();
        assertThat(b.observe(T0 + 30 * 24 * step, weekly(30 * 24, 24)).learned()).isTrue();
        SeriesDetector c = DetectorStateCodec.decode(format4, cfg);
        assertThat(c.weekly.active()).isTrue();
        assertThat(c.weekly.factor(T0 + 5 * 86_400_000L)).isEqualTo(a.weekly.factor(T0 + 5 * 86_400_000L));
    }

    /** A daily sine at 100 +- 30 plus a ripple, two days a week (days 5 and 6 after T0, mod 7) at 0.6 of it. */
    private static double weekly(int i, int perDay) {
        int day = i / perDay;
        double v = 100 + 30 * Math.sin(2 * Math.PI * (i % perDay) / perDay) + 2 * Math.sin(i * 1.7);
        return v * (day % 7 >= 5 ? 0.6 : 1);
    }

    @Test
    void shouldStopScoringWeekendStartsOnceTheWeeklyPatternIsLearned() {
        long step = 1_800_000L;
        int perDay = 48;
        SeriesDetector d = new SeriesDetector("weekly", DetectorConfig.defaults());
        java.util.List<Double> lateTransitions = new java.util.ArrayList<>();
        double earlyMax = 0;
        for (int i = 0; i < 56 * perDay; i++) {
            Score s = d.observe(T0 + i * step, weekly(i, perDay));
            boolean transition = i % perDay < 3 && (i / perDay % 7 == 5 || i / perDay % 7 == 0);
            if (transition && i / perDay >= 35) {
                lateTransitions.add(s.score());
            } else if (transition && i / perDay >= 5 && i / perDay < 8) {
                earlyMax = Math.max(earlyMax, s.score());
            }
        }
        assertThat(earlyMax).as("the first weekend, before any weekly pattern").isGreaterThanOrEqualTo(0.9);
        assertThat(d.weekly.active()).isTrue();
        assertThat(d.weekly.factor(T0 + 5 * 86_400_000L)).isCloseTo(0.6 / (5 + 2 * 0.6) * 7, org.assertj.core.data.Offset.offset(0.02));
        assertThat(lateTransitions).hasSize(2 * 3 * 3).allSatisfy(x -> assertThat(x).isLessThan(0.9));
    }

    @Test
    void shouldLearnNoWeeklyPatternFromALevelStepOrAHoliday() {
        WeeklyPattern w = new WeeklyPattern();
        long step = 3_600_000L;
        for (int i = 0; i < 60 * 24; i++) {
            int day = i / 24;
            double level = day >= 20 ? 130 : 100; // one lasting step
            w.learn(T0 + i * step, day == 30 ? 0.6 * level : level, step); // one holiday
        }
        assertThat(w.active()).isFalse();
        assertThat(w.factor(T0 + 30 * 86_400_000L)).isEqualTo(1);
    }
}
