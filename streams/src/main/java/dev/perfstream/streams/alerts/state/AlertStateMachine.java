package dev.perfstream.streams.alerts.state;

import dev.perfstream.streams.alerts.rule.Policy;
import java.util.ArrayList;
import java.util.List;

/**
 * The alert lifecycle, as a pure function of (status, observation): INACTIVE -> PENDING (breaching,
 * fewer than {@code for} windows) -> FIRING (one FIRING notification) -> RESOLVED (after
 * {@code resolve-for} cleared windows, one RESOLVED notification) -> INACTIVE.
 *
 * <ul>
 *   <li>Hysteresis: the caller decides "breach" against the threshold and "clear" against the
 *       resolve threshold; values between the two keep the current phase.</li>
 *   <li>No data (NaN): nothing changes, no counts move: a missing statistic never fires or resolves.</li>
 *   <li>Idempotence: a window not newer than the last evaluated one is ignored, so duplicates and
 *       replays cannot notify twice.</li>
 *   <li>Re-notification: REPEAT when {@code renotify} event time passed since the last notification.</li>
 *   <li>Flapping: the {@code flapStarts}-th start within {@code flapWithin} marks the alert flapping;
 *       its RESOLVED then waits for {@code flapSettle} cleared windows, and breaches in between
 *       continue the same FIRING instead of starting new ones.</li>
 * </ul>
 */
public final class AlertStateMachine {
    private AlertStateMachine() {
    }

    /**
     * @param s           current status
     * @param windowStart start of the evaluated window, epoch ms
     * @param windowEnd   end of the evaluated window, epoch ms
     * @param value       observed value, NaN for no data
     * @param breach      value is on the bad side of the threshold
     * @param clear       value is on the good side of the resolve threshold
     */
    public static Transition step(AlertStatus s, Policy p, long windowStart, long windowEnd, double value,
                                  boolean breach, boolean clear) {
        if (windowEnd <= s.lastWindowEnd() || Double.isNaN(value)) {
            return new Transition(s, Transition.Emit.NONE);
        }
        switch (s.phase()) {
            case FIRING:
                return firing(s, p, windowEnd, value, breach, clear);
            default:
                return notFiring(s, p, windowStart, windowEnd, value, breach);
        }
    }

    private static Transition notFiring(AlertStatus s, Policy p, long windowStart, long windowEnd, double value,
                                        boolean breach) {
        if (!breach) {
            return new Transition(with(s, Phase.INACTIVE, 0, 0, 0, 0, 0, 0, windowEnd, prune(s.starts(), p, windowEnd),
                false, value), Transition.Emit.NONE);
        }
        int breaches = s.breaches() + 1;
        long since = s.breaches() == 0 ? windowStart : s.pendingSince();
        if (breaches < p.forWindows()) {
            return new Transition(with(s, Phase.PENDING, breaches, 0, since, 0, 0, 0, windowEnd, s.starts(), false, value),
                Transition.Emit.NONE);
        }
        List<Long> starts = new ArrayList<>(prune(s.starts(), p, windowEnd));
        starts.add(since);
        boolean flapping = starts.size() >= p.flapStarts();
        return new Transition(with(s, Phase.FIRING, breaches, 0, since, since, windowEnd, 0, windowEnd,
            List.copyOf(starts), flapping, value), Transition.Emit.FIRING);
    }

    private static Transition firing(AlertStatus s, Policy p, long windowEnd, double value, boolean breach,
                                     boolean clear) {
        if (clear) {
            int clears = s.clears() + 1;
            int needed = s.flapping() ? Math.max(p.resolveWindows(), p.flapSettle()) : p.resolveWindows();
            if (clears >= needed) {
                return new Transition(with(s, Phase.INACTIVE, 0, 0, 0, s.startedAt(), s.lastNotified(), s.repeats(),
                    windowEnd, prune(s.starts(), p, windowEnd), s.flapping(), value), Transition.Emit.RESOLVED);
            }
            return new Transition(with(s, Phase.FIRING, s.breaches(), clears, s.pendingSince(), s.startedAt(),
                s.lastNotified(), s.repeats(), windowEnd, s.starts(), s.flapping(), value), Transition.Emit.NONE);
        }
        long renotify = p.renotify().toMillis();
        if (breach && renotify > 0 && windowEnd - s.lastNotified() >= renotify) {
            return new Transition(with(s, Phase.FIRING, s.breaches() + 1, 0, s.pendingSince(), s.startedAt(), windowEnd,
                s.repeats() + 1, windowEnd, s.starts(), s.flapping(), value), Transition.Emit.REPEAT);
        }
        // Still breaching, or inside the hysteresis band: firing continues, the clear run restarts.
        return new Transition(with(s, Phase.FIRING, s.breaches() + (breach ? 1 : 0), 0, s.pendingSince(), s.startedAt(),
            s.lastNotified(), s.repeats(), windowEnd, s.starts(), s.flapping(), value), Transition.Emit.NONE);
    }

    /** Keeps the start times that are still inside the flapping look-back. */
    static List<Long> prune(List<Long> starts, Policy p, long now) {
        long cutoff = now - p.flapWithin().toMillis();
        if (starts.isEmpty() || starts.get(0) >= cutoff) {
            return starts;
        }
        return starts.stream().filter(t -> t >= cutoff).toList();
    }

    private static AlertStatus with(AlertStatus s, Phase phase, int breaches, int clears, long pendingSince,
                                    long startedAt, long lastNotified, int repeats, long lastWindowEnd,
                                    List<Long> starts, boolean flapping, double value) {
        return new AlertStatus(s.ruleId(), s.ruleVersion(), s.series(), phase, breaches, clears, pendingSince, startedAt,
            lastNotified, repeats, lastWindowEnd, starts, flapping, value);
    }
}
