package dev.perfstream.streams.scoring;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.time.Instant;
import java.util.Random;

/** Windows of one METRIC series for the scoring tests. */
public final class ScoringTestData {
    public static final long MIN = 60_000L;
    public static final long T0 = Instant.parse("2026-01-05T00:00:00Z").toEpochMilli();

    private ScoringTestData() {
    }

    /** Window {@code i} of a calm series (p95 about 100 ms with 3 % noise, 1200 events, 0.2 % errors). */
    public static WindowStats window(String service, int i, Random rnd, double p95Factor) {
        double p95 = 100 * (1 + 0.03 * rnd.nextGaussian()) * p95Factor;
        long count = 1200 + rnd.nextInt(60) - 30;
        long errors = rnd.nextInt(100) < 90 ? rnd.nextInt(4) : 5;
        return WindowStats.newBuilder().setKind(SeriesKind.METRIC).setName("http.server.duration")
            .setService(service).setRoute("/cart").setDeviceClass(null)
            .setWindowStart(Instant.ofEpochMilli(T0 + i * MIN)).setWindowEnd(Instant.ofEpochMilli(T0 + (i + 1) * MIN))
            .setCount(count).setErrors(errors).setErrorRate((double) errors / count).setRate(count / 60.0)
            .setMin(1).setMax(p95 * 2).setMean(p95 / 2).setP50(p95 / 2).setP75(p95 * 0.7).setP90(p95 * 0.9)
            .setP95(p95).setP99(p95 * 1.3).setP999(p95 * 1.8).setUnit("ms").build();
    }
}
