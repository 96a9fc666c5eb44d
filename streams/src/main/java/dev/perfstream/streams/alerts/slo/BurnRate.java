package dev.perfstream.streams.alerts.slo;

import dev.perfstream.schemas.avro.Severity;
import java.time.Duration;
import java.util.List;

/**
 * One multi-window burn-rate condition (Google SRE workbook, "Alerting on SLOs"): it holds when the
 * error budget burns at least {@code factor} times the sustainable rate over both the long and the
 * short window. The long window makes it significant, the short one makes it stop soon after the
 * problem stops.
 */
public record BurnRate(String name, Severity severity, double factor, Duration longWindow, Duration shortWindow) {
    /** The workbook's defaults: page 14.4x 1h/5m, page 6x 6h/30m, ticket 3x 1d/2h. */
    public static final List<BurnRate> DEFAULTS = List.of(
        new BurnRate("fast", Severity.PAGE, 14.4, Duration.ofHours(1), Duration.ofMinutes(5)),
        new BurnRate("medium", Severity.PAGE, 6, Duration.ofHours(6), Duration.ofMinutes(30)),
        new BurnRate("slow", Severity.TICKET, 3, Duration.ofDays(1), Duration.ofHours(2)));
}
