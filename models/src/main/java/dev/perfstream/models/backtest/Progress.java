package dev.perfstream.models.backtest;

import java.io.PrintStream;

/** A one-line progress bar on stderr for long jobs (bytes read against file size, origins done against origins). */
final class Progress {
    private final PrintStream out;
    private final long total;
    private final String label;
    private final boolean enabled;
    /** What the count on the line counts: "rows", "origins". */
    private final String unit;
    private int lastPercent = -1;

    Progress(PrintStream out, long total, String label, String unit, boolean enabled) {
        this.unit = unit;
        this.out = out;
        this.total = total;
        this.label = label;
        this.enabled = enabled && total > 0;
    }

    /** {@code done} of the total (bytes, origins); {@code count} as the line reports it, in {@link #unit}. */
    void update(long done, long count) {
        if (!enabled) {
            return;
        }
        int p = (int) Math.min(100, done * 100 / total);
        if (p != lastPercent) {
            lastPercent = p;
            int bars = p / 4;
            out.print("\r" + label + " [" + "#".repeat(bars) + " ".repeat(25 - bars) + "] " + p + "% " + count + " " + unit);
            out.flush();
        }
    }

    void done() {
        if (enabled && lastPercent >= 0) {
            out.println();
        }
    }
}
