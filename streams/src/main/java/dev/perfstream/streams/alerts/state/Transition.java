package dev.perfstream.streams.alerts.state;

/**
 * The result of one evaluation: the new status and what to tell subscribers.
 *
 * @param emit NONE, FIRING (first notification), REPEAT (re-notification while firing), RESOLVED
 */
public record Transition(AlertStatus status, Emit emit) {
    public enum Emit { NONE, FIRING, REPEAT, RESOLVED }
}
