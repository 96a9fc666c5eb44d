package dev.perfstream.models.anomaly;

/**
 * The series' shape over the day, for the seasonal expectation: one slot per step (at most
 * {@link #MAX_SLOTS}, i.e. 1-minute slots for finer steps), each an exponentially weighted mean of the
 * cleaned values seen at that time of day ({@link #ALPHA} per visit, so a changed shape is learned in a few
 * days). Its differences give the shape, not the level: a square wave's daily jump, a sine's curve at a
 * coarse step. Slots not visited yet are NaN.
 */
final class DailyProfile {
    /** Most slots kept: 1440 floats (5.6 KB of state). */
    static final int MAX_SLOTS = 1440;
    /** Weight of a new value in its slot. */
    static final double ALPHA = 0.2;
    private static final long DAY_MS = 86_400_000L;

    final float[] slots;

    DailyProfile(int slots) {
        this.slots = new float[slots];
        java.util.Arrays.fill(this.slots, Float.NaN);
    }

    /** Slots for a series of step {@code stepMs}: one per step, at most {@link #MAX_SLOTS}; 0 below 4 steps a day. */
    static int slotsFor(long stepMs) {
        long perDay = stepMs <= 0 ? 0 : DAY_MS / stepMs;
        return perDay < 4 ? 0 : (int) Math.min(MAX_SLOTS, perDay);
    }

    int slot(long timeMillis) {
        return (int) (Math.floorMod(timeMillis, DAY_MS) * slots.length / DAY_MS);
    }

    /** The profile at this time of day, NaN if not seen yet. */
    double at(long timeMillis) {
        return slots[slot(timeMillis)];
    }

    /** Moves every known slot by {@code delta} (the series' level moved and the detector accepted it). */
    void shift(double delta) {
        for (int i = 0; i < slots.length; i++) {
            slots[i] = (float) (slots[i] + delta);
        }
    }

    void learn(long timeMillis, double value) {
        int i = slot(timeMillis);
        float s = slots[i];
        slots[i] = Float.isNaN(s) ? (float) value : (float) (s + ALPHA * (value - s));
    }
}
