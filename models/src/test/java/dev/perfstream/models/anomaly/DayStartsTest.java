package dev.perfstream.models.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DayStartsTest {
    private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00Z
    private static final long DAY = 86_400_000L;
    private static final long STEP = 300_000L;
    private static final int PER_DAY = 288;

    /** A daily sine at 100 +- 50 with 3 units of noise; days 5 and 6 (mod 7) and {@code holiday} at 0.6 of it. */
    private static double value(Random rnd, int i, int holiday) {
        int day = i / PER_DAY;
        double v = 100 * (1 + 0.5 * Math.sin(2 * Math.PI * (i % PER_DAY) / PER_DAY + 1));
        return v * (day % 7 >= 5 || day == holiday ? 0.6 : 1) + 3 * rnd.nextGaussian();
    }

    /** Highest score among the first 6 values of each day in {@code days}. */
    private static List<Double> dayStartScores(double[] scores, int... days) {
        List<Double> out = new ArrayList<>();
        for (int d : days) {
            double max = 0;
            for (int i = d * PER_DAY; i < d * PER_DAY + 6; i++) {
                max = Math.max(max, scores[i]);
            }
            out.add(max);
        }
        return out;
    }

    private static double[] run(SeriesDetector d, int days, int holiday, int spikeAt, double spike) {
        Random rnd = new Random(3);
        double[] scores = new double[days * PER_DAY];
        for (int i = 0; i < scores.length; i++) {
            double v = value(rnd, i, holiday);
            scores[i] = d.observe(T0 + i * STEP, i == spikeAt ? v + spike : v).score();
        }
        return scores;
    }

    @Test
    void shouldStopScoringWholeDayLevelChangesOnceDayStartsShowedThem() {
        SeriesDetector d = new SeriesDetector("weekends", DetectorConfig.defaults());
        double[] scores = run(d, 20, 15, -1, 0);
        assertThat(d.weekly.active()).as("no weekly pattern yet: the day starts alone bound the scores").isFalse();
        assertThat(dayStartScores(scores, 5)).as("the first weekend's start, never seen before").allSatisfy(
            s -> assertThat(s).isGreaterThanOrEqualTo(0.9));
        assertThat(dayStartScores(scores, 7, 12, 14, 15, 16, 19)).as("its end, the next weekend, a holiday and the day after")
            .allSatisfy(s -> assertThat(s).isLessThan(0.5));
    }

    @Test
    void shouldStillScoreAJumpFarLargerThanTheDayStartsSeen() {
        SeriesDetector d = new SeriesDetector("weekends", DetectorConfig.defaults());
        double[] scores = run(d, 20, -1, 15 * PER_DAY + 1, -150);
        assertThat(dayStartScores(scores, 15)).allSatisfy(s -> assertThat(s).isGreaterThanOrEqualTo(0.9));
    }

    @Test
    void shouldStillScoreASpikeAtTheStartOfADayOnACalmSeries() {
        SeriesDetector d = new SeriesDetector("calm", DetectorConfig.defaults());
        Random rnd = new Random(5);
        double last = 0;
        for (int i = 0; i <= 12 * PER_DAY; i++) {
            double v = 100 * (1 + 0.5 * Math.sin(2 * Math.PI * (i % PER_DAY) / PER_DAY + 1)) + 3 * rnd.nextGaussian();
            last = d.observe(T0 + i * STEP, i == 12 * PER_DAY ? v + 40 : v).score();
        }
        assertThat(d.dayStarts.n).as("days 0-11 kept").isEqualTo(12);
        assertThat(last).isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void shouldKeepTheDayStartsThroughAStateRoundTrip() {
        SeriesDetector a = new SeriesDetector("weekends", DetectorConfig.defaults());
        run(a, 9, -1, -1, 0);
        SeriesDetector b = DetectorStateCodec.decode(DetectorStateCodec.encode(a), DetectorConfig.defaults());
        assertThat(b.dayStarts.kept).containsExactly(a.dayStarts.kept);
        assertThat(b.dayStarts.n).isEqualTo(a.dayStarts.n).isEqualTo(8);
        assertThat(b.dayStarts.pos).isEqualTo(a.dayStarts.pos);
        assertThat(b.dayStarts.day).isEqualTo(a.dayStarts.day);
        assertThat(b.dayStarts.seen).isEqualTo(a.dayStarts.seen);
        assertThat(b.dayStarts.floor(T0 + 9 * DAY, -12, 6)).isEqualTo(a.dayStarts.floor(T0 + 9 * DAY, -12, 6)).isPositive();
    }

    /** The series main (format 4) wrote {@code state-format4.bin} from: 30-minute steps, days 5 and 6 (mod 7) at 0.6. */
    private static double format4Series(int i) {
        int day = i / 48;
        double x = 100 + 30 * Math.sin(2 * Math.PI * (i % 48) / 48) + 2 * Math.sin(i * 1.7);
        return x * (day % 7 >= 5 ? 0.6 : 1);
    }

    @Test
    void shouldReadAStateOfFormat4WrittenBeforeTheDayStarts() throws IOException {
        byte[] old;
        try (InputStream in = DayStartsTest.class.getResourceAsStream("state-format4.bin")) {
            old = in.readAllBytes();
        }
        assertThat(old[0]).isEqualTo((byte) 4);
        long step = 1_800_000L;
        int n = 12 * 48;
        SeriesDetector fresh = new SeriesDetector("format4", DetectorConfig.defaults());
        for (int i = 0; i < n; i++) {
            fresh.observe(T0 + i * step, format4Series(i));
        }
        SeriesDetector read = DetectorStateCodec.decode(old, DetectorConfig.defaults());
        assertThat(read.learnedCount()).isEqualTo(n);
        assertThat(read.dayStarts.n).isZero();
        // The day starts bound scores only: what was learned, and so every expectation and z, is as main's (the state's
        // rings are floats, so equal to their last bits only in the detector that never went through it).
        for (int i = n; i < n + 4 * 48; i++) {
            Score a = fresh.observe(T0 + i * step, format4Series(i));
            Score b = read.observe(T0 + i * step, format4Series(i));
            assertThat(b.expected()).isCloseTo(a.expected(), org.assertj.core.data.Offset.offset(1e-6 * Math.abs(a.expected())));
            assertThat(b.z()).isCloseTo(a.z(), org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThat(read.dayStarts.n).as("days 12-14 kept, 15 in progress").isEqualTo(3);
        assertThat(DetectorStateCodec.encode(read)).hasSize(old.length + SeriesDetectorTest.DAY_STARTS_BYTES
            + SeriesDetectorTest.JUMPS_BYTES);
    }
    /** 1-hour steps, a daily sine at 100 +- 30 and a ripple; days 5 and 6 (mod 7) and {@code holidays} at 0.6 of it. */
    private static double hourly(int i, int... holidays) {
        int day = i / 24;
        double x = 100 + 30 * Math.sin(2 * Math.PI * (i % 24) / 24) + 2 * Math.sin(i * 1.7);
        boolean low = day % 7 >= 5 || java.util.Arrays.stream(holidays).anyMatch(h -> h == day);
        return x * (low ? 0.6 : 1);
    }

    @Test
    void shouldBoundAHolidayByAnEarlierOneThatLeftTheRingOfDays() {
        long step = 3_600_000L;
        SeriesDetector d = new SeriesDetector("holidays", DetectorConfig.defaults());
        double[] scores = new double[80 * 24];
        for (int i = 0; i < scores.length; i++) {
            if (i == 73 * 24) {
                // Before the holiday of day 73: the weekends no longer jump, the last holiday (day 37) left the ring.
                assertThat(d.weekly.active()).isTrue();
                assertThat(d.dayStarts.jumpN).isPositive();
                int jumps = d.dayStarts.jumpN;
                double z = -10;
                assertThat(d.dayStarts.floor(T0 + 73 * DAY, z, 2)).as("bounded by the jumps").isPositive();
                d.dayStarts.jumpN = 0;
                assertThat(d.dayStarts.floor(T0 + 73 * DAY, z, 2)).as("not by the ring alone").isZero();
                d.dayStarts.jumpN = jumps;
            }
            scores[i] = d.observe(T0 + i * step, hourly(i, 15, 37, 73)).score();
        }
        assertThat(scores[73 * 24]).as("the first value of the holiday 36 days after the last one").isLessThan(0.5);
    }

    @Test
    void shouldWeakenTheBoundOfAJumpAsItAges() {
        DayStarts s = new DayStarts();
        s.day = 1000;
        s.n = DayStarts.DAYS; // calm days: no bound from the ring
        java.util.Arrays.fill(s.kept, 1f);
        s.jumps[0] = -8f;
        s.jumpDays[0] = 960;
        s.jumps[1] = 8f;
        s.jumpDays[1] = 961;
        s.jumpN = 2;
        // The first value of day 1001: the jumps of days 960 and 961 reach it, the ring's calm days do not.
        double near = s.floor((1000 + 1) * DAY, -10, 2);
        s.jumpDays[0] = 640;
        s.jumpDays[1] = 641;
        double far = s.floor((1000 + 1) * DAY, -10, 2);
        assertThat(near).isEqualTo(2.0 / 41);
        assertThat(far).isEqualTo(2.0 / 361);
        assertThat(s.floor((1000 + 1) * DAY, -13, 2)).as("further than 1.5 times the jumps").isZero();
    }

    /** The series main (format 5) wrote {@code state-format5.bin} from (45 days): 1-hour steps, holidays on days 15 and 37. */
    private static double format5Series(int i) {
        return hourly(i, 15, 37);
    }

    @Test
    void shouldReadAStateOfFormat5WrittenBeforeTheJumps() throws IOException {
        byte[] old;
        try (InputStream in = DayStartsTest.class.getResourceAsStream("state-format5.bin")) {
            old = in.readAllBytes();
        }
        assertThat(old[0]).isEqualTo((byte) 5);
        long step = 3_600_000L;
        int n = 45 * 24;
        SeriesDetector fresh = new SeriesDetector("format5", DetectorConfig.defaults());
        for (int i = 0; i < n; i++) {
            fresh.observe(T0 + i * step, format5Series(i));
        }
        SeriesDetector read = DetectorStateCodec.decode(old, DetectorConfig.defaults());
        assertThat(read.learnedCount()).isEqualTo(n);
        assertThat(read.dayStarts.jumpN).isZero();
        assertThat(fresh.dayStarts.jumpN).as("days 0-15 left the ring in the detector that never went through a state").isPositive();
        // The ring's values and days as the fresh detector's (format 5 kept no days: the days before the current one).
        DayStarts a = fresh.dayStarts;
        DayStarts b = read.dayStarts;
        assertThat(b.n).isEqualTo(a.n).isEqualTo(DayStarts.DAYS);
        for (int i = 0; i < DayStarts.DAYS; i++) {
            int from = Math.floorMod(a.pos + i, DayStarts.DAYS); // oldest first
            assertThat(b.kept[Math.floorMod(b.pos + i, DayStarts.DAYS)]).isEqualTo(a.kept[from]);
            assertThat(b.keptDays[Math.floorMod(b.pos + i, DayStarts.DAYS)]).isEqualTo(a.keptDays[from]);
        }
        for (int i = n; i < n + 30 * 24; i++) {
            Score x = fresh.observe(T0 + i * step, format5Series(i));
            Score y = read.observe(T0 + i * step, format5Series(i));
            assertThat(y.expected()).isCloseTo(x.expected(), org.assertj.core.data.Offset.offset(1e-6 * Math.abs(x.expected())));
            assertThat(y.z()).isCloseTo(x.z(), org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThat(read.dayStarts.jumpN).as("days that left the ring after the state was read").isPositive();
        assertThat(DetectorStateCodec.encode(read)).hasSize(old.length + SeriesDetectorTest.JUMPS_BYTES);
    }

    @Test
    void shouldKeepTheJumpsThroughAStateRoundTrip() {
        long step = 3_600_000L;
        SeriesDetector a = new SeriesDetector("holidays", DetectorConfig.defaults());
        for (int i = 0; i < 60 * 24; i++) {
            a.observe(T0 + i * step, hourly(i, 15, 37));
        }
        assertThat(a.dayStarts.jumpN).isPositive();
        SeriesDetector b = DetectorStateCodec.decode(DetectorStateCodec.encode(a), DetectorConfig.defaults());
        DayStarts x = a.dayStarts;
        DayStarts y = b.dayStarts;
        assertThat(y.jumpN).isEqualTo(x.jumpN);
        for (int i = 0; i < x.jumpN; i++) { // the read jumps are oldest first
            int from = Math.floorMod(x.jumpPos - x.jumpN + i, DayStarts.JUMPS);
            assertThat(y.jumps[i]).isEqualTo(x.jumps[from]);
            assertThat(y.jumpDays[i]).isEqualTo(x.jumpDays[from]);
        }
        for (int i = 0; i < DayStarts.DAYS; i++) {
            assertThat(y.keptDays[Math.floorMod(y.pos + i, DayStarts.DAYS)]).isEqualTo(x.keptDays[Math.floorMod(x.pos + i, DayStarts.DAYS)]);
        }
        for (double z : new double[] {-12, -8, 8, 12}) {
            assertThat(y.floor(T0 + 60 * DAY, z, 2)).isEqualTo(x.floor(T0 + 60 * DAY, z, 2));
        }
        y.jumpN = 0;
        assertThat(x.floor(T0 + 60 * DAY, -12, 2)).as("a bound the jumps alone give").isPositive()
            .isNotEqualTo(y.floor(T0 + 60 * DAY, -12, 2));
    }
}
