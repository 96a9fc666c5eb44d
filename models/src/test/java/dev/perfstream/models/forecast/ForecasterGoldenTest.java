package dev.perfstream.models.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Pins what the forecaster computes and the bytes of its state: the forecasts (value, interval, model version) of
 * two seeded series (10-minute steps over four weeks with surges and a level shift, 1-minute steps over two days),
 * with state round trips along the way, and the encoded state, hashed. A refactoring must leave the hash as it is.
 * A change of the method changes it: then check the backtests and the evaluation, and that a state written by the
 * previous version still decodes (the scoring stage restores it after an upgrade), before updating {@link #SHA256}.
 */
class ForecasterGoldenTest {
    private static final String SHA256 = "c76e939dc962ce829d9a551a1d6c3df93d62e48f2831a5c76d60cd75716b67c5";

    @Test
    void shouldForecastAndEncodeExactlyAsPinned() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (long interval : new long[] {600_000L, 60_000L}) {
            int n = interval == 600_000L ? 4000 : 3000;
            SeriesForecaster f = new SeriesForecaster(interval, new int[] {3, 12}, 2000, 100, 400);
            Random rnd = new Random(11);
            long t0 = 1_767_225_600_000L;
            int c = 0;
            for (int k = 0; k < n; k++) {
                double day = Math.sin(2 * Math.PI * k * interval / 86_400_000.0);
                double v = 100 + 30 * day + 3 * rnd.nextGaussian() + (k % 700 > 650 ? 80 : 0) + (k / 1500) * 20;
                if (k % 131 == 0) {
                    continue; // gaps
                }
                List<SeriesForecaster.Point> ps = f.observe(t0 + k * interval, v, (h, m) -> "g");
                for (SeriesForecaster.Point p : ps) {
                    md.update(ByteBuffer.allocate(24).putDouble(p.predicted()).putDouble(p.lower()).putDouble(p.upper()).array());
                    md.update(p.modelVersion().getBytes(StandardCharsets.UTF_8));
                    c++;
                }
                if (k % 250 == 0) {
                    byte[] enc = f.encode();
                    md.update(enc);
                    f = SeriesForecaster.decode(enc, new SeriesForecaster(interval, new int[] {3, 12}, 2000, 100, 400));
                }
            }
            md.update(f.encode());
            assertThat(c).as("forecast points at %d ms steps", interval).isEqualTo(interval == 600_000L ? 7938 : 5954);
        }
        StringBuilder b = new StringBuilder();
        for (byte x : md.digest()) {
            b.append(String.format(Locale.ROOT, "%02x", x));
        }
        assertThat(b.toString()).isEqualTo(SHA256);
    }
}
