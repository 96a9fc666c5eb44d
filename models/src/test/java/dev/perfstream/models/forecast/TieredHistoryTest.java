package dev.perfstream.models.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class TieredHistoryTest {
    /** fine 10 steps, 40 in all, blocks of 5: 6 blocks of 5 before the fine tier. */
    private static TieredHistory ramp(int n) {
        TieredHistory h = new TieredHistory(10, 40, 5);
        for (int i = 0; i < n; i++) {
            h.put(i, i);
        }
        return h;
    }

    @Test
    void shouldKeepRecentValuesExactAndOlderOnesAsBlockMeans() {
        TieredHistory h = ramp(57);
        // fine tier: from the largest multiple of 5 at or below 57 - 10 = 47 -> 45; blocks 15..44 before it
        assertThat(h.end()).isEqualTo(57);
        assertThat(h.fineStart()).isEqualTo(45);
        assertThat(h.start()).isEqualTo(15);
        assertThat(h.at(45)).isEqualTo(45.0);
        assertThat(h.at(56)).isEqualTo(56.0);
        assertThat(h.at(44)).isNaN(); // only its block mean is left
        assertThat(h.at(57)).isNaN();
        assertThat(h.mean(46, 50)).isEqualTo(48.0); // exact
        assertThat(h.mean(20, 29)).isEqualTo(24.5); // two whole blocks: exact
        assertThat(h.mean(40, 49)).isEqualTo(44.5); // one block + fine values: exact
        // a window cutting blocks: their values are taken as spread evenly: means 22 and 27 weighted 3 : 4 (exact: 25)
        assertThat(h.mean(22, 28)).isCloseTo((3 * 22.0 + 4 * 27.0) / 7, within(1e-9));
        assertThat(h.mean(22, 28)).isCloseTo(25.0, within(0.2));
        // before the oldest block: missing, so a window reaching there needs half of its steps after it
        assertThat(h.mean(5, 14)).isNaN();
        assertThat(h.mean(12, 19)).isEqualTo(17.0); // 5 of 8 steps present: the block 15..19
    }

    @Test
    void shouldShiftOldBlocksOutWhenFull() {
        TieredHistory h = ramp(200);
        assertThat(h.fineStart()).isEqualTo(190);
        assertThat(h.start()).isEqualTo(160);
        assertThat(h.mean(160, 164)).isEqualTo(162.0);
        assertThat(h.mean(150, 159)).isNaN(); // dropped
        assertThat(h.mean(185, 189)).isEqualTo(187.0);
    }

    @Test
    void shouldTreatGapsAndNaNAsMissingAndRefuseDuplicatesAndOutOfOrderSteps() {
        TieredHistory h = new TieredHistory(10, 40, 5);
        for (int i = 0; i < 60; i++) {
            if (i % 5 == 1) {
                continue; // a gap
            }
            h.put(i, i % 7 == 0 ? Double.NaN : i < 30 ? 100 : 200);
        }
        assertThat(h.at(51)).isNaN();
        assertThat(h.at(56)).isNaN(); // NaN value
        assertThat(h.at(52)).isEqualTo(200.0);
        assertThat(h.mean(20, 29)).isEqualTo(100.0); // blocks with 3 and 4 present values
        assertThat(h.mean(25, 34)).isCloseTo((3 * 100 + 4 * 200) / 7.0, within(1e-9)); // 3 : 4 present
        assertThatThrownBy(() -> h.put(59, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not after");
        assertThatThrownBy(() -> h.put(3, 1)).isInstanceOf(IllegalArgumentException.class);
        TieredHistory sparse = new TieredHistory(10, 40, 5);
        for (int i = 0; i < 60; i += 3) {
            sparse.put(i, 1);
        }
        assertThat(sparse.mean(20, 29)).as("fewer than half present").isNaN();
        assertThat(sparse.mean(50, 59)).as("fewer than half present, fine tier").isNaN();
    }

    @Test
    void shouldClearAfterAGapLongerThanTheHistory() {
        TieredHistory h = ramp(57);
        h.put(500, 7);
        assertThat(h.end()).isEqualTo(501);
        assertThat(h.at(500)).isEqualTo(7.0);
        assertThat(h.at(495)).isNaN();
        assertThat(h.mean(461, 490)).isNaN();
        h.put(501, 9);
        assertThat(h.mean(500, 501)).isEqualTo(8.0);
    }

    @Test
    void shouldRoundTripThroughItsEncoding() throws IOException {
        TieredHistory h = ramp(123);
        h.put(130, Double.NaN);
        h.put(131, 3.25);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        h.write(new DataOutputStream(bytes));
        assertThat(bytes.size()).isEqualTo(h.encodedBytes()).isEqualTo(4 + 4 * (132 - 120) + 5 * 6);
        TieredHistory back = new TieredHistory(10, 40, 5);
        back.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(back.end()).isEqualTo(h.end());
        assertThat(back.start()).isEqualTo(h.start());
        for (int lo = 80; lo < 135; lo++) {
            assertThat(Double.valueOf(back.at(lo))).isEqualTo(Double.valueOf(h.at(lo))); // NaN equals NaN
            for (int hi = lo; hi < 135; hi += 3) {
                assertThat(Double.valueOf(back.mean(lo, hi))).isEqualTo(Double.valueOf(h.mean(lo, hi)));
            }
        }
        back.put(132, 1);
        h.put(132, 1);
        assertThat(back.mean(90, 132)).isEqualTo(h.mean(90, 132));
    }

    @Test
    void shouldKeepEverythingWhenFlat() {
        double[] v = new double[100];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5;
        }
        TieredHistory h = TieredHistory.of(v);
        assertThat(h.start()).isZero();
        assertThat(h.fineStart()).isZero();
        assertThat(h.at(0)).isZero();
        assertThat(h.mean(10, 19)).isEqualTo(7.25);
    }
}
