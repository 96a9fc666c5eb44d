package dev.perfstream.streams.alerts.rule;

import java.util.Locale;
import java.util.Optional;

/**
 * What a rule does when a series it watches stops sending windows for {@code no-data-after}
 * (Grafana's "no data" handling): {@code keep} the alert as it is (the default, and the behaviour
 * before no-data handling existed), resolve it ({@code ok}), or fire ({@code alerting}), also for a
 * series that was fine when it went silent.
 */
public enum NoData {
    KEEP, OK, ALERTING;

    public static Optional<NoData> parse(String s) {
        try {
            return Optional.of(valueOf(s.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
