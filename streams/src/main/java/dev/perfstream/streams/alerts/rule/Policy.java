package dev.perfstream.streams.alerts.rule;

import java.time.Duration;

/**
 * How an alert's state machine behaves, apart from its condition.
 *
 * @param forWindows     consecutive breaching windows before PENDING becomes FIRING (1 = at once)
 * @param resolveWindows consecutive cleared windows before FIRING becomes RESOLVED
 * @param renotify       while firing, a FIRING re-notification is sent when this much event time
 *                       passed since the last one; zero disables re-notification
 * @param flapStarts     an alert that starts firing this many times within {@code flapWithin} is
 *                       flapping: its resolution is held back until it stays clear for
 *                       {@code flapSettle} windows, so subscribers get no new FIRING meanwhile
 * @param flapWithin     the flapping look-back
 * @param flapSettle     cleared windows a flapping alert needs before RESOLVED
 */
public record Policy(int forWindows, int resolveWindows, Duration renotify, int flapStarts, Duration flapWithin,
                     int flapSettle) {
    public static final Policy DEFAULT = new Policy(2, 2, Duration.ofHours(4), 3, Duration.ofMinutes(30), 5);
}
