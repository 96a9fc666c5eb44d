package dev.perfstream.models.capacity;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One scaling advice for a service, immutable and flat so that a stage can map it to an Avro record field by
 * field.
 *
 * @param service          the service
 * @param timeMs           when the advice was made (the latest window's start), epoch ms
 * @param action           what to do against the current count
 * @param current          instances the service has now (running or starting)
 * @param advised          instances advised now (covers the upper bound of the forecast within the look-ahead)
 * @param fromMs           when the advised count is needed (the advice's time plus the deciding horizon); the
 *                         advice's time for a scale-in or a hold
 * @param expected         instances the forecast's predicted value needs at the deciding horizon
 * @param lower            instances the lower end of the 90 % interval needs there
 * @param upper            instances the upper end needs there (before min / max)
 * @param capacity         rate per instance used (req/s); NaN when unknown
 * @param capacitySource   "model", "model-extrapolated", "override" or "unknown"
 * @param costPerHour      advised x the price per instance-hour
 * @param costDeltaPerHour (advised - current) x the price per instance-hour: what the advice adds (or saves, below 0)
 * @param reason           one line for a person
 */
public record Advice(String service, long timeMs, Action action, int current, int advised, long fromMs, int expected,
                     int lower, int upper, double capacity, String capacitySource, double costPerHour,
                     double costDeltaPerHour, String reason) {
    /** What the advice asks for. */
    public enum Action { SCALE_OUT, SCALE_IN, HOLD, UNKNOWN }

    private static final DateTimeFormatter HHMM = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

    /** E.g. "payments needs 7 instances from 14:10 (now 4): expected 6, 90 % interval 5-7; cost 0.70/h (+0.30/h)". */
    public String summary() {
        if (action == Action.UNKNOWN) {
            return service + ": no advice (" + reason + ")";
        }
        return String.format("%s needs %d instances from %s (now %d): expected %d, 90 %% interval %d-%d; cost %.2f/h (%+.2f/h)",
            service, advised, HHMM.format(Instant.ofEpochMilli(fromMs)), current, expected, lower, upper, costPerHour,
            costDeltaPerHour);
    }
}
