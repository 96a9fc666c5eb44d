package dev.perfstream.streams.scoring.forecast;

import dev.perfstream.models.anomaly.Statistic;
import dev.perfstream.models.forecast.SeriesForecaster;
import dev.perfstream.schemas.avro.Alert;
import dev.perfstream.schemas.avro.AlertSource;
import dev.perfstream.schemas.avro.AlertState;
import dev.perfstream.schemas.avro.Severity;
import dev.perfstream.schemas.avro.WindowStats;
import dev.perfstream.schemas.series.SeriesKey;
import dev.perfstream.streams.alerts.rule.Policy;
import dev.perfstream.streams.alerts.state.AlertEpisodes;
import dev.perfstream.streams.alerts.state.Transition;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import dev.perfstream.streams.scoring.ScoringTopology;
import dev.perfstream.streams.scoring.anomaly.AnomalyAlerts;

/**
 * Capacity and SLO alerts from forecasts (source FORECAST) on perf.alerts. A threshold is the configured
 * capacity of the series' service for {@code rate} ({@code capacity.<service>.rate}) and the p95 SLO for
 * {@code p95} ({@code forecast.slo.p95}, per service {@code forecast.slo.<service>.p95}). The time to breach
 * is the earliest of: now (the latest value is at or above it); where the model's forecasts, joined linearly
 * from the latest value through each horizon, cross it; and where the recent linear trend crosses it, if
 * its slope is significant ({@code forecast.alert.trend.min.t}) and the crossing lies within
 * {@code forecast.alert.trend.horizon}. The trend guard is there because the seasonal model learns typical
 * days and does not extrapolate an unprecedented ramp. FIRING once when a breach is predicted within the
 * longest horizon, RESOLVED once after {@code forecast.alert.resolve.windows} windows without one, a reminder
 * every {@code forecast.alert.renotify} while it lasts, and the rules' flapping defaults (see {@link AnomalyAlerts#policy});
 * the episode per fingerprint ({@link AlertEpisodes}) lives in {@value ScoringTopology#FORECAST_ALERT_STORE}.
 */
final class ForecastAlerts {
    private final ForecastConfig cfg;
    private final AlertEpisodes episodes;

    ForecastAlerts(ForecastConfig cfg, KeyValueStore<String, byte[]> store) {
        this.cfg = cfg;
        this.episodes = new AlertEpisodes(store, new Policy(1, cfg.resolveWindows(), cfg.renotify(),
            Policy.DEFAULT.flapStarts(), Policy.DEFAULT.flapWithin(), Policy.DEFAULT.flapSettle()));
    }

    /** Predicted breach: steps ahead (fractional) and by what it was predicted. */
    record Breach(double steps, String how) {
    }

    /** Capacity is compared with the service's total throughput (route {@link SeriesKey#ALL_ROUTES}) only. */
    double threshold(Statistic st, String service, String route) {
        return switch (st) {
            case RATE -> SeriesKey.ALL_ROUTES.equals(route) ? cfg.capacityRate().getOrDefault(service, Double.NaN) : Double.NaN;
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
        // the value the episode sees: 1 while a breach is predicted, 0 when none is (never NaN: no data is no window)
        Transition t = episodes.observe(fingerprint, series, w.getWindowStart().toEpochMilli(),
            w.getWindowEnd().toEpochMilli(), b == null ? 0 : 1, b != null, b == null);
        AnomalyAlerts.Step step = AnomalyAlerts.Step.of(t);
        if (step == null) {
            return null;
        }
        return alert(fingerprint, series, st, w, f, c, step.state() == AlertState.RESOLVED ? null : b, step, now);
    }

    private Alert alert(String fingerprint, String series, Statistic st, WindowStats w, SeriesForecaster f,
                        double c, Breach b, AnomalyAlerts.Step step, Instant now) {
        AlertState state = step.state();
        String notification = step.emit().name().toLowerCase(java.util.Locale.ROOT);
        String what = st == Statistic.RATE
            ? (SeriesKey.ALL_ROUTES.equals(w.getRoute()) ? w.getService() + " throughput (all routes)"
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
        summary += step.note(episodes.policy());
        return Alert.newBuilder().setFingerprint(fingerprint).setRule(st == Statistic.RATE ? "capacity" : "slo-forecast")
            .setSource(AlertSource.FORECAST).setSeverity(Severity.WARNING).setState(state).setSeries(series)
            .setStatistic(st.label()).setValue(f.last()).setThreshold(c)
            .setWindowStart(w.getWindowStart()).setWindowEnd(w.getWindowEnd()).setStartedAt(step.startedAt())
            .setNotifiedAt(now).setSummary(summary)
            .setPlaybook(st == Statistic.RATE
                ? "Capacity: scale out or shed load before the forecast breach; check upstream callers and rate limits."
                : "Latency SLO at risk: check saturation and dependencies; scale out before the forecast breach.")
            .setLabels(b == null ? Map.of("service", w.getService(), "route", w.getRoute(), "notification", notification)
                : Map.of("service", w.getService(), "route", w.getRoute(), "time_to_breach_ms", Long.toString(ms),
                    "predicted_by", b.how(), "notification", notification))
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
