package dev.perfstream.streams.scoring;

import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.models.forecast.SeriesForecaster;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.streams.window.SeriesId;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Capacity and SLO alerts from forecasts (source FORECAST) on perf.alerts. A threshold is the configured
 * capacity of the series' service for {@code rate} ({@code capacity.<service>.rate}) and the p95 SLO for
 * {@code p95} ({@code forecast.slo.p95}, per service {@code forecast.slo.<service>.p95}). The time to breach
 * is the earliest of: now (the latest value is at or above it); where the model's forecasts, joined linearly
 * from the latest value through each horizon, cross it; and where the recent linear trend crosses it, if
 * its slope is significant ({@code forecast.alert.trend.min.t}) and the crossing lies within
 * {@code forecast.alert.trend.horizon}. The trend guard is there because the seasonal model learns typical
 * days and does not extrapolate an unprecedented ramp. FIRING once when a breach is predicted within the
 * longest horizon, RESOLVED once after {@code forecast.alert.resolve.windows} windows without one; the open
 * episode per fingerprint lives in {@value ScoringTopology#FORECAST_ALERT_STORE}.
 */
final class ForecastAlerts {
    private final ForecastConfig cfg;
    private final KeyValueStore<String, byte[]> store;

    ForecastAlerts(ForecastConfig cfg, KeyValueStore<String, byte[]> store) {
        this.cfg = cfg;
        this.store = store;
    }

    /** Predicted breach: steps ahead (fractional) and by what it was predicted. */
    record Breach(double steps, String how) {
    }

    /** Capacity is compared with the service's total throughput (route {@link SeriesId#ALL_ROUTES}) only. */
    double threshold(Statistic st, String service, String route) {
        return switch (st) {
            case RATE -> SeriesId.ALL_ROUTES.equals(route) ? cfg.capacityRate().getOrDefault(service, Double.NaN) : Double.NaN;
            case P95 -> cfg.sloP95By().getOrDefault(service, cfg.sloP95());
            default -> Double.NaN;
        };
    }

    static Breach breach(double c, SeriesForecaster f, List<SeriesForecaster.Point> points, ForecastConfig cfg) {
        double cur = f.last();
        if (cur >= c) {
            return new Breach(0, "now");
        }
        Breach best = null;
        if (!Double.isNaN(cur)) {
            double px = 0;
            double py = cur;
            for (SeriesForecaster.Point p : points.stream().sorted(Comparator.comparingInt(SeriesForecaster.Point::horizonSteps)).toList()) {
                if (p.predicted() >= c) {
                    best = new Breach(px + (c - py) / (p.predicted() - py) * (p.horizonSteps() - px), "forecast model");
                    break;
                }
                px = p.horizonSteps();
                py = p.predicted();
            }
        }
        SeriesForecaster.Trend tr = f.trend();
        if (tr != null && tr.slope() > 0 && tr.t() >= cfg.trendMinT()) {
            double t = Math.max(0, (c - tr.fitted()) / tr.slope());
            if (t * f.intervalMs() <= cfg.trendHorizon().toMillis() && (best == null || t < best.steps())) {
                best = new Breach(t, "recent trend");
            }
        }
        return best;
    }

    /** @return the alert to emit after this window's forecasts, or null */
    Alert onForecast(String series, Statistic st, WindowStats w, SeriesForecaster f,
                     List<SeriesForecaster.Point> points, Instant now) {
        double c = threshold(st, w.getService(), w.getRoute());
        if (Double.isNaN(c)) {
            return null;
        }
        String fingerprint = "forecast|" + (st == Statistic.RATE ? "capacity" : "slo") + "|" + series + "|" + st.label();
        Breach b = breach(c, f, points, cfg);
        byte[] state = store.get(fingerprint);
        if (state == null) {
            if (b == null) {
                return null;
            }
            store.put(fingerprint, ByteBuffer.allocate(12).putLong(w.getWindowEnd().toEpochMilli()).putInt(0).array());
            return alert(fingerprint, series, st, w, f, c, b, AlertState.FIRING, w.getWindowEnd(), now);
        }
        ByteBuffer buf = ByteBuffer.wrap(state);
        long startedAt = buf.getLong();
        int calm = b == null ? buf.getInt() + 1 : 0;
        if (calm >= cfg.resolveWindows()) {
            store.delete(fingerprint);
            return alert(fingerprint, series, st, w, f, c, null, AlertState.RESOLVED, Instant.ofEpochMilli(startedAt), now);
        }
        store.put(fingerprint, ByteBuffer.allocate(12).putLong(startedAt).putInt(calm).array());
        return null;
    }

    private static Alert alert(String fingerprint, String series, Statistic st, WindowStats w, SeriesForecaster f,
                               double c, Breach b, AlertState state, Instant startedAt, Instant now) {
        String what = st == Statistic.RATE
            ? (SeriesId.ALL_ROUTES.equals(w.getRoute()) ? w.getService() + " throughput (all routes)"
                : w.getService() + " " + w.getRoute() + " throughput")
            : st.label() + " of " + w.getName() + " on " + w.getService() + " " + w.getRoute();
        String limit = st == Statistic.RATE ? "exceed " + num(c) + " req/s" : "cross " + num(c) + " " + w.getUnit();
        long ms = b == null ? 0 : Math.round(b.steps() * f.intervalMs());
        String summary;
        if (state == AlertState.RESOLVED) {
            summary = what + " no longer forecast to " + limit;
        } else if (ms == 0) {
            summary = what + " is at or beyond the limit now: forecast to " + limit;
        } else {
            summary = String.format("%s forecast to %s in about %s (%s)", what, limit, human(ms), b.how());
        }
        return Alert.newBuilder().setFingerprint(fingerprint).setRule(st == Statistic.RATE ? "capacity" : "slo-forecast")
            .setSource(AlertSource.FORECAST).setSeverity(Severity.WARNING).setState(state).setSeries(series)
            .setStatistic(st.label()).setValue(f.last()).setThreshold(c)
            .setWindowStart(w.getWindowStart()).setWindowEnd(w.getWindowEnd()).setStartedAt(startedAt)
            .setNotifiedAt(now).setSummary(summary)
            .setPlaybook(st == Statistic.RATE
                ? "Capacity: scale out or shed load before the forecast breach; check upstream callers and rate limits."
                : "Latency SLO at risk: check saturation and dependencies; scale out before the forecast breach.")
            .setLabels(b == null ? Map.of("service", w.getService(), "route", w.getRoute())
                : Map.of("service", w.getService(), "route", w.getRoute(), "time_to_breach_ms", Long.toString(ms),
                    "predicted_by", b.how()))
            .build();
    }

    static String num(double c) {
        return java.math.BigDecimal.valueOf(c).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
    }

    static String human(long ms) {
        long min = Math.round(ms / 60_000.0);
        if (min < 1) {
            return Math.max(1, Math.round(ms / 1000.0)) + " s";
        }
        return min < 120 ? min + " min" : String.format("%.1f h", min / 60.0);
    }
}
