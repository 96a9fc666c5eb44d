package dev.perfstream.streams.alerts;

import dev.perfstream.schemas.avro.SeriesKind;
import dev.perfstream.schemas.avro.WindowStats;
import java.time.Duration;
import java.time.Instant;

/** WindowStats builders for alert tests: one value for every percentile unless set otherwise. */
public final class StatsFixtures {
    public static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");
    public static final Duration MINUTE = Duration.ofMinutes(1);

    private StatsFixtures() {
    }

    /** A 1-minute http.server.duration window {@code i} minutes after T0, every percentile = {@code latency}. */
    public static WindowStats api(String service, String route, int i, double latency, long count, long errors) {
        return metric("http.server.duration", service, route, T0.plus(MINUTE.multipliedBy(i)), MINUTE, latency, count, errors);
    }

    public static WindowStats metric(String name, String service, String route, Instant start, Duration size,
                                     double value, long count, long errors) {
        return base(SeriesKind.METRIC, name, service, route, null, start, size, value, count, errors).build();
    }

    public static WindowStats rum(String vital, String app, String page, String device, int i, double value, long count) {
        return base(SeriesKind.RUM, vital, app, page, device, T0.plus(MINUTE.multipliedBy(i)), MINUTE, value, count, 0)
            .setGoodShare(0.5).setNeedsImprovementShare(0.3).setPoorShare(0.2).build();
    }

    public static WindowStats.Builder base(SeriesKind kind, String name, String service, String route, String device,
                                           Instant start, Duration size, double value, long count, long errors) {
        return WindowStats.newBuilder()
            .setKind(kind).setName(name).setService(service).setRoute(route).setDeviceClass(device)
            .setWindowStart(start).setWindowEnd(start.plus(size))
            .setCount(count).setErrors(errors).setErrorRate(count == 0 ? 0 : (double) errors / count)
            .setRate(count / (double) size.toSeconds())
            .setMin(value / 2).setMax(value * 2).setMean(value)
            .setP50(value).setP75(value).setP90(value).setP95(value).setP99(value).setP999(value);
    }
}
