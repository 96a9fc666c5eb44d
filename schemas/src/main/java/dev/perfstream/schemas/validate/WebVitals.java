package dev.perfstream.schemas.validate;

import dev.perfstream.schemas.avro.Rating;
import dev.perfstream.schemas.avro.Vital;

/**
 * Web Vitals thresholds (web.dev): a value at or below {@code good} is good, above {@code poor} is
 * poor, between is needs-improvement. Page load uses 2 s / 4 s, the platform's KPI.
 */
public final class WebVitals {
    private WebVitals() {
    }

    /** Upper bound of "good", in ms (CLS unitless). */
    public static double good(Vital v) {
        switch (v) {
            case LCP: return 2500;
            case INP: return 200;
            case CLS: return 0.1;
            case FCP: return 1800;
            case TTFB: return 800;
            default: return 2000; // PAGE_LOAD
        }
    }

    /** Lower bound of "poor", in ms (CLS unitless). */
    public static double poor(Vital v) {
        switch (v) {
            case LCP: return 4000;
            case INP: return 500;
            case CLS: return 0.25;
            case FCP: return 3000;
            case TTFB: return 1800;
            default: return 4000;
        }
    }

    public static Rating rate(Vital v, double value) {
        if (value <= good(v)) {
            return Rating.GOOD;
        }
        return value <= poor(v) ? Rating.NEEDS_IMPROVEMENT : Rating.POOR;
    }

    /** Beyond this a value is a measurement bug, not a slow page: 10 minutes, or a CLS of 100. */
    public static double maxPlausible(Vital v) {
        return v == Vital.CLS ? 100 : 600_000;
    }
}
