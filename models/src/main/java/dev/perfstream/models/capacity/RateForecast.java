package dev.perfstream.models.capacity;

import dev.perfstream.models.forecast.SeriesForecaster;
import java.util.ArrayList;
import java.util.List;

/**
 * The service's request rate forecast at one horizon, with its 90 % interval (req/s over all instances).
 *
 * @param horizonMs how far ahead of the advice's time, above 0
 */
public record RateForecast(long horizonMs, double predicted, double lower, double upper) {
    public RateForecast {
        if (horizonMs <= 0) {
            throw new IllegalArgumentException("rate forecast horizon must be > 0 ms, got " + horizonMs);
        }
    }

    /** The forecasts {@link SeriesForecaster#observe} made, on a series of step {@code intervalMs}. */
    public static List<RateForecast> of(List<SeriesForecaster.Point> points, long intervalMs) {
        List<RateForecast> out = new ArrayList<>(points.size());
        for (SeriesForecaster.Point p : points) {
            out.add(new RateForecast(p.horizonSteps() * intervalMs, p.predicted(), p.lower(), p.upper()));
        }
        return out;
    }

    /**
     * The recent linear trend ({@link SeriesForecaster#trend}: a line through the last 15 values) carried
     * {@code horizonMs} ahead, when its slope is upwards with a t statistic of at least {@code minT}; null otherwise.
     * The seasonal forecast follows a surge in progress with its 15-window median, minutes late; added to the
     * forecasts within the look-ahead, this lets a steep ramp scale out while it is still climbing.
     */
    public static RateForecast ramp(SeriesForecaster.Trend trend, long intervalMs, long horizonMs, double minT) {
        if (trend == null || !(trend.slope() > 0) || !(trend.t() >= minT)) {
            return null;
        }
        double v = trend.fitted() + trend.slope() * horizonMs / (double) intervalMs;
        return new RateForecast(horizonMs, v, v, v);
    }
}
